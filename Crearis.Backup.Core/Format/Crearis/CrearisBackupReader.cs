using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Crearis;

public sealed record CrearisVerification(bool IsValid, BackupManifest? Manifest, IReadOnlyList<BackupIssue> Issues);

/// <summary>Reads our format (version 2) as a stream: memory does not grow with the backup's size.</summary>
public static class CrearisBackupReader
{
    /// <summary>Reads the whole archive once: structure, manifest, row counts and SHA-256 of every table file.</summary>
    public static async Task<CrearisVerification> VerifyAsync(string path, CancellationToken ct = default)
    {
        var issues = new List<BackupIssue>();
        var file = Path.GetFileName(path);
        BackupManifest? manifest = null;
        var seen = new Dictionary<string, (string Sha, long Lines, long Bytes)>(StringComparer.Ordinal);
        try
        {
            await using var stream = File.OpenRead(path);
            await using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            await using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (name == BackupManifest.FileName)
                {
                    try
                    {
                        manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(entry.DataStream, BackupManifest.Json, ct);
                    }
                    catch (JsonException e)
                    {
                        issues.Add(BackupIssue.Error(IssueCode.BadManifest, $"{file}: manifest.json is not valid JSON ({e.Message}).",
                            "The backup is damaged; use another copy.", key: "manifest.json"));
                    }
                    continue;
                }
                seen[name] = await HashAndCountLinesAsync(entry.DataStream, ct);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or IOException)
        {
            issues.Add(BackupIssue.Error(IssueCode.CorruptArchive, $"{file} is not a readable .tar.gz ({e.Message}).",
                "Check that the file was copied completely; export again if it was cut off."));
            return new(false, null, issues);
        }

        if (manifest is null)
        {
            if (issues.Count == 0)
                issues.Add(BackupIssue.Error(IssueCode.MissingManifest, $"{file} has no manifest.json, so it is not a Crearis backup (version 2).",
                    "Choose a backup made by Crearis Backup Admin or by the original exporter."));
            return new(false, null, issues);
        }
        if (manifest.Format != BackupManifest.FormatName || manifest.FormatVersion != BackupManifest.CurrentVersion)
        {
            issues.Add(BackupIssue.Error(IssueCode.UnsupportedVersion,
                $"{file} is format '{manifest.Format}' version {manifest.FormatVersion}; this tool reads version {BackupManifest.CurrentVersion}.",
                "Use the version of Crearis Backup Admin that wrote it."));
            return new(false, manifest, issues);
        }
        foreach (var table in manifest.Tables)
        {
            if (!seen.TryGetValue(table.File, out var actual))
            {
                issues.Add(BackupIssue.Error(IssueCode.MissingFile, $"{file}: the manifest lists {table.File} but the archive does not contain it.",
                    "The backup is incomplete; use another copy.", table.Name, key: table.File));
                continue;
            }
            if (!string.Equals(actual.Sha, table.Sha256, StringComparison.OrdinalIgnoreCase))
                issues.Add(BackupIssue.Error(IssueCode.BadChecksum,
                    $"{file}: {table.File} has SHA-256 {actual.Sha}, the manifest says {table.Sha256}.",
                    "The file was changed or damaged after export; use an intact copy.", table.Name, key: table.File));
            else if (actual.Lines != table.Rows)
                issues.Add(BackupIssue.Error(IssueCode.BadRowCount,
                    $"{file}: {table.File} holds {actual.Lines} rows, the manifest says {table.Rows}.",
                    "The backup is inconsistent; use another copy.", table.Name, key: table.File));
        }
        return new(issues.Count == 0, manifest, issues);
    }

    private static async Task<(string, long, long)> HashAndCountLinesAsync(Stream data, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long lines = 0, bytes = 0;
        int read;
        while ((read = await data.ReadAsync(buffer, ct)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }
        return (Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant(), lines, bytes);
    }

    /// <summary>Opens a verified backup for reading rows.</summary>
    public static IBackupSource Open(string path, BackupManifest manifest) => new Source(path, manifest);

    /// <summary>
    /// One pass over the archive for a whole import: the tables are read in about the order they were written, so a
    /// table's rows come from the reader where the previous table ended; only a table that lies behind it reopens the
    /// file. (Opening the gzip stream anew for every table decompressed the archive's start once per table.)
    /// </summary>
    private sealed class Source(string path, BackupManifest manifest) : IBackupSource
    {
        private Archive? _archive;
        private bool _reading;

        public BackupSummary Summary { get; } = new(BackupFormat.Crearis, manifest.CreatedAt, manifest.Source.Database,
            manifest.SchemaFingerprint, manifest.Description,
            manifest.Tables.Select(t => new BackupTableSummary(t.Name, t.Rows, true, t.Columns.Select(c => (c.Name, c.Type)).ToList())).ToList());

        public IReadOnlyList<BackupIssue> Issues => [];

        public async IAsyncEnumerable<BackupRow> ReadRowsAsync(string table,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var entry = manifest.Tables.FirstOrDefault(t => t.Name == table);
            if (entry is null) yield break;
            // Two tables read at once cannot share the forward reader: the second gets its own.
            var shared = !_reading;
            var archive = shared ? _archive : null;
            Archive? own = null;
            try
            {
                _reading |= shared;
                var stream = archive is null ? null : await archive.SeekAsync(entry.File, cancellationToken);
                if (stream is null)
                {
                    // Behind the shared reader (or no reader yet): start from the beginning of the file.
                    if (shared && _archive is not null) await _archive.DisposeAsync();
                    own = Archive.Open(path);
                    if (shared) (_archive, own) = (own, null);
                    stream = await (shared ? _archive! : own!).SeekAsync(entry.File, cancellationToken);
                }
                if (stream is null) yield break;
                using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, false, 1 << 16, leaveOpen: true);
                long line = 0;
                while (await reader.ReadLineAsync(cancellationToken) is { } json)
                {
                    if (json.Length == 0) continue;
                    yield return new BackupRow(++line, json);
                }
            }
            finally
            {
                if (shared) _reading = false;
                if (own is not null) await own.DisposeAsync();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_archive is not null) await _archive.DisposeAsync();
        }
    }

    /// <summary>A forward-only position in the archive.</summary>
    private sealed class Archive(FileStream file, GZipStream gzip, TarReader tar) : IAsyncDisposable
    {
        public static Archive Open(string path)
        {
            var file = File.OpenRead(path);
            var gzip = new GZipStream(file, CompressionMode.Decompress);
            return new Archive(file, gzip, new TarReader(gzip));
        }

        /// <summary>The data of the next entry named <paramref name="file"/>, or null when no entry after the current one has that name.</summary>
        public async Task<Stream?> SeekAsync(string file, CancellationToken ct)
        {
            while (await tar.GetNextEntryAsync(copyData: false, ct) is { } member)
            {
                var name = member.Name.StartsWith("./", StringComparison.Ordinal) ? member.Name[2..] : member.Name;
                if (name == file && member.DataStream is not null) return member.DataStream;
            }
            return null;
        }

        public async ValueTask DisposeAsync()
        {
            await tar.DisposeAsync();
            await gzip.DisposeAsync();
            await file.DisposeAsync();
        }
    }
}
