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
    // Hostile or damaged files: each is found before a row is written.
    /// <summary>Two archive entries with the same name (also "./x" beside "x"): only one of them would be checked.</summary>
    public static readonly IssueCode DuplicateEntry = new("DUPLICATE_ENTRY");
    /// <summary>An archive entry that is not a plain file or folder (link, device, contiguous file…) or whose name leaves the archive.</summary>
    public static readonly IssueCode UnsafeEntry = new("UNSAFE_ENTRY");
    /// <summary>An archive entry the manifest does not list.</summary>
    public static readonly IssueCode UnexpectedEntry = new("UNEXPECTED_ENTRY");
    /// <summary>Something in the file is larger than this tool reads (a header, the manifest, a row, the unpacked total).</summary>
    public static readonly IssueCode TooLarge = new("TOO_LARGE");
    /// <summary>A row that is not one JSON object of valid UTF-8 on one line.</summary>
    public static readonly IssueCode BadRow = new("BAD_ROW");
    /// <summary>A row carries a column its manifest does not declare.</summary>
    public static readonly IssueCode UndeclaredColumn = new("UNDECLARED_COLUMN");
    // The sync ledger and three-way merges.
    /// <summary>An export or import could not be kept in the sync ledger (the backup then cannot serve as a merge base).</summary>
    public static readonly IssueCode LedgerNotRecorded = new("LEDGER_NOT_RECORDED");
    /// <summary>A merge found no backup the two instances exchanged: it compared two ways (the backup's values win).</summary>
    public static readonly IssueCode NoMergeBase = new("NO_MERGE_BASE");
    /// <summary>A field or row changed on both sides since the merge base, and nothing decided it.</summary>
    public static readonly IssueCode MergeConflict = new("MERGE_CONFLICT");
    /// <summary>A resolution names a conflict this merge does not have (a stale or mistyped resolutions file).</summary>
    public static readonly IssueCode UnknownResolution = new("UNKNOWN_RESOLUTION");
    /// <summary>A resolutions file that cannot be read as decisions (the CLI's --resolutions).</summary>
    public static readonly IssueCode BadResolutions = new("BAD_RESOLUTIONS");
    // Differential backups.
    /// <summary>A differential's base is unknown: the exporting database did not export it (or no longer keeps its rows),
    /// or the importing database never exchanged it.</summary>
    public static readonly IssueCode BaseUnknown = new("BASE_UNKNOWN");
    /// <summary>Files given to combine do not form a chain (a differential's base is not the file before it).</summary>
    public static readonly IssueCode BaseMismatch = new("BASE_MISMATCH");
    /// <summary>A differential's tombstones name rows here that are kept (deleted only with apply-deletes).</summary>
    public static readonly IssueCode DeletedThereKept = new("DELETED_THERE_KEPT");
    /// <summary>A differential is imported only as a merge.</summary>
    public static readonly IssueCode DifferentialNeedsMerge = new("DIFFERENTIAL_NEEDS_MERGE");
    // Filtered exports.
    /// <summary>A filtered export names a project or user no row has: nothing was written.</summary>
    public static readonly IssueCode FilterUnknown = new("FILTER_UNKNOWN");
    /// <summary>--since is not a moment in the past ("30d", "2026-01-01").</summary>
    public static readonly IssueCode BadSince = new("BAD_SINCE");
    /// <summary>A filtered export cannot be a differential (its rows are a selection, not the database's state).</summary>
    public static readonly IssueCode FilterWithBase = new("FILTER_WITH_BASE");
    /// <summary>--since could not filter a table (no created_at, no parseable updated_at, no ledger record): written whole.</summary>
    public static readonly IssueCode SinceUnfiltered = new("SINCE_UNFILTERED");
    /// <summary>A filtered export holds rows of a table --tables/--exclude left out, because selected rows refer to them.</summary>
    public static readonly IssueCode ExcludedParentsKept = new("EXCLUDED_PARENTS_KEPT");
    /// <summary>A filtered backup was imported with apply-deletes: a filtered backup never deletes anything.</summary>
    public static readonly IssueCode FilteredNoDeletes = new("FILTERED_NO_DELETES");
    // Encrypted backups (age v1).
    /// <summary>The file is encrypted and no identity or passphrase was given.</summary>
    public static readonly IssueCode KeyRequired = new("KEY_REQUIRED");
    /// <summary>The identities or passphrase given do not open the file.</summary>
    public static readonly IssueCode KeyMismatch = new("KEY_MISMATCH");
    /// <summary>An encrypted file failed authentication (changed, reordered, cut off, or not age at all).</summary>
    public static readonly IssueCode NotAuthentic = new("NOT_AUTHENTIC");
    /// <summary>The run was cancelled; everything was rolled back.</summary>
    public static readonly IssueCode Cancelled = new("CANCELLED");
    // Scrubbed copies (production → development).
    /// <summary>--scrub without a usable key (none in the environment or the key file, or shorter than 16 bytes).</summary>
    public static readonly IssueCode ScrubKeyInvalid = new("SCRUB_KEY_INVALID");
    /// <summary>Two different e-mail addresses of users got the same pseudonym: the scrubbed copy would break a UNIQUE key; nothing was written.</summary>
    public static readonly IssueCode ScrubCollision = new("SCRUB_COLLISION");
    /// <summary>A scrubbed export against a base (a differential): refused, a scrubbed copy is always a full export.</summary>
    public static readonly IssueCode ScrubNotDifferential = new("SCRUB_NOT_DIFFERENTIAL");
    /// <summary>A scrubbed backup given to a database marked production: refused before anything was written.</summary>
    public static readonly IssueCode ScrubbedIntoProduction = new("SCRUBBED_INTO_PRODUCTION");
    // Undoing an import.
    /// <summary>A row the import wrote was changed or deleted since: the undo would overwrite that edit, so nothing was undone.</summary>
    public static readonly IssueCode UndoChangedSince = new("UNDO_CHANGED_SINCE");
    /// <summary>The undo cannot be done as asked (rows added since point at a row to remove, no journal, already undone); nothing was undone.</summary>
    public static readonly IssueCode UndoBlocked = new("UNDO_BLOCKED");

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
