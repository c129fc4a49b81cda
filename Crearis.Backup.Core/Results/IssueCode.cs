using System.Text.Json;
using System.Text.Json.Serialization;

namespace Crearis.Backup.Core.Results;

/// <summary>
/// The stable, machine-readable code of an issue (what scripts match on: <c>REF_NOT_IN_FILE</c>). A closed set: every
/// code the tool can report is one of the members below; it prints and serialises as its wire text.
/// </summary>
[JsonConverter(typeof(IssueCodeJsonConverter))]
public readonly record struct IssueCode
{
    private IssueCode(string wire) => Wire = wire;

    /// <summary>The code as scripts and the history see it, e.g. <c>UNIQUE_VIOLATION</c>.</summary>
    public string Wire { get; }

    public override string ToString() => Wire;

    /// <summary>A file's SHA-256 differs from what the manifest or index says.</summary>
    public static readonly IssueCode BadChecksum = new("BAD_CHECKSUM");
    public static readonly IssueCode BadIndex = new("BAD_INDEX");
    public static readonly IssueCode BadManifest = new("BAD_MANIFEST");
    public static readonly IssueCode BadRowCount = new("BAD_ROW_COUNT");
    public static readonly IssueCode BadTableFile = new("BAD_TABLE_FILE");
    public static readonly IssueCode BadValue = new("BAD_VALUE");
    public static readonly IssueCode CannotRead = new("CANNOT_READ");
    public static readonly IssueCode CheckViolation = new("CHECK_VIOLATION");
    public static readonly IssueCode CorruptArchive = new("CORRUPT_ARCHIVE");
    public static readonly IssueCode DatabaseError = new("DATABASE_ERROR");
    public static readonly IssueCode DatabaseUnreachable = new("DATABASE_UNREACHABLE");
    public static readonly IssueCode DependencyMissing = new("DEPENDENCY_MISSING");
    public static readonly IssueCode DuplicateKey = new("DUPLICATE_KEY");
    public static readonly IssueCode FkViolation = new("FK_VIOLATION");
    /// <summary>Another import holds the database; nothing was written.</summary>
    public static readonly IssueCode ImportRunning = new("IMPORT_RUNNING");
    public static readonly IssueCode KeyNull = new("KEY_NULL");
    /// <summary>Links of the original format the file does not prove.</summary>
    public static readonly IssueCode LinkNotRecovered = new("LINK_NOT_RECOVERED");
    /// <summary>Links of the original format recovered from what the file proves.</summary>
    public static readonly IssueCode LinkRecovered = new("LINK_RECOVERED");
    public static readonly IssueCode LossyTextNumber = new("LOSSY_TEXT_NUMBER");
    public static readonly IssueCode MissingFile = new("MISSING_FILE");
    public static readonly IssueCode MissingIndex = new("MISSING_INDEX");
    public static readonly IssueCode MissingManifest = new("MISSING_MANIFEST");
    public static readonly IssueCode NotABackup = new("NOT_A_BACKUP");
    public static readonly IssueCode NotFound = new("NOT_FOUND");
    public static readonly IssueCode NotNullViolation = new("NOT_NULL_VIOLATION");
    public static readonly IssueCode NotTarGz = new("NOT_TAR_GZ");
    public static readonly IssueCode OutputFolderMissing = new("OUTPUT_FOLDER_MISSING");
    /// <summary>A link the backup's format cannot carry (the target row has no id in the file).</summary>
    public static readonly IssueCode RefNotInFile = new("REF_NOT_IN_FILE");
    public static readonly IssueCode RefUnresolved = new("REF_UNRESOLVED");
    public static readonly IssueCode RefUnresolvedNulled = new("REF_UNRESOLVED_NULLED");
    public static readonly IssueCode SchemaColumnMissing = new("SCHEMA_COLUMN_MISSING");
    public static readonly IssueCode SchemaTableMissing = new("SCHEMA_TABLE_MISSING");
    public static readonly IssueCode SchemaTypeChanged = new("SCHEMA_TYPE_CHANGED");
    public static readonly IssueCode TagCacheInconsistent = new("TAG_CACHE_INCONSISTENT");
    public static readonly IssueCode TargetDuplicateKey = new("TARGET_DUPLICATE_KEY");
    public static readonly IssueCode TriggerRefused = new("TRIGGER_REFUSED");
    public static readonly IssueCode UniqueViolation = new("UNIQUE_VIOLATION");
    public static readonly IssueCode UnknownColumn = new("UNKNOWN_COLUMN");
    public static readonly IssueCode UnknownTable = new("UNKNOWN_TABLE");
    public static readonly IssueCode UnsupportedVersion = new("UNSUPPORTED_VERSION");
    public static readonly IssueCode UploadFailed = new("UPLOAD_FAILED");
    public static readonly IssueCode UploadTooLarge = new("UPLOAD_TOO_LARGE");
    /// <summary>The run was cancelled; everything was rolled back.</summary>
    public static readonly IssueCode Cancelled = new("CANCELLED");

    // Hostile original files
    /// <summary>An archive holds two entries of one name (also ./name beside name): which one counts would be ambiguous.</summary>
    public static readonly IssueCode DuplicateEntry = new("DUPLICATE_ENTRY");
    /// <summary>An archive holds an entry that is neither a regular file nor a folder (link, device, fifo, contiguous file).</summary>
    public static readonly IssueCode UnsafeEntry = new("UNSAFE_ENTRY");
    /// <summary>A header, entry, table, row or the whole archive exceeds what any real backup holds; reading stopped there.</summary>
    public static readonly IssueCode TooLarge = new("TOO_LARGE");
}

/// <summary>Reads and writes an issue code as its wire text.</summary>
public sealed class IssueCodeJsonConverter : JsonConverter<IssueCode>
{
    private static readonly Dictionary<string, IssueCode> Known = typeof(IssueCode)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(IssueCode))
        .Select(f => (IssueCode)f.GetValue(null)!).ToDictionary(c => c.Wire, StringComparer.Ordinal);

    public override IssueCode Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Known.TryGetValue(reader.GetString() ?? "", out var code) ? code : throw new JsonException($"Unknown issue code {reader.GetString()}.");

    public override void Write(Utf8JsonWriter writer, IssueCode value, JsonSerializerOptions options) => writer.WriteStringValue(value.Wire);
}
