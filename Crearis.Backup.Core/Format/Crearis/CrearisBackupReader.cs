using System.Formats.Tar;
using System.Runtime.CompilerServices;
using System.Text;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Crearis;

public sealed record CrearisVerification(bool IsValid, BackupManifest? Manifest, IReadOnlyList<BackupIssue> Issues);

/// <summary>Reads our format (version 2) as a stream: memory does not grow with the backup's size.</summary>
public static class CrearisBackupReader
{
    /// <summary>
    /// Reads the whole archive once: its entries (plain files, each name once), the manifest, and every table file row
    /// by row (counted, hashed, each row one JSON object naming only declared columns).
    /// </summary>
    public static async Task<CrearisVerification> VerifyAsync(string path, CancellationToken ct = default, BackupLimits? limits = null,
        BackupKeys? keys = null)
    {
        limits ??= BackupLimits.Default;
        var issues = new List<BackupIssue>();
        var file = Path.GetFileName(path);
        BackupManifest? manifest = null;
        var files = new Dictionary<string, (string Sha, long Rows, List<(string Column, long FirstRow)> Names)>(StringComparer.Ordinal);
        try
        {
            await using var archive = Entries.Open(path, limits, keys);
            while (await archive.NextAsync(ct) is { } next)
            {
                var (name, data) = next;
                if (name == BackupManifest.FileName)
                {
                    (manifest, var problem) = await ManifestRules.ReadAsync(data, file, limits, ct);
                    if (problem is not null) return new(false, null, [problem]);
                    continue;
                }
                using var table = new TableFileReader(data, file, name, limits, declared: null);
                await table.ReadToEndAsync(ct);
                files[name] = (table.Sha256(), table.Rows, table.Names.ToList());
            }
        }
        catch (BackupFileException e)
        {
            return new(false, manifest, [e.Issue]);
        }
        catch (TarGuardException e)
        {
            // The guard stopped a table file's data (the unpacked budget): the same finding, naming the file.
            return new(false, manifest, [TarGuard.Refusal(e, file).Issue]);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or IOException)
        {
            issues.Add(BackupIssue.Error(IssueCode.CorruptArchive, $"{file} is not a readable .tar.gz ({e.Message}).",
                "Check that the file was copied completely; export again if it was cut off."));
            return new(false, null, issues);
        }

        if (manifest is null)
        {
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
        issues.AddRange(ManifestRules.Check(manifest, file, limits));
        if (issues.Count > 0) return new(false, null, issues);

        // Every file the manifest lists, with its table's declared columns: a differential's extra files are checked
        // exactly like table files.
        var listed = manifest.Tables.Select(t => (Table: t, File: t.File, Rows: t.Rows, Sha: t.Sha256)).ToList();
        if (manifest.Differential is { } diff)
            foreach (var extra in diff.Tables)
            {
                var owner = manifest.Tables.First(t => t.Name == extra.Name);
                listed.Add((owner, extra.ContextFile, extra.ContextRows, extra.ContextSha256));
                listed.Add((owner, extra.DeletedFile, extra.DeletedRows, extra.DeletedSha256));
            }
        foreach (var (table, tableFile, tableRows, tableSha) in listed)
        {
            if (!files.Remove(tableFile, out var actual))
            {
                issues.Add(BackupIssue.Error(IssueCode.MissingFile, $"{file}: the manifest lists {tableFile} but the archive does not contain it.",
                    "The backup is incomplete; use another copy.", table.Name, key: tableFile));
                continue;
            }
            if (!string.Equals(actual.Sha, tableSha, StringComparison.Ordinal))
                issues.Add(BackupIssue.Error(IssueCode.BadChecksum,
                    $"{file}: {tableFile} has SHA-256 {actual.Sha}, the manifest says {tableSha}.",
                    "The file was changed or damaged after export; use an intact copy.", table.Name, key: tableFile));
            else if (actual.Rows != tableRows)
                issues.Add(BackupIssue.Error(IssueCode.BadRowCount,
                    $"{file}: {tableFile} holds {actual.Rows} rows, the manifest says {tableRows}.",
                    "The backup is inconsistent; use another copy.", table.Name, key: tableFile));
            var declared = table.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var (column, row) in actual.Names.Where(n => !declared.Contains(n.Column)))
                issues.Add(BackupIssue.Error(IssueCode.UndeclaredColumn,
                    $"{file}: row {row} of {tableFile} carries a column \"{column}\" the manifest does not declare for {table.Name}.",
                    "The file was changed after export; use an intact copy.", table.Name, key: $"{tableFile}:{row}", column: column));
        }
        foreach (var extra in files.Keys)
            issues.Add(BackupIssue.Error(IssueCode.UnexpectedEntry, $"{file} holds {extra}, which its manifest does not list.",
                "The file was changed after export; use an intact copy.", key: extra));
        return new(issues.Count == 0, manifest, issues);
    }

    /// <summary>
    /// Only the manifest, checked (the table files are passed over, not read): enough to name a backup by its content
    /// SHA-256 — a differential's base, whose rows come from the ledger, never from the file.
    /// </summary>
    public static async Task<(BackupManifest? Manifest, IReadOnlyList<BackupIssue> Issues)> ReadManifestAsync(string path, CancellationToken ct = default,
        BackupLimits? limits = null, BackupKeys? keys = null)
    {
        limits ??= BackupLimits.Default;
        var file = Path.GetFileName(path);
        try
        {
            await using var archive = Entries.Open(path, limits, keys);
            while (await archive.NextAsync(ct) is { } next)
            {
                if (next.Name != BackupManifest.FileName) continue;
                var (manifest, problem) = await ManifestRules.ReadAsync(next.Data, file, limits, ct);
                if (problem is not null) return (null, [problem]);
                if (manifest!.Format != BackupManifest.FormatName || manifest.FormatVersion != BackupManifest.CurrentVersion)
                    return (null, [BackupIssue.Error(IssueCode.UnsupportedVersion,
                        $"{file} is format '{manifest.Format}' version {manifest.FormatVersion}; this tool reads version {BackupManifest.CurrentVersion}.",
                        "Use the version of Crearis Backup Admin that wrote it.")]);
                var issues = ManifestRules.Check(manifest, file, limits);
                return issues.Count > 0 ? (null, issues) : (manifest, []);
            }
        }
        catch (BackupFileException e)
        {
            return (null, [e.Issue]);
        }
        catch (TarGuardException e)
        {
            return (null, [TarGuard.Refusal(e, file).Issue]);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or IOException)
        {
            return (null, [BackupIssue.Error(IssueCode.CorruptArchive, $"{file} is not a readable .tar.gz ({e.Message}).",
                "Check that the file was copied completely; export again if it was cut off.")]);
        }
        return (null, [BackupIssue.Error(IssueCode.MissingManifest, $"{file} has no manifest.json, so it is not a Crearis backup (version 2).",
            "Choose a backup made by Crearis Backup Admin.")]);
    }

    /// <summary>Opens a verified backup for reading rows.</summary>
    public static IBackupSource Open(string path, BackupManifest manifest, BackupLimits? limits = null, BackupKeys? keys = null) =>
        new Source(path, manifest, limits ?? BackupLimits.Default, keys);

    /// <summary>
    /// One pass over the archive for a whole import: the tables are read in about the order they were written, so a
    /// table's rows come from the reader where the previous table ended; only a table that lies behind it reopens the
    /// file. (Opening the gzip stream anew for every table decompressed the archive's start once per table.)
    /// The rows are read under the same rules as in verification, and each table's count and SHA-256 are compared
    /// with the manifest at its end: a file changed after it was verified stops the import, which then rolls back.
    /// </summary>
    private sealed class Source(string path, BackupManifest manifest, BackupLimits limits, BackupKeys? keys) : IBackupSource
    {
        private readonly string _file = Path.GetFileName(path);
        private Entries? _archive;
        private bool _reading;

        public BackupSummary Summary { get; } = new(BackupFormat.Crearis, manifest.CreatedAt, manifest.Source.Database,
            manifest.SchemaFingerprint, manifest.Description,
            manifest.Tables.Select(t => new BackupTableSummary(t.Name, t.Rows, true, t.Columns.Select(c => (c.Name, c.Type)).ToList())).ToList())
        {
            ContentSha256 = Ledger.SyncLedger.ContentSha256(manifest),
            Instance = manifest.Instance?.Id,
            Exchanges = manifest.Exchanges ?? [],
            DifferentialBase = manifest.Differential?.BaseSha256,
            Filtered = manifest.Filter is not null,
            Tombstones = manifest.Differential?.Tables.ToDictionary(t => t.Name, t => t.DeletedRows, StringComparer.Ordinal),
            Scrub = manifest.Scrub,
        };

        public IReadOnlyList<BackupIssue> Issues => [];

        public IAsyncEnumerable<BackupRow> ReadRowsAsync(string table, CancellationToken cancellationToken = default) =>
            manifest.Tables.FirstOrDefault(t => t.Name == table) is { } entry
                ? ReadEntryAsync(entry, entry.File, entry.Rows, entry.Sha256, cancellationToken) : Empty();

        public IAsyncEnumerable<BackupRow> ReadContextRowsAsync(string table, CancellationToken cancellationToken = default) =>
            manifest.Tables.FirstOrDefault(t => t.Name == table) is { } entry && manifest.Differential?.Tables.FirstOrDefault(t => t.Name == table) is { } d
                ? ReadEntryAsync(entry, d.ContextFile, d.ContextRows, d.ContextSha256, cancellationToken) : Empty();

        public IAsyncEnumerable<BackupRow> ReadTombstonesAsync(string table, CancellationToken cancellationToken = default) =>
            manifest.Tables.FirstOrDefault(t => t.Name == table) is { } entry && manifest.Differential?.Tables.FirstOrDefault(t => t.Name == table) is { } d
                ? ReadEntryAsync(entry, d.DeletedFile, d.DeletedRows, d.DeletedSha256, cancellationToken) : Empty();

        private static IAsyncEnumerable<BackupRow> Empty() => AsyncEnumerable.Empty<BackupRow>();

        private async IAsyncEnumerable<BackupRow> ReadEntryAsync(ManifestTable entry, string entryFile, long entryRows, string entrySha,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            // Two tables read at once cannot share the forward reader: the second gets its own.
            var shared = !_reading;
            var archive = shared ? _archive : null;
            Entries? own = null;
            try
            {
                _reading |= shared;
                var stream = archive is null ? null : await archive.SeekAsync(entryFile, cancellationToken);
                if (stream is null)
                {
                    // Behind the shared reader (or no reader yet): start from the beginning of the file.
                    if (shared && _archive is not null) await _archive.DisposeAsync();
                    own = Entries.Open(path, limits, keys);
                    if (shared) (_archive, own) = (own, null);
                    stream = await (shared ? _archive! : own!).SeekAsync(entryFile, cancellationToken);
                }
                if (stream is null)
                    throw Changed(entry, entryFile, $"{entryFile} is no longer in the file.");
                using var rows = new TableFileReader(stream, _file, entryFile, limits,
                    entry.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal));
                while (await rows.NextAsync(cancellationToken) is { } line)
                    yield return new BackupRow(rows.Rows, Encoding.UTF8.GetString(line.Span));
                if (rows.Rows != entryRows || rows.Sha256() != entrySha)
                    throw Changed(entry, entryFile, $"{entryFile} no longer matches its manifest ({rows.Rows} rows, SHA-256 {rows.Sha256()}).");
            }
            finally
            {
                if (shared) _reading = false;
                if (own is not null) await own.DisposeAsync();
            }
        }

        private BackupFileException Changed(ManifestTable entry, string entryFile, string what) =>
            new(BackupIssue.Error(IssueCode.BadChecksum, $"{_file} changed after it was verified: {what}",
                "Nothing was written; keep the file unchanged while it is imported and try again.", entry.Name, key: entryFile));

        public async ValueTask DisposeAsync()
        {
            if (_archive is not null) await _archive.DisposeAsync();
        }
    }

    /// <summary>
    /// A forward-only walk over the archive's files behind a <see cref="TarGuard"/>: every entry must be a plain file
    /// (or a folder, skipped) whose name stays inside the archive and appears once — "./tables/x" and "tables/x" are
    /// the same name. A second copy of a table file placed before the checked one would otherwise be imported unchecked.
    /// </summary>
    private sealed class Entries(GuardedTar tar, string file) : IAsyncDisposable
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public static Entries Open(string path, BackupLimits limits, BackupKeys? keys) =>
            new(TarGuard.Open(path, limits, keys), Path.GetFileName(path));

        public async Task<(string Name, Stream Data)?> NextAsync(CancellationToken ct)
        {
            while (await tar.NextAsync(ct) is { } entry)
            {
                if (entry.EntryType is TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes) continue;
                var name = Normalize(entry.Name);
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || name is null)
                    throw new BackupFileException(BackupIssue.Error(IssueCode.UnsafeEntry,
                        $"{file} holds \"{Printable(entry.Name)}\" as a {entry.EntryType}; a backup holds only plain files named inside it.",
                        "The file was changed after export or is not a backup; use an intact copy.", key: Printable(entry.Name)));
                if (!_seen.Add(name))
                    throw new BackupFileException(BackupIssue.Error(IssueCode.DuplicateEntry,
                        $"{file} holds {name} twice; only one copy could have been checked.",
                        "The file was changed after export; use an intact copy.", key: name));
                return (name, entry.DataStream ?? Stream.Null);
            }
            return null;
        }

        /// <summary>The data of the next entry named <paramref name="name"/>, or null when none follows the current one.</summary>
        public async Task<Stream?> SeekAsync(string name, CancellationToken ct)
        {
            while (await NextAsync(ct) is { } next)
                if (next.Name == name) return next.Data;
            return null;
        }

        public ValueTask DisposeAsync() => tar.DisposeAsync();

        /// <summary>The name with "." segments and doubled slashes dropped; null for an absolute name or one with "..".</summary>
        private static string? Normalize(string name)
        {
            if (name.StartsWith('/') || name.Contains('\0')) return null;
            var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
            return parts.Count == 0 || parts.Contains("..") ? null : string.Join('/', parts);
        }

        private static string Printable(string name)
        {
            var clean = new string(name.Select(c => char.IsControl(c) ? '?' : c).ToArray());
            return clean.Length <= 120 ? clean : clean[..120] + "…";
        }
    }
}
