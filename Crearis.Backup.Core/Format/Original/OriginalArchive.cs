using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Original;

/// <summary>One table of the tarball: an entity file, or a detail table embedded in its parent's file.</summary>
/// <param name="Rows">The <c>rows</c> array; it lives as long as the archive that parsed it.</param>
/// <param name="IsDetail">Embedded in a parent's detailTables (events_tags, posts_tags, project_members, event_instructors).</param>
internal sealed record OriginalTable(string Name, string File, IReadOnlyList<string> Columns, long RowCount, JsonElement Rows, bool IsDetail)
{
    // Detail tables are keyed by their pairs of ids, so there is no row id whose absence would matter.
    public bool HasSourceIds => IsDetail || Columns.Contains("id");
}

/// <summary>
/// The parsed contents of one original tarball and the findings of checking them. Everything is held in memory:
/// the exporter writes a handful of small JSON documents, and checksums need each file's exact bytes anyway.
/// </summary>
internal sealed class OriginalArchive : IDisposable
{
    private const string IndexFile = "index.json";

    // Far above what the exporter writes; it keeps a hostile or damaged file from filling memory.
    private const long MaxUnpackedBytes = 1L << 30;

    private readonly List<JsonDocument> _documents = [];
    private readonly List<BackupIssue> _issues = [];
    private readonly Dictionary<string, OriginalTable> _tables = new(StringComparer.Ordinal);
    private readonly List<OriginalTable> _order = [];

    private OriginalArchive(string path) => FileName = Path.GetFileName(path);

    public string FileName { get; }

    public BackupSummary? Summary { get; private set; }

    public IReadOnlyList<BackupIssue> Issues => _issues;

    public bool IsValid => Summary is not null && _issues.All(i => i.Severity != IssueSeverity.Error);

    public OriginalTable? Table(string name) => _tables.GetValueOrDefault(name);

    public static async Task<OriginalArchive> ReadAsync(string path, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var archive = new OriginalArchive(path);
        var members = await archive.ReadMembersAsync(path, ct);
        if (members is not null) archive.Check(members);
        return archive;
    }

    public void Dispose()
    {
        foreach (var document in _documents) document.Dispose();
        _documents.Clear();
    }

    private async Task<Dictionary<string, byte[]>?> ReadMembersAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            _issues.Add(BackupIssue.Error(IssueCode.NotFound, $"{path} does not exist.", "Check the path of the backup file."));
            return null;
        }
        try
        {
            // Unpacking the gzip layer first keeps its damage apart from a tar that is not one.
            return await GunzipAsync(path, ct) is { } tar ? Untar(tar) : null;
        }
        catch (Exception e) when (e is IOException and not EndOfStreamException or UnauthorizedAccessException)
        {
            _issues.Add(BackupIssue.Error(IssueCode.CannotRead, $"{path} could not be read: {e.Message}",
                "Check that the file is readable by this program and not locked by another one."));
            return null;
        }
    }

    private async Task<MemoryStream?> GunzipAsync(string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);
        var magic = new byte[2];
        if (await file.ReadAtLeastAsync(magic, 2, throwOnEndOfStream: false, ct) < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
        {
            _issues.Add(NotABackup($"{FileName} is not a gzip file, so it is not a backup of the original crearis-vue exporter."));
            return null;
        }
        file.Position = 0;

        var tar = new MemoryStream();
        try
        {
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            var buffer = new byte[81920];
            int read;
            while ((read = await gzip.ReadAsync(buffer, ct)) > 0)
            {
                if (tar.Length + read > MaxUnpackedBytes)
                {
                    _issues.Add(Corrupt($"{FileName} unpacks to more than {MaxUnpackedBytes >> 20} MiB, far more than the original exporter writes."));
                    return null;
                }
                tar.Write(buffer, 0, read);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            _issues.Add(Corrupt($"The gzip data of {FileName} is damaged or truncated ({e.Message})."));
            return null;
        }
        // GZipStream ends quietly where a file was cut off; cuts later on show up in the tar layer and the checksums.
        if (tar.Length == 0)
        {
            _issues.Add(Corrupt($"{FileName} unpacks to nothing; the file is truncated or damaged."));
            return null;
        }
        tar.Position = 0;
        return tar;
    }

    private Dictionary<string, byte[]>? Untar(MemoryStream data)
    {
        var members = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var entries = 0;
        try
        {
            using var tar = new TarReader(data);
            while (tar.GetNextEntry(copyData: false) is { } entry)
            {
                entries++;
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                using var content = new MemoryStream();
                entry.DataStream?.CopyTo(content);
                if (content.Length != entry.Length)
                {
                    _issues.Add(Corrupt($"{FileName} ends in the middle of {entry.Name}; the archive is truncated."));
                    return null;
                }
                members[MemberName(entry.Name)] = content.ToArray();
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            // The gzip layer was intact, so a first header that does not parse means it holds something other than a tar.
            _issues.Add(entries == 0
                ? NotABackup($"{FileName} is gzip-compressed but holds no tar archive ({e.Message}).")
                : Corrupt($"{FileName} is damaged: its tar archive breaks off after entry {entries} ({e.Message})."));
            return null;
        }
        return members;
    }

    // The exporter runs `tar -C dir .`, so members are named ./index.json; other tars may omit the ./ prefix.
    private static string MemberName(string name)
    {
        while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
        return name;
    }

    private void Check(Dictionary<string, byte[]> members)
    {
        if (!members.TryGetValue(IndexFile, out var indexBytes))
        {
            _issues.Add(BackupIssue.Error(IssueCode.MissingIndex, $"{FileName} holds no index.json, so it is not a backup of the original crearis-vue exporter.",
                "Choose the .tar.gz that the exporter wrote (backup_<database>_<time>.tar.gz), not a repacked or partial copy."));
            return;
        }
        if (Parse(indexBytes, IndexFile, table: null) is not { } index) return;
        if (index.ValueKind != JsonValueKind.Object
            || !index.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Object)
        {
            _issues.Add(BadIndex("index.json has no \"files\" object naming the table files."));
            return;
        }

        var checksums = index.TryGetProperty("checksums", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        foreach (var entry in files.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String || entry.Value.GetString() is not { Length: > 0 } file)
            {
                _issues.Add(BadIndex($"index.json names no file for table {entry.Name}."));
                continue;
            }
            if (!members.TryGetValue(MemberName(file), out var bytes))
            {
                _issues.Add(BackupIssue.Error(IssueCode.MissingFile,
                    $"index.json lists {file} for table {entry.Name}, but {FileName} does not contain it.",
                    "The backup is incomplete; use a complete copy of the exporter's tarball.", table: entry.Name, key: file));
                continue;
            }
            CheckChecksum(checksums, file, entry.Name, bytes);
            CheckTableFile(entry.Name, file, bytes);
        }

        if (index.TryGetProperty("entities", out var entities) && entities.ValueKind == JsonValueKind.Array)
        {
            foreach (var entity in entities.EnumerateArray())
            {
                if (entity.ValueKind == JsonValueKind.String && entity.GetString() is { } name && !files.TryGetProperty(name, out _))
                {
                    _issues.Add(BackupIssue.Error(IssueCode.MissingFile, $"index.json lists the entity {name} but names no file for it.",
                        "The index was edited or damaged after export; use an intact copy of the tarball.", table: name));
                }
            }
        }

        var metadata = index.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        Summary = new BackupSummary(
            BackupFormat.Original,
            ReadTimestamp(metadata),
            ReadString(metadata, "database"),
            SchemaFingerprint: null,
            ReadString(metadata, "description"),
            _order.Select(t => new BackupTableSummary(t.Name, t.RowCount, t.HasSourceIds)).ToList());
    }

    private void CheckChecksum(JsonElement checksums, string file, string table, byte[] bytes)
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (checksums.ValueKind != JsonValueKind.Object
            || !checksums.TryGetProperty(file, out var expectedElement) || expectedElement.ValueKind != JsonValueKind.String)
        {
            _issues.Add(BackupIssue.Error(IssueCode.BadChecksum, $"index.json has no checksum for {file} (its sha256 is {actual}).",
                "The index was changed or damaged after export; use an intact copy of the tarball.", table: table, key: file));
            return;
        }
        var expected = expectedElement.GetString()!;
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
        {
            _issues.Add(BackupIssue.Error(IssueCode.BadChecksum,
                $"{file} does not match its checksum in index.json: expected sha256 {expected}, actual {actual}.",
                "The file was changed or damaged after export; use an intact copy of the tarball.", table: table, key: file));
        }
    }

    private void CheckTableFile(string table, string file, byte[] bytes)
    {
        if (Parse(bytes, file, table) is not { } root) return;
        if (ReadTable(root, table, file, file, isDetail: false) is not { } entity) return;
        Add(entity);

        if (!root.TryGetProperty("detailTables", out var details) || details.ValueKind == JsonValueKind.Null) return;
        if (details.ValueKind != JsonValueKind.Array)
        {
            _issues.Add(BadTableFile(file, "\"detailTables\" is not an array.", table));
            return;
        }
        foreach (var detail in details.EnumerateArray())
        {
            var name = detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty("tableName", out var n) && n.ValueKind == JsonValueKind.String
                ? n.GetString()!
                : null;
            if (name is null)
            {
                _issues.Add(BadTableFile(file, "a detail table has no \"tableName\".", table));
                continue;
            }
            if (ReadTable(detail, name, file, $"{file} (detail table {name})", isDetail: true) is { } detailTable) Add(detailTable);
        }
    }

    private void Add(OriginalTable table)
    {
        if (!_tables.TryAdd(table.Name, table))
        {
            _issues.Add(BadTableFile(table.File, $"table {table.Name} appears a second time; the backup is ambiguous.", table.Name));
            return;
        }
        _order.Add(table);
    }

    private OriginalTable? ReadTable(JsonElement element, string expectedName, string file, string label, bool isDetail)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            _issues.Add(BadTableFile(label, "it is not a JSON object.", expectedName));
            return null;
        }
        if (!element.TryGetProperty("tableName", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() != expectedName)
        {
            _issues.Add(BadTableFile(label, $"its \"tableName\" is not {expectedName}.", expectedName));
            return null;
        }
        if (!element.TryGetProperty("rowCount", out var count) || !count.TryGetInt64(out var rowCount))
        {
            _issues.Add(BadTableFile(label, "it has no numeric \"rowCount\".", expectedName));
            return null;
        }
        if (!element.TryGetProperty("columns", out var columns) || columns.ValueKind != JsonValueKind.Array
            || columns.EnumerateArray().Any(col => col.ValueKind != JsonValueKind.String))
        {
            _issues.Add(BadTableFile(label, "it has no \"columns\" array of column names.", expectedName));
            return null;
        }
        if (!element.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array
            || rows.EnumerateArray().Any(row => row.ValueKind != JsonValueKind.Object))
        {
            _issues.Add(BadTableFile(label, "it has no \"rows\" array of row objects.", expectedName));
            return null;
        }
        var length = rows.GetArrayLength();
        if (length != rowCount)
        {
            _issues.Add(BackupIssue.Error(IssueCode.BadRowCount,
                $"{label} says it holds {rowCount} rows of {expectedName} but contains {length}.",
                "The file was changed or cut short after export; use an intact copy of the tarball.", table: expectedName, key: file));
            return null;
        }
        return new OriginalTable(expectedName, file, columns.EnumerateArray().Select(col => col.GetString()!).ToList(), rowCount, rows, isDetail);
    }

    private JsonElement? Parse(byte[] bytes, string file, string? table)
    {
        try
        {
            var document = JsonDocument.Parse(bytes);
            _documents.Add(document);
            return document.RootElement;
        }
        catch (JsonException e)
        {
            _issues.Add(BackupIssue.Error(file == IndexFile ? IssueCode.BadIndex : IssueCode.BadTableFile,
                $"{file} in {FileName} is not valid JSON ({e.Message}).",
                "The file was changed or damaged after export; use an intact copy of the tarball.", table: table, key: file));
            return null;
        }
    }

    private static DateTimeOffset? ReadTimestamp(JsonElement metadata) =>
        ReadString(metadata, "timestamp") is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : null;

    private static string? ReadString(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private BackupIssue NotABackup(string message) =>
        BackupIssue.Error(IssueCode.NotABackup, message, "Choose the .tar.gz file that the crearis-vue exporter wrote.", key: FileName);

    private BackupIssue Corrupt(string message) =>
        BackupIssue.Error(IssueCode.CorruptArchive, message, "The file was damaged or cut short in transfer; use an intact copy of the tarball.", key: FileName);

    private BackupIssue BadIndex(string message) =>
        BackupIssue.Error(IssueCode.BadIndex, $"{FileName}: {message}", "The index was changed or damaged after export; use an intact copy of the tarball.", key: IndexFile);

    private static BackupIssue BadTableFile(string label, string problem, string table) =>
        BackupIssue.Error(IssueCode.BadTableFile, $"{label} is not a table file of the original format: {problem}",
            "The file was changed or damaged after export; use an intact copy of the tarball.", table: table, key: label);
}
