using System.Data;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Ledger;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Npgsql;
using NpgsqlTypes;

namespace Crearis.Backup.Core.Export;

public sealed record ExportOptions(
    IReadOnlyList<string>? Tables = null,
    IReadOnlyList<string>? Exclude = null,
    string? Description = null,
    BackupEncryption? Encryption = null)
{
    /// <summary>
    /// A differential: the full (or differential) backup this database exported earlier that the export is taken
    /// against; only rows new or changed since then are written, and a tombstone per row deleted. Null: a full export.
    /// </summary>
    public string? Base { get; init; }

    /// <summary>The keys that open <see cref="Base"/> when it is encrypted.</summary>
    public BackupKeys? BaseKeys { get; init; }

    /// <summary>Keep this export in the instance's sync ledger (a later merge's base). On by default; off for an export
    /// that must not write to the database (the benchmark measures the ledger's cost with it).</summary>
    public bool RecordExchange { get; init; } = true;

    /// <summary>A filtered export: only the selected projects/users/recent rows, closed over every reference. Null: every row.</summary>
    public Filtering.ExportFilter? Filter { get; init; }

    /// <summary>A scrubbed copy for development: personal data replaced by keyed pseudonyms. Null: the data as it is.</summary>
    public Scrubbing.ScrubKey? Scrub { get; init; }

    /// <summary>How many bits an e-mail pseudonym carries (128; fewer only in tests, to provoke a collision).</summary>
    internal int ScrubEmailBits { get; init; } = 128;
}

public sealed record ExportResult(
    bool Succeeded,
    string? File,
    BackupManifest? Manifest,
    IReadOnlyList<BackupIssue> Issues,
    TimeSpan Duration)
{
    public long TotalRows => Manifest?.Tables.Sum(t => t.Rows) ?? 0;
}

/// <summary>
/// Writes a backup (format version 2) from one consistent snapshot: every table is read in a single REPEATABLE READ
/// transaction while the platform keeps writing. The server renders each row as JSON (to_jsonb), so every type
/// round-trips exactly; rows stream through a scratch file per table, and the archive is written under a temporary
/// name and renamed when complete, so no half-written backup is ever listed. Every file it writes is readable by its
/// owner only, and a killed export leaves at most its partial archive, which the next export into the folder (and the
/// app at its start) removes: see <see cref="PartialFiles"/>.
/// </summary>
public static class BackupExporter
{
    public static async Task<ExportResult> ExportAsync(string connectionString, string outputPath, ExportOptions options,
        BackupProfile? profile = null, IProgress<BackupProgress>? progress = null, CancellationToken ct = default)
    {
        profile ??= CrearisProfile.Default;
        var clock = Stopwatch.StartNew();
        var issues = new List<BackupIssue>();

        var selected = TableSelection.Resolve(profile, options.Tables, options.Exclude, issues);
        if (issues.Count > 0) return new(false, null, null, issues, clock.Elapsed);
        var filter = options.Filter is { IsEmpty: false } f ? f : null;
        if (filter is not null && options.Base is not null)
            return new(false, null, null, [BackupIssue.Error(IssueCode.FilterWithBase,
                "A filtered export cannot be a differential: its rows are a selection, so a row it leaves out would not read as unchanged or deleted.",
                "Leave out --base, or --project/--user/--since.")], clock.Elapsed);
        // A differential writes context rows and tombstones by natural key and is named by its base, which the ledger
        // holds as real rows: scrubbed, neither would line up with the scrubbed copy it would be applied to.
        if (options.Scrub is not null && options.Base is not null)
            return new(false, null, null, [BackupIssue.Error(IssueCode.ScrubNotDifferential,
                "A scrubbed copy is always a full export: a differential against a base cannot be scrubbed.",
                "Leave out --base (or --scrub).")], clock.Elapsed);
        var scrubber = options.Scrub is { } scrubKey
            ? new Scrubbing.RowScrubber(scrubKey, Scrubbing.CrearisPersonalData.Default, options.ScrubEmailBits) : null;

        var fullPath = Path.GetFullPath(outputPath);
        var directory = Path.GetDirectoryName(fullPath)!;
        if (!Directory.Exists(directory))
        {
            issues.Add(BackupIssue.Error(IssueCode.OutputFolderMissing, $"The folder {directory} does not exist.",
                "Create it or choose another --output."));
            return new(false, null, null, issues, clock.Elapsed);
        }
        // What exports killed before us left here; those still running in other processes hold theirs and stay.
        PartialFiles.RemoveStale(directory);
        var temporary = PartialFiles.NameFor(fullPath);

        // The sync ledger: this instance, the exchanges it knows, and (below) the exported rows as a later merge base.
        // Not for a scrubbed copy: the ledger would keep the real rows as the base of a backup that holds pseudonyms (a
        // later merge from the development copy would see every scrubbed field as changed there), and a manifest
        // naming this instance and its exchanges would let a copy's exports find that base. So it names neither.
        var (ledger, ledgerIssue) = options.RecordExchange && scrubber is null ? await ExportLedger.OpenAsync(connectionString, ct) : (null, null);
        await using var ledgerScope = ledger;
        if (ledgerIssue is not null) issues.Add(ledgerIssue);
        // A filtered export names its instance (an import then merges three ways where it has a base) but keeps no
        // rows as a base: a later merge would read every row it left out as deleted there.
        var recording = ledger is not null && filter is null;

        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        // A filtered export keeps its selection in temporary tables, which a read-only transaction may not create: it
        // becomes read-only once they are made (below).
        if (filter is null)
            await using (var ro = new NpgsqlCommand("SET TRANSACTION READ ONLY", conn, tx)) await ro.ExecuteNonQueryAsync(ct);
        string? snapshot = null;
        if (recording)
            await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", conn, tx)) snapshot = (string)(await export.ExecuteScalarAsync(ct))!;

        var catalog = await DatabaseCatalog.ReadAsync(conn, ct: ct);
        // A database that imported a scrubbed copy holds pseudonyms: its exports say so, and production refuses them.
        var scrubbedFrom = scrubber is null ? await InstanceMarks.ScrubbedFromAsync(conn, tx, ct) : null;
        // Filtered: models of every table, as a selected row's parents may be in a table --tables/--exclude leave out.
        var (models, modelIssues) = TableModelBuilder.Build(catalog,
            filter is null ? profile with { Tables = profile.Tables.Where(t => selected.Contains(t.Name)).ToList() } : profile);
        if (modelIssues.Count > 0) return new(false, null, null, modelIssues, clock.Elapsed);

        Filtering.ExportSelection? selection = null;
        if (filter is not null)
        {
            var (chosen, filterIssues) = await Filtering.ExportSelection.BuildAsync(conn, tx, catalog, models, selected, profile, filter, ct);
            if (chosen is null) return new(false, null, null, [.. issues, .. filterIssues], clock.Elapsed);
            selection = chosen;
            issues.AddRange(chosen.Warnings);
            // The selection is made: from here on the export reads only, as an unfiltered one does from its start.
            await using (var ro = new NpgsqlCommand("SET LOCAL transaction_read_only = on", conn, tx)) await ro.ExecuteNonQueryAsync(ct);
            // The tables chosen (empty ones too: an import checks that every table referred to is in the file) and
            // those of --tables/--exclude's left-out tables that hold parents.
            models = models.Where(m => selected.Contains(m.Name) || chosen.Rows(m.Name) > 0).ToList();
        }
        var written = models.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            if (selection is not null)
            {
                counts[model.Name] = selection.Rows(model.Name);
                continue;
            }
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM public.{Sql.Ident(model.Name)}", conn, tx);
            counts[model.Name] = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        var tracker = new ProgressTracker(progress, counts.Values.Sum());

        DifferentialExport.Base? diffBase = null;
        if (options.Base is { } basePath)
        {
            var (found, baseIssues) = await DifferentialExport.FindAsync(conn, tx, Path.GetFullPath(basePath), options.BaseKeys, selected, ct);
            if (found is null) return new(false, null, null, [.. issues, .. baseIssues], clock.Elapsed);
            diffBase = found;
        }

        var tables = new List<ManifestTable>();
        if (recording) await ledger!.BeginAsync(snapshot!, models.Select(m => m.Name), ct);
        try
        {
            await using (Stream file = options.Encryption is { } encryption
                             ? new AgeEncryptStream(PartialFiles.CreateOwnerOnly(temporary), encryption) : PartialFiles.CreateOwnerOnly(temporary))
            await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
            {
                ManifestDifferential? differential = null;
                if (diffBase is not null)
                {
                    (tables, differential) = await DifferentialExport.WriteAsync(conn, tx, models, diffBase, tar, fullPath, tracker, ct);
                    // The ledger keeps every row as it is now (not only the changed ones): the next differential's base.
                    if (ledger is not null)
                        foreach (var model in models) await ledger.KeepRowsAsync(model, ct);
                }
                else
                    foreach (var model in models)
                    {
                        ct.ThrowIfCancellationRequested();
                        var table = await ExportTableAsync(conn, tx, model, tar, fullPath, counts[model.Name], tracker, ct,
                            selection is null ? null : Filtering.ExportSelection.Where(model), scrubber);
                        if (scrubber?.Collision is { } collision)
                        {
                            // Two users would share a pseudonym: no file, rather than one that cannot be imported.
                            await tar.DisposeAsync();
                            await gzip.DisposeAsync();
                            await file.DisposeAsync();
                            TryDelete(temporary);
                            return new(false, null, null, [.. issues, collision], clock.Elapsed);
                        }
                        tables.Add(table);
                        if (recording) await ledger!.KeepRowsAsync(model, ct);
                    }

                var builder = new NpgsqlConnectionStringBuilder(connectionString);
                var manifest = new BackupManifest
                {
                    CreatedAt = DateTimeOffset.UtcNow,
                    Source = new ManifestSource
                    {
                        Host = builder.Host ?? "", Port = builder.Port, Database = conn.Database,
                        ServerVersion = conn.PostgreSqlVersion.ToString(),
                    },
                    SchemaFingerprint = catalog.Fingerprint(written),
                    Profile = profile.Name,
                    Description = options.Description,
                    Options = new ManifestOptions
                    {
                        Tables = options.Tables, Exclude = options.Exclude,
                        // A filtered backup is never full: rows missing from it were not selected, not deleted.
                        Full = selection is null && profile.TableNames.All(selected.Contains),
                    },
                    Tables = tables,
                    Instance = ledger is null ? null : new ManifestInstance { Id = ledger.Instance },
                    Exchanges = ledger?.Exchanges,
                    Differential = differential,
                    Filter = selection?.Manifest,
                    Scrub = scrubber?.Manifest(models) ?? (scrubbedFrom is null ? null : new ManifestScrub { KeyFingerprint = scrubbedFrom, Derived = true }),
                };
                var json = JsonSerializer.SerializeToUtf8Bytes(manifest, BackupManifest.Json);
                var entry = new PaxTarEntry(TarEntryType.RegularFile, BackupManifest.FileName) { DataStream = new MemoryStream(json) };
                await tar.WriteEntryAsync(entry, ct);
                await tx.CommitAsync(ct);
                tracker.Report(BackupPhase.Done, null, 0, 0);
                await tar.DisposeAsync();
                await gzip.DisposeAsync();
                await file.DisposeAsync();
                File.Move(temporary, fullPath, overwrite: true);
                // Recorded once the file exists: a ledger entry never names a backup that was not written.
                if (recording) await ledger!.CompleteAsync(manifest, ct);
                return new(true, fullPath, manifest, issues, clock.Elapsed);
            }
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static async Task<ManifestTable> ExportTableAsync(NpgsqlConnection conn, NpgsqlTransaction tx, TableModel model,
        TarWriter tar, string backupPath, long total, ProgressTracker tracker, CancellationToken ct, string? where = null,
        Scrubbing.RowScrubber? scrubber = null)
    {
        // The table's rows wait here until the archive entry (which needs its length first) is written. Beside the
        // backup, not in /tmp: the same disk and owner, and (see CreateScratch) without a name a killed export could leave.
        await using var scratch = PartialFiles.CreateScratch(Path.GetDirectoryName(backupPath)!, Path.GetFileName(backupPath));
        long rows = 0;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var newline = "\n"u8.ToArray();
        await using (var export = await conn.BeginBinaryExportAsync($"COPY ({RowJsonQuery(model, where)}) TO STDOUT (FORMAT BINARY)", ct))
        {
            while (await export.StartRowAsync(ct) != -1)
            {
                var json = await export.ReadAsync<string>(NpgsqlDbType.Jsonb, ct);
                var bytes = scrubber is null ? Encoding.UTF8.GetBytes(json) : scrubber.Row(model.Name, json);
                await scratch.WriteAsync(bytes, ct);
                await scratch.WriteAsync(newline, ct);
                sha.AppendData(bytes);
                sha.AppendData(newline);
                rows++;
                tracker.Report(BackupPhase.Export, model.Name, rows, total, 1);
            }
        }
        await scratch.FlushAsync(ct);
        var length = scratch.Length;
        scratch.Position = 0;
        var name = $"tables/{model.Name}.jsonl";
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = scratch }, ct);
        return new ManifestTable
        {
            Name = model.Name,
            File = name,
            Rows = rows,
            Bytes = length,
            Sha256 = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant(),
            NaturalKey = model.Profile.NaturalKey.Select(k => k.Column).ToList(),
            Columns = model.Schema.Writable.Select(c => new ManifestColumn(c.Name, c.Type)).ToList(),
        };
    }

    /// <summary>
    /// One JSON object per row, rendered by the server. Generated columns are left out (they cannot be written back).
    /// A jsonb column holding the JSON literal null would read back as SQL NULL, so such columns are listed in "$jsonnull".
    /// </summary>
    internal static string RowJsonQuery(TableModel model, string? where = null)
    {
        var order = model.Schema.PrimaryKey.Count > 0
            ? string.Join(", ", model.Schema.PrimaryKey.Select(c => "t." + Sql.Ident(c)))
            : string.Join(", ", model.Profile.NaturalKey.Select(k => "t." + Sql.Ident(k.Column)));
        return $"SELECT {RowJson(model)} FROM public.{Sql.Ident(model.Name)} t{(where is null ? "" : " WHERE " + where)} ORDER BY {order}";
    }

    /// <summary>
    /// SQL: the SHA-256 of a row (alias t) as the export writes it — what a differential compares, so a change in any
    /// written column (a trigger-maintained cache too) makes the row changed, and nothing else does.
    /// </summary>
    internal static string RowHash(TableModel model) => $"sha256(convert_to(({RowJson(model)})::text, 'UTF8'))";

    /// <summary>SQL: one row (alias t) as the export writes it.</summary>
    private static string RowJson(TableModel model)
    {
        var generated = model.Schema.Columns.Where(c => c.IsGenerated).Select(c => c.Name).ToList();
        var row = "to_jsonb(t)" + string.Concat(generated.Select(g => $" - {Sql.Literal(g)}"));
        var jsonb = model.Schema.Writable.Where(c => c.IsJsonb).Select(c => c.Name).ToList();
        if (jsonb.Count > 0)
        {
            var nulls = string.Join(", ", jsonb.Select(c => $"CASE WHEN jsonb_typeof(t.{Sql.Ident(c)}) = 'null' THEN {Sql.Literal(c)} END"));
            var any = string.Join(" OR ", jsonb.Select(c => $"jsonb_typeof(t.{Sql.Ident(c)}) = 'null'"));
            row = $"CASE WHEN {any} THEN {row} || jsonb_build_object('$jsonnull', array_remove(ARRAY[{nulls}], NULL)) ELSE {row} END";
        }
        return row;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
