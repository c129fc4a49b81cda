using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Unicode;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Original;

/// <summary>One table of the tarball: an entity file, or a detail table embedded in its parent's file. Its rows stay in
/// the file; <see cref="OriginalArchive.Rows"/> reads them.</summary>
/// <param name="IsDetail">Embedded in a parent's detailTables (events_tags, posts_tags, project_members, event_instructors).</param>
internal sealed record OriginalTable(string Name, string File, IReadOnlyList<string> Columns, long RowCount, bool IsDetail)
{
    // Detail tables are keyed by their pairs of ids, so there is no row id whose absence would matter.
    public bool HasSourceIds => IsDetail || Columns.Contains("id");
}

/// <summary>
/// What a file of the original format may hold at most. Each cap lies far above what the exporter writes and low
/// enough that a hostile or damaged file is refused before it costs much memory, time or disk.
/// </summary>
internal static class OriginalLimits
{
    /// <summary>index.json: the sample's is 2 KB for 13 tables; 1 MiB would name thousands.</summary>
    public const int MaxIndexBytes = 1 << 20;

    /// <summary>
    /// One table file. The exporter builds each with one JSON.stringify, and V8 strings end at 2^29 - 24 UTF-16 units:
    /// at most 1.5 GiB of UTF-8 even if every character took three bytes.
    /// </summary>
    public const long MaxFileBytes = 3L << 29;

    /// <summary>The whole unpacked tar: the exporter writes 13 table files; 4 GiB is far beyond any platform's data.</summary>
    public const long MaxUnpackedBytes = 4L << 30;

    /// <summary>Entries of the tar: the exporter writes 15 (the folder ./, index.json and 13 table files).</summary>
    public const int MaxEntries = 1000;

    /// <summary>A PAX or GNU long-name header holds a path and a few attributes, well under 1 KiB (see <see cref="TarGuardStream"/>).</summary>
    public const int MaxMetaBytes = 64 << 10;

    /// <summary>Tables named by index.json and embedded as detail tables: the platform exports 17.</summary>
    public const int MaxTables = 256;

    /// <summary>Columns a table declares: PostgreSQL allows no table more than 1600.</summary>
    public const int MaxColumns = 1600;

    /// <summary>Rows of one table: the largest tables of a real platform hold tens of thousands, the benchmarks scale the sample to 1M.</summary>
    public const long MaxRows = 10_000_000;

    /// <summary>
    /// One row, and so any single value: the sample's largest is 3 KB (an image with its variations); pages and
    /// descriptions are documents of some KB. The row is held whole while it is read, so this bounds memory per row.
    /// </summary>
    public const int MaxRowBytes = 16 << 20;

    public static TarLimits Tar { get; } = new(MaxMetaBytes, MaxEntries, MaxFileBytes, MaxUnpackedBytes);
}

/// <summary>
/// One original tarball, read in a single pass and in bounded memory: the tar through <see cref="TarGuardStream"/>,
/// index.json whole (it is small), every table file as a stream through <see cref="OriginalTableScanner"/> while its
/// SHA-256 is taken. What the pass proves (tables, columns, row counts, checksums) is kept; the rows are not. Opened
/// for import, the pass also copies the table files to a temporary spool file (deleted on dispose), from which
/// <see cref="Rows"/> reads a table's rows one at a time: the rows imported are the bytes that were checked.
/// </summary>
internal sealed class OriginalArchive : IDisposable
{
    private const string IndexFile = "index.json";
    private const string IntactCopy = "The file was changed or damaged after export; use an intact copy of the tarball.";

    // The members of index.json the exporter writes; anything else means the index is not the exporter's.
    private static readonly HashSet<string> IndexMembers = new(["metadata", "entities", "files", "tarballName", "checksums"], StringComparer.Ordinal);

    private readonly List<BackupIssue> _issues = [];
    private readonly Dictionary<string, OriginalTable> _tables = new(StringComparer.Ordinal);
    private readonly List<OriginalTable> _order = [];
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private byte[]? _index;
    private FileStream? _spool;
    private int _entries;

    /// <param name="Offset">Where the member's bytes start in the spool (when there is one).</param>
    private sealed record Member(string Name, string Sha256, long Offset, long Length, ScannedFile Scan);

    private OriginalArchive(string path) => FileName = Path.GetFileName(path);

    public string FileName { get; }

    public BackupSummary? Summary { get; private set; }

    public IReadOnlyList<BackupIssue> Issues => _issues;

    public bool IsValid => Summary is not null && _issues.All(i => i.Severity != IssueSeverity.Error);

    public OriginalTable? Table(string name) => _tables.GetValueOrDefault(name);

    /// <param name="keepRows">Copy the table files to a spool, so that <see cref="Rows"/> can read them (opening for import).</param>
    public static Task<OriginalArchive> ReadAsync(string path, bool keepRows, CancellationToken ct, BackupKeys? keys = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // The JSON reader is a ref struct, read synchronously chunk by chunk; off the caller's thread.
        return Task.Run(() =>
        {
            var archive = new OriginalArchive(path);
            try
            {
                if (archive.ReadMembers(path, keepRows, keys, ct)) archive.Check();
                if (!archive.IsValid) archive.Dispose();
                return archive;
            }
            catch
            {
                archive.Dispose();
                throw;
            }
        }, ct);
    }

    /// <summary>The rows of <paramref name="table"/> as the file holds them, in file order, one JSON object each.</summary>
    public IEnumerable<byte[]> Rows(OriginalTable table, CancellationToken ct = default)
    {
        if (_spool is null) throw new InvalidOperationException("The archive was read without keeping its rows.");
        var member = _members[TarGuardStream.Normalize(table.File)];
        using var region = new SpoolRegion(_spool, member.Offset, member.Length);
        var reader = new OriginalRowReader(region, table.Name, ct);
        while (reader.Next() is { } row) yield return row;
    }

    public void Dispose()
    {
        _spool?.Dispose();
        _spool = null;
    }

    private bool ReadMembers(string path, bool keepRows, BackupKeys? keys, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            _issues.Add(BackupIssue.Error(IssueCode.NotFound, $"{path} does not exist.", "Check the path of the backup file."));
            return false;
        }
        try
        {
            // An age-encrypted tarball is read through its decryption (authenticated chunk by chunk); a plain one must be gzip.
            if (!BackupStreams.IsEncrypted(path))
            {
                using var raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                var magic = new byte[2];
                if (raw.ReadAtLeast(magic, 2, throwOnEndOfStream: false) < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
                {
                    _issues.Add(NotABackup($"{FileName} is not a gzip file, so it is not a backup of the original crearis-vue exporter."));
                    return false;
                }
            }
            using var file = BackupStreams.OpenRead(path, keys);
            if (keepRows)
            {
                _spool = new FileStream(Path.Combine(Path.GetTempPath(), $"crearis-original-{Guid.NewGuid():N}.spool"), FileMode.CreateNew,
                    FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            }
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var guard = new TarGuardStream(gzip, OriginalLimits.Tar);
            using var tar = new TarReader(guard);
            while (tar.GetNextEntry(copyData: false) is { } entry)
            {
                ct.ThrowIfCancellationRequested();
                _entries++;
                // Folders, and global attributes (some tar writers put one first; the guard kept it small), hold no table.
                if (entry.EntryType is TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes) continue;
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    // The guard refuses these first; this holds should the tar reader ever see an entry differently.
                    _issues.Add(Unsafe($"{FileName} holds {entry.Name}, a {entry.EntryType} entry; a backup holds only files and folders.", entry.Name));
                    return false;
                }
                var name = TarGuardStream.Normalize(entry.Name);
                if (_members.ContainsKey(name) || name == IndexFile && _index is not null)
                {
                    _issues.Add(Duplicate(entry.Name));
                    return false;
                }
                var data = entry.DataStream ?? Stream.Null;
                if (name == IndexFile)
                {
                    if (ReadIndex(data, entry.Length) is not { } index) return false;
                    _index = index;
                    continue;
                }
                if (ReadMember(name, entry.Name, entry.Length, data, ct) is not { } member) return false;
                _members[name] = member;
            }
            _spool?.Flush();
            return true;
        }
        catch (BackupFileException e)
        {
            // A missing or wrong key, or an encrypted file changed after encryption.
            _issues.Add(e.Issue);
            return false;
        }
        catch (TarGuardException e)
        {
            var suggestion = e.Code == IssueCode.CorruptArchive
                ? "The file was damaged or cut short in transfer; use an intact copy of the tarball."
                : "This is not a tarball the original exporter writes; use the exporter's own file, not a repacked or altered copy.";
            _issues.Add(BackupIssue.Error(e.Code, $"{FileName}: {e.Message}.", suggestion, key: e.Entry ?? FileName));
            return false;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            // A first header that does not parse means the gzip layer holds something other than a tar.
            _issues.Add(_entries == 0
                ? NotABackup($"{FileName} is gzip-compressed but holds no tar archive ({e.Message}).")
                : Corrupt($"{FileName} is damaged: its tar archive breaks off after entry {_entries} ({e.Message})."));
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _issues.Add(BackupIssue.Error(IssueCode.CannotRead, $"{FileName} could not be read: {e.Message}",
                "Check that the file is readable by this program and not locked by another one, and that the temporary folder has room."));
            return false;
        }
    }

    private byte[]? ReadIndex(Stream data, long length)
    {
        if (length > OriginalLimits.MaxIndexBytes)
        {
            _issues.Add(BackupIssue.Error(IssueCode.TooLarge,
                $"{FileName}: index.json is {length >> 10} KiB; the exporter's index names a few files in about 2 KB (at most {OriginalLimits.MaxIndexBytes >> 20} MiB are read).",
                "This is not an index the original exporter writes; use the exporter's own tarball.", key: IndexFile));
            return null;
        }
        var bytes = new byte[length];
        var read = data.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read < length)
        {
            _issues.Add(Corrupt($"{FileName} ends in the middle of index.json; the archive is truncated."));
            return null;
        }
        return bytes;
    }

    private Member? ReadMember(string name, string entryName, long length, Stream data, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var offset = _spool?.Position ?? 0;
        long bytes = 0;
        var scan = OriginalTableScanner.Scan(data, name, ct, chunk =>
        {
            sha.AppendData(chunk);
            _spool?.Write(chunk);
            bytes += chunk.Length;
        });
        // Short of the entry's length, with nothing left to read: the archive was cut off here (whatever the scan made of
        // the cut-off JSON). A scan that stopped at a problem leaves bytes unread instead.
        if (bytes < length && data.Read(new byte[1]) == 0 || scan.Problem is null && bytes != length)
        {
            _issues.Add(Corrupt($"{FileName} ends in the middle of {entryName}; the archive is truncated."));
            return null;
        }
        return new Member(name, Convert.ToHexStringLower(sha.GetHashAndReset()), offset, bytes, scan);
    }

    private void Check()
    {
        if (_index is null)
        {
            _issues.Add(BackupIssue.Error(IssueCode.MissingIndex, $"{FileName} holds no index.json, so it is not a backup of the original crearis-vue exporter.",
                "Choose the .tar.gz that the exporter wrote (backup_<database>_<time>.tar.gz), not a repacked or partial copy."));
            return;
        }
        if (ParseIndex(_index) is not { } index) return;
        using var document = index;
        var root = document.RootElement;
        var files = root.GetProperty("files");
        var checksums = root.GetProperty("checksums");
        var used = new HashSet<string>(StringComparer.Ordinal);

        foreach (var entry in files.EnumerateObject())
        {
            var file = entry.Value.GetString()!;
            var key = TarGuardStream.Normalize(file);
            if (!_members.TryGetValue(key, out var member))
            {
                _issues.Add(BackupIssue.Error(IssueCode.MissingFile,
                    $"index.json lists {file} for table {entry.Name}, but {FileName} does not contain it.",
                    "The backup is incomplete; use a complete copy of the exporter's tarball.", table: entry.Name, key: file));
                continue;
            }
            used.Add(key);
            CheckChecksum(checksums, file, entry.Name, member.Sha256);
            if (member.Scan.Problem is { } problem)
            {
                _issues.Add(problem with { Table = problem.Table ?? entry.Name });
                continue;
            }
            var tables = member.Scan.Tables;
            if (tables[0].Name != entry.Name)
            {
                _issues.Add(BadTableFile(file, $"its \"tableName\" is not {entry.Name}.", entry.Name));
                continue;
            }
            foreach (var table in tables) Add(new OriginalTable(table.Name, file, table.Columns, table.RowCount, table.IsDetail));
        }

        foreach (var entity in root.GetProperty("entities").EnumerateArray().Select(e => e.GetString()!))
        {
            if (!files.TryGetProperty(entity, out _))
            {
                _issues.Add(BackupIssue.Error(IssueCode.MissingFile, $"index.json lists the entity {entity} but names no file for it.",
                    "The index was edited or damaged after export; use an intact copy of the tarball.", table: entity));
            }
        }
        foreach (var member in _members.Values.Where(m => !used.Contains(m.Name)))
        {
            _issues.Add(Unsafe($"{FileName} holds {member.Name}, which index.json does not list; the exporter writes only the files it lists.", member.Name));
        }
        if (_order.Count > OriginalLimits.MaxTables)
        {
            _issues.Add(BackupIssue.Error(IssueCode.TooLarge, $"{FileName} holds {_order.Count} tables, more than the {OriginalLimits.MaxTables} any backup has.",
                "This is not a tarball the original exporter writes; use the exporter's own file.", key: FileName));
        }

        var metadata = root.GetProperty("metadata");
        Summary = new BackupSummary(
            BackupFormat.Original,
            ReadTimestamp(metadata),
            ReadString(metadata, "database"),
            SchemaFingerprint: null,
            ReadString(metadata, "description"),
            _order.Select(t => new BackupTableSummary(t.Name, t.RowCount, t.HasSourceIds)).ToList());
    }

    /// <summary>
    /// index.json parsed and held to the shape the exporter writes: strict UTF-8, each member once (at any depth), the
    /// members the exporter writes and no others, each of its type. Null, with the problem recorded, otherwise.
    /// </summary>
    private JsonDocument? ParseIndex(byte[] bytes)
    {
        if (!Utf8.IsValid(bytes))
        {
            _issues.Add(BadIndex("index.json is not valid UTF-8 text; the exporter writes UTF-8."));
            return null;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            _issues.Add(BadIndex($"index.json is not valid JSON ({e.Message})."));
            return null;
        }
        if (IndexProblem(document.RootElement) is { } problem)
        {
            document.Dispose();
            _issues.Add(BadIndex(problem));
            return null;
        }
        return document;
    }

    private static string? IndexProblem(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) return "index.json is not a JSON object.";
        if (RepeatedMember(root, "index.json") is { } repeated) return repeated;
        if (InvalidText(root)) return "index.json holds text that is not valid Unicode (an escaped lone surrogate).";
        foreach (var member in root.EnumerateObject())
        {
            if (!IndexMembers.Contains(member.Name)) return $"index.json has the member \"{member.Name}\", which the original exporter does not write.";
        }
        if (!root.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
            return "index.json has no \"metadata\" object.";
        if (!root.TryGetProperty("entities", out var entities) || entities.ValueKind != JsonValueKind.Array)
            return "index.json has no \"entities\" array of table names.";
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entity in entities.EnumerateArray())
        {
            if (entity.ValueKind != JsonValueKind.String || entity.GetString() is not { Length: > 0 } name)
                return "index.json's \"entities\" holds something other than table names.";
            if (!listed.Add(name)) return $"index.json's \"entities\" lists {name} twice.";
        }
        if (!root.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Object)
            return "index.json has no \"files\" object naming the table files.";
        var count = 0;
        foreach (var file in files.EnumerateObject())
        {
            if (++count > OriginalLimits.MaxTables) return $"index.json's \"files\" names more than {OriginalLimits.MaxTables} tables.";
            if (file.Value.ValueKind != JsonValueKind.String || file.Value.GetString() is not { Length: > 0 })
                return $"index.json names no file for table {file.Name}.";
        }
        if (!root.TryGetProperty("checksums", out var checksums) || checksums.ValueKind != JsonValueKind.Object)
            return "index.json has no \"checksums\" object giving each file's sha256.";
        foreach (var checksum in checksums.EnumerateObject())
        {
            if (checksum.Value.ValueKind != JsonValueKind.String) return $"index.json gives no sha256 text as the checksum of {checksum.Name}.";
        }
        if (root.TryGetProperty("tarballName", out var tarball) && tarball.ValueKind != JsonValueKind.String)
            return "index.json's \"tarballName\" is not a text.";
        return null;
    }

    // JsonDocument keeps both of two members of one name and TryGetProperty would pick one: refused instead, at any depth.
    private static string? RepeatedMember(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var member in element.EnumerateObject())
                {
                    if (!names.Add(member.Name)) return $"{path} has the member \"{member.Name}\" twice; which one counts would be ambiguous.";
                    if (RepeatedMember(member.Value, $"{path} → \"{member.Name}\"") is { } inner) return inner;
                }
                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    if (RepeatedMember(item, path) is { } inner) return inner;
                return null;
            default:
                return null;
        }
    }

    // Escapes can spell lone surrogates, which no text holds; the reader accepts them, reading them as text would throw.
    private static bool InvalidText(JsonElement element)
    {
        try
        {
            Visit(element);
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }

        static void Visit(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var member in element.EnumerateObject())
                    {
                        _ = member.Name;
                        Visit(member.Value);
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray()) Visit(item);
                    break;
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
            }
        }
    }

    private void CheckChecksum(JsonElement checksums, string file, string table, string actual)
    {
        if (!checksums.TryGetProperty(file, out var expectedElement))
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
                IntactCopy, table: table, key: file));
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
        BackupIssue.Error(IssueCode.BadTableFile, $"{label} is not a table file of the original format: {problem}", IntactCopy, table: table, key: label);

    private BackupIssue Duplicate(string entry) =>
        BackupIssue.Error(IssueCode.DuplicateEntry,
            $"{FileName}: {entry} occurs twice in the archive (./name and name count as one); which copy counts would be ambiguous.",
            "This is not a tarball the original exporter writes; use the exporter's own file, not a repacked or altered copy.", key: entry);

    private static BackupIssue Unsafe(string message, string entry) =>
        BackupIssue.Error(IssueCode.UnsafeEntry, message,
            "This is not a tarball the original exporter writes; use the exporter's own file, not a repacked or altered copy.", key: entry);

    /// <summary>A read-only view of one member's bytes in the spool; positional reads, so views do not disturb each other.</summary>
    private sealed class SpoolRegion(FileStream spool, long offset, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset1, int count) => Read(buffer.AsSpan(offset1, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            if (n <= 0) return 0;
            var read = RandomAccess.Read(spool.SafeFileHandle, buffer[..n], offset + _position);
            _position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset1, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset1, int count) => throw new NotSupportedException();
    }
}
