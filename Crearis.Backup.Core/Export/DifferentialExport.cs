using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Ledger;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Npgsql;
using NpgsqlTypes;

namespace Crearis.Backup.Core.Export;

/// <summary>
/// A differential export: on the export's snapshot, each table's rows are compared by content with the rows the sync
/// ledger kept when this database exported the base: by natural key (<see cref="SyncLedger.Key"/>) and the SHA-256 of
/// the row as the export writes it (<see cref="BackupExporter.RowHash"/>; equal content is unchanged, whatever
/// <c>updated_at</c> says, and a trigger-maintained cache that changed makes the row changed). Written: the rows whose key
/// is new or whose content differs (in the full export's form), one tombstone per base key no row holds any more (its
/// natural key columns as the full export writes them), and the id and natural key of the unchanged rows the written
/// rows and tombstones refer to (so an import can resolve their references without the rest of the table).
/// </summary>
internal static class DifferentialExport
{
    public sealed record Base(long Exchange, string Sha256, DateTimeOffset CreatedAt, IReadOnlySet<string> Tables);

    /// <summary>Opens the base file (verified whole) and finds this database's ledger entry for it; an issue when it has none.</summary>
    public static async Task<(Base? Base, IReadOnlyList<BackupIssue> Issues)> FindAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string basePath,
        BackupKeys? keys, IReadOnlyCollection<string> selected, CancellationToken ct)
    {
        var file = Path.GetFileName(basePath);
        if (!File.Exists(basePath))
            return (null, [BackupIssue.Error(IssueCode.NotFound, $"The base {basePath} does not exist.", "Name the full backup this database exported earlier with --base.")]);
        // Only its manifest is read: the base's rows come from this database's ledger, and a changed manifest names
        // another backup (its content SHA-256), which the ledger then does not know.
        var (manifest, issues) = await CrearisBackupReader.ReadManifestAsync(basePath, ct, keys: keys);
        if (manifest is null) return (null, issues);
        var sha = SyncLedger.ContentSha256(manifest);
        await using (var exists = new NpgsqlCommand($"SELECT to_regclass('{SyncLedger.Schema}.sync_exchanges') IS NOT NULL", conn, tx))
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return (null, [Unknown(file, "this database keeps no sync ledger")]);
        await using var cmd = new NpgsqlCommand(
            $"SELECT id, backup_created_at, tables FROM {SyncLedger.Schema}.sync_exchanges WHERE direction = 'exported' AND backup_sha256 = $1 AND rows_kept " +
            // Rows a crash emptied from the unlogged table: without them every deletion since the base would be missed.
            $"AND {SyncLedger.AllRowsKept} ORDER BY id DESC LIMIT 1",
            conn, tx);
        cmd.Parameters.AddWithValue(sha);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return (null, [Unknown(file, $"this database did not export it, or no longer keeps its rows (only the last {SyncLedger.KeptExports} exports are kept)")]);
        var found = new Base(reader.GetInt64(0), sha, reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<string[]>(2).ToHashSet(StringComparer.Ordinal));
        var missing = selected.Where(t => !found.Tables.Contains(t)).ToList();
        if (missing.Count > 0)
            return (null, [Unknown(file, $"it does not hold the table(s) {string.Join(", ", missing)}")]);
        return (found, []);
    }

    private static BackupIssue Unknown(string file, string why) => BackupIssue.Error(IssueCode.BaseUnknown,
        $"{file} cannot be the base of a differential: {why}.",
        "Export a full backup (without --base) and take later differentials against it.");

    private sealed class Part : IAsyncDisposable
    {
        public required FileStream Scratch { get; init; }
        public long Rows;
        public readonly IncrementalHash Sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public async Task AddAsync(string json, CancellationToken ct)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            await Scratch.WriteAsync(bytes, ct);
            await Scratch.WriteAsync("\n"u8.ToArray(), ct);
            Sha.AppendData(bytes);
            Sha.AppendData("\n"u8);
            Rows++;
        }

        public string Hash() => Convert.ToHexString(Sha.GetCurrentHash()).ToLowerInvariant();

        public async ValueTask DisposeAsync()
        {
            Sha.Dispose();
            await Scratch.DisposeAsync();
        }
    }

    /// <summary>Writes every table's three files (rows, context, tombstones) in table order; returns the manifest's entries.</summary>
    public static async Task<(List<ManifestTable> Tables, ManifestDifferential Differential)> WriteAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        IReadOnlyList<TableModel> models, Base baseExchange, TarWriter tar, string backupPath, ProgressTracker tracker, CancellationToken ct)
    {
        var folder = Path.GetDirectoryName(backupPath)!;
        var name = Path.GetFileName(backupPath);
        var rows = new Dictionary<string, Part>(StringComparer.Ordinal);
        var context = new Dictionary<string, Part>(StringComparer.Ordinal);
        var deleted = new Dictionary<string, Part>(StringComparer.Ordinal);
        // Ids (as text) each table must identify, and those its written rows already carry.
        var needed = models.ToDictionary(m => m.Name, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        var written = models.ToDictionary(m => m.Name, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        var byName = models.ToDictionary(m => m.Name, StringComparer.Ordinal);
        try
        {
            foreach (var model in models)
            {
                ct.ThrowIfCancellationRequested();
                var changed = rows[model.Name] = new Part { Scratch = PartialFiles.CreateScratch(folder, name) };
                var key = SyncLedger.Key(model, i => "t." + Sql.Ident(model.Profile.NaturalKey[i].Column));
                var inBase = $"{SyncLedger.Schema}.sync_base_rows b WHERE b.exchange_id = {baseExchange.Exchange} AND b.table_name = {Sql.Literal(model.Name)}";
                var where = $"NOT EXISTS (SELECT 1 FROM {inBase} AND b.key = {key} AND b.content = {BackupExporter.RowHash(model)})";
                // A key that may repeat (a part may be NULL): rows are told apart by key only, so a key's rows go as a
                // group — all of them, when their set of contents differs from the base's (combine replaces the group).
                // Only where a key does repeat (now or in the base): the grouping hashes every row a second time.
                if (model.Profile.NaturalKey.Any(k => model.Schema.Column(k.Column)!.IsNullable) && await ScalarAsync(conn, tx,
                        $"SELECT EXISTS (SELECT 1 FROM public.{Sql.Ident(model.Name)} t GROUP BY {key} HAVING count(*) > 1) " +
                        $"OR EXISTS (SELECT 1 FROM {inBase} GROUP BY b.key HAVING count(*) > 1)", ct))
                    where = $"{key} IN (SELECT cur.key FROM (SELECT {key} AS key, array_agg({BackupExporter.RowHash(model)} ORDER BY {BackupExporter.RowHash(model)}) AS h " +
                            $"FROM public.{Sql.Ident(model.Name)} t GROUP BY 1) cur LEFT JOIN (SELECT b.key, array_agg(b.content ORDER BY b.content) AS h " +
                            $"FROM {inBase} GROUP BY 1) old ON old.key = cur.key WHERE old.h IS DISTINCT FROM cur.h)";
                await foreach (var json in ReadAsync(conn, tx, BackupExporter.RowJsonQuery(model, where), ct))
                {
                    await changed.AddAsync(json, ct);
                    using var doc = JsonDocument.Parse(json);
                    if (model.IdColumn is { } id && doc.RootElement.TryGetProperty(id, out var idValue) && Text(idValue) is { } idText)
                        written[model.Name].Add(idText);
                    foreach (var (target, value) in References(model, doc.RootElement))
                        if (needed.TryGetValue(target, out var set)) set.Add(value);
                    tracker.Report(BackupPhase.Export, model.Name, changed.Rows, changed.Rows, 1);
                }

                var gone = deleted[model.Name] = new Part { Scratch = PartialFiles.CreateScratch(folder, name) };
                // The natural key, and the id the row had (so a child deleted with it resolves its reference to it).
                var columns = string.Join(", ", model.Profile.NaturalKey.Select((k, i) => $"{Sql.Literal(k.Column)}, {KeyValue(model.Schema.Column(k.Column)!, i)}")
                    .Concat(model.IdColumn is { } rowId && model.Profile.NaturalKey.All(k => k.Column != rowId) ? [$"{Sql.Literal(rowId)}, b.row_id"] : []));
                var tombstones = $"SELECT jsonb_build_object({columns}) FROM {inBase} AND NOT EXISTS (SELECT 1 FROM public.{Sql.Ident(model.Name)} t WHERE {key} = b.key) ORDER BY b.key";
                await foreach (var json in ReadAsync(conn, tx, tombstones, ct))
                {
                    await gone.AddAsync(json, ct);
                    using var doc = JsonDocument.Parse(json);
                    AddKeyReferences(model, doc.RootElement, needed);
                }
            }

            // The unchanged rows referred to, and (for their keys) the rows those refer to, until nothing new is needed.
            var done = models.ToDictionary(m => m.Name, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (var model in models) context[model.Name] = new Part { Scratch = PartialFiles.CreateScratch(folder, name) };
            bool more;
            do
            {
                more = false;
                foreach (var model in models.Reverse())
                {
                    if (model.IdColumn is not { } id) continue;
                    var ask = needed[model.Name].Where(v => !written[model.Name].Contains(v) && done[model.Name].Add(v)).ToArray();
                    if (ask.Length == 0) continue;
                    more = true;
                    var parts = new[] { $"{Sql.Literal(id)}, to_jsonb(t.{Sql.Ident(id)})" }.Concat(model.Profile.NaturalKey.Where(k => k.Column != id)
                        .Select(k => $"{Sql.Literal(k.Column)}, to_jsonb(t.{Sql.Ident(k.Column)})"));
                    // Integer ids are looked up through the primary key; others compared as text.
                    var numeric = model.Schema.Column(id)!.Type is "integer" or "bigint" or "smallint";
                    var ids = numeric ? ask.Select(v => long.TryParse(v, out var n) ? n : (long?)null).OfType<long>().ToArray() : (object)ask;
                    var match = numeric ? $"t.{Sql.Ident(id)} = ANY(@ids)" : $"t.{Sql.Ident(id)}::text = ANY(@ids)";
                    var sql = $"SELECT jsonb_build_object({string.Join(", ", parts)}) FROM public.{Sql.Ident(model.Name)} t " +
                              $"WHERE {match} ORDER BY t.{Sql.Ident(id)}";
                    await foreach (var json in ReadAsync(conn, tx, sql, ct, ids))
                    {
                        await context[model.Name].AddAsync(json, ct);
                        using var doc = JsonDocument.Parse(json);
                        AddKeyReferences(model, doc.RootElement, needed);
                    }
                }
            } while (more);

            var tables = new List<ManifestTable>();
            var extras = new List<ManifestDifferentialTable>();
            foreach (var model in models)
            {
                var file = $"tables/{model.Name}.jsonl";
                var changed = rows[model.Name];
                tables.Add(new ManifestTable
                {
                    Name = model.Name, File = file, Rows = changed.Rows, Bytes = changed.Scratch.Length, Sha256 = changed.Hash(),
                    NaturalKey = model.Profile.NaturalKey.Select(k => k.Column).ToList(),
                    Columns = model.Schema.Writable.Select(c => new ManifestColumn(c.Name, c.Type)).ToList(),
                });
                extras.Add(new ManifestDifferentialTable
                {
                    Name = model.Name,
                    ContextFile = ManifestDifferentialTable.ContextFileOf(model.Name), ContextRows = context[model.Name].Rows, ContextSha256 = context[model.Name].Hash(),
                    DeletedFile = ManifestDifferentialTable.DeletedFileOf(model.Name), DeletedRows = deleted[model.Name].Rows, DeletedSha256 = deleted[model.Name].Hash(),
                });
                foreach (var (entry, part) in new[] { (file, changed), (extras[^1].ContextFile, context[model.Name]), (extras[^1].DeletedFile, deleted[model.Name]) })
                {
                    await part.Scratch.FlushAsync(ct);
                    part.Scratch.Position = 0;
                    await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, entry) { DataStream = part.Scratch }, ct);
                }
            }
            return (tables, new ManifestDifferential { BaseSha256 = baseExchange.Sha256, BaseCreatedAt = baseExchange.CreatedAt, Tables = extras });
        }
        finally
        {
            foreach (var part in rows.Values.Concat(context.Values).Concat(deleted.Values)) await part.DisposeAsync();
        }
    }

    /// <summary>A ledger key's part <paramref name="i"/> back as the JSON the full export writes for the column.</summary>
    private static string KeyValue(Catalog.ColumnSchema column, int i) =>
        column.Type == "timestamp with time zone" ? $"to_jsonb(((b.key ->> {i})::timestamp AT TIME ZONE 'UTC'))"
        : column.IsJsonb ? $"b.key -> {i} -> 0"
        : $"b.key -> {i}";

    private static async Task<bool> ScalarAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string query, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(query, conn, tx) { CommandTimeout = 0 };
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async IAsyncEnumerable<string> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct, object? ids = null)
    {
        await using var cmd = new NpgsqlCommand(query, conn, tx) { CommandTimeout = 0 };
        if (ids is not null) cmd.Parameters.AddWithValue("ids", ids);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) yield return reader.GetFieldValue<string>(0);
    }

    private static void AddKeyReferences(TableModel model, JsonElement row, Dictionary<string, HashSet<string>> needed)
    {
        foreach (var part in model.Profile.NaturalKey.Where(k => k.ReferencedTable is not null))
            if (row.TryGetProperty(part.Column, out var v) && Text(v) is { } text && needed.TryGetValue(part.ReferencedTable!, out var set))
                set.Add(text);
    }

    /// <summary>The ids (as text) a row refers to, with the table each is in, for every reference shape.</summary>
    internal static IEnumerable<(string Table, string Id)> References(TableModel model, JsonElement row)
    {
        foreach (var part in model.Profile.NaturalKey.Where(k => k.ReferencedTable is not null))
            if (row.TryGetProperty(part.Column, out var v) && Text(v) is { } text)
                yield return (part.ReferencedTable!, text);
        foreach (var reference in model.References)
        {
            if (!row.TryGetProperty(reference.Column, out var value) || value.ValueKind == JsonValueKind.Null) continue;
            switch (reference.Shape)
            {
                case ReferenceShape.Scalar:
                    if (Text(value) is { } id) yield return (reference.Target, id);
                    break;
                case ReferenceShape.IntArray:
                case ReferenceShape.JsonArray:
                    if (value.ValueKind == JsonValueKind.Array)
                        foreach (var e in value.EnumerateArray())
                            if (Text(e) is { } item) yield return (reference.Target, item);
                    break;
                case ReferenceShape.TextList:
                    if (value.ValueKind == JsonValueKind.String)
                        foreach (var item in value.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                            yield return (reference.Target, item);
                    break;
                case ReferenceShape.Polymorphic:
                    if (row.TryGetProperty(reference.TypeColumn!, out var type) && type.ValueKind == JsonValueKind.String &&
                        reference.Targets.TryGetValue(type.GetString()!, out var target) && Text(value) is { } pid)
                        yield return (target, pid);
                    break;
                case ReferenceShape.CompositeFields:
                    if (value.ValueKind != JsonValueKind.Object) break;
                    foreach (var field in reference.Fields ?? [])
                    {
                        if (!value.TryGetProperty(field, out var f)) continue;
                        if (f.ValueKind == JsonValueKind.Array)
                        {
                            foreach (var e in f.EnumerateArray())
                                if (Text(e) is { } item) yield return (reference.Target, item);
                        }
                        else if (Text(f) is { } fid) yield return (reference.Target, fid);
                    }
                    break;
            }
        }
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.String => value.GetString(),
        _ => null,
    };
}
