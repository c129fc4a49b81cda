using System.Diagnostics;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Npgsql;
using NpgsqlTypes;

namespace Crearis.Backup.Core.Import;

public enum UndoOutcome
{
    /// <summary>Committed: every row the import added is gone and every field it changed holds its value from before.</summary>
    Undone,

    /// <summary>Refused before or while undoing (a row changed since, rows added since point at one): nothing was changed.</summary>
    Refused,
}

/// <summary>What undoing one table did: rows the import added that were removed, rows whose changed fields were put back.</summary>
public sealed record UndoCounts(long Removed, long Restored);

public sealed record UndoResult(UndoOutcome Outcome, IReadOnlyDictionary<string, UndoCounts> Tables, IReadOnlyList<BackupIssue> Errors, TimeSpan Duration)
{
    public bool Succeeded => Outcome == UndoOutcome.Undone;
}

/// <summary>
/// Undoes an import from its journal (<see cref="JournalRow"/>s of its inserts and updates), in one transaction: the
/// changed fields get their values from before, the added rows are removed (children first; links closed after the
/// rows were written are cleared before). Refused, naming the rows, when any of them changed since the import (an edit
/// made since would be lost), when a removed row would take rows added since with it, or when a row added since points
/// at one. Sequences are never wound back; rows and fields the journal does not name are never touched.
/// </summary>
public static class ImportUndo
{
    /// <summary>How many rows a refusal names (it counts them all).</summary>
    public const int NamedRows = 20;

    public static async Task<UndoResult> UndoAsync(string connectionString, IAsyncEnumerable<JournalRow> journal, BackupProfile? profile = null,
        CancellationToken ct = default)
    {
        profile ??= CrearisProfile.Default;
        var clock = Stopwatch.StartNew();
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { IncludeErrorDetail = true, Pooling = false }.ConnectionString);
        await conn.OpenAsync(ct);
        var catalog = await DatabaseCatalog.ReadAsync(conn, ct: ct);
        var (models, modelIssues) = TableModelBuilder.Build(catalog, profile);
        if (modelIssues.Count > 0) return Refused(clock, modelIssues);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var session = new UndoSession(conn, tx, models.ToDictionary(m => m.Name, StringComparer.Ordinal), profile);
        var result = await session.RunAsync(journal, ct);
        if (result.Count > 0)
        {
            await tx.RollbackAsync(ct);
            return Refused(clock, result);
        }
        await tx.CommitAsync(ct);
        return new UndoResult(UndoOutcome.Undone, session.Counts, [], clock.Elapsed);
    }

    private static UndoResult Refused(Stopwatch clock, IReadOnlyList<BackupIssue> errors) =>
        new(UndoOutcome.Refused, new Dictionary<string, UndoCounts>(), errors, clock.Elapsed);

    private sealed class UndoSession(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyDictionary<string, TableModel> models, BackupProfile profile)
    {
        private const string Undo = "_undo_rows";
        public Dictionary<string, UndoCounts> Counts { get; } = new(StringComparer.Ordinal);

        /// <summary>The phases: stage the journal, check every row still holds what the import wrote, undo, check nothing else went.</summary>
        public async Task<IReadOnlyList<BackupIssue>> RunAsync(IAsyncEnumerable<JournalRow> journal, CancellationToken ct)
        {
            await ExecAsync("SET LOCAL search_path = public", ct);
            await StageAsync(journal, ct);
            var tables = await TablesAsync(ct);
            var unknown = tables.Where(t => !models.ContainsKey(t)).ToList();
            if (unknown.Count > 0)
                return [BackupIssue.Error(IssueCode.UndoBlocked, $"The database has no table {string.Join(", ", unknown)} any more, which the import wrote into.",
                    "Nothing was undone. Undo by hand, or restore a backup made before the import.")];
            var plan = ImportPlanner.Plan(tables.Select(t => models[t]).ToList());

            var changed = new List<BackupIssue>();
            foreach (var model in plan.Order) changed.AddRange(await ChangedSinceAsync(model, plan, ct));
            if (changed.Count > 0) return changed;

            foreach (var model in plan.Order) await RestoreAsync(model, ct);
            // Links closed after the rows were written (late seeding) are cleared first, so rows added in a cycle can go.
            foreach (var model in plan.Order) await ClearDeferredAsync(model, plan, ct);
            var before = await RowCountsAsync(ct);
            foreach (var model in plan.Order.Reverse())
            {
                if (await RemoveAsync(model, ct) is { } refused) return [refused];
            }
            return await OthersRemovedAsync(before, ct);
        }

        private async Task StageAsync(IAsyncEnumerable<JournalRow> journal, CancellationToken ct)
        {
            await ExecAsync($"CREATE TEMP TABLE {Undo} (tbl text, action text, key text, target jsonb, detail jsonb) ON COMMIT DROP", ct);
            await using (var writer = await conn.BeginBinaryImportAsync($"COPY {Undo} (tbl, action, key, target, detail) FROM STDIN (FORMAT BINARY)", ct))
            {
                await foreach (var row in journal.WithCancellation(ct))
                {
                    if (row.Action is not (RowAction.Insert or RowAction.Update) || row.Target is null || row.Detail is null) continue;
                    await writer.StartRowAsync(ct);
                    await writer.WriteAsync(row.Table, NpgsqlDbType.Text, ct);
                    await writer.WriteAsync(row.Action == RowAction.Insert ? "insert" : "update", NpgsqlDbType.Text, ct);
                    await writer.WriteAsync(row.Key, NpgsqlDbType.Text, ct);
                    await writer.WriteAsync(row.Target, NpgsqlDbType.Jsonb, ct);
                    await writer.WriteAsync(row.Detail, NpgsqlDbType.Jsonb, ct);
                }
                await writer.CompleteAsync(ct);
            }
            await ExecAsync($"CREATE INDEX ON {Undo} (tbl, action)", ct);
            await ExecAsync($"ANALYZE {Undo}", ct);
        }

        private async Task<List<string>> TablesAsync(CancellationToken ct)
        {
            var tables = new List<string>();
            await using var cmd = new NpgsqlCommand($"SELECT DISTINCT tbl FROM {Undo}", conn, tx);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) tables.Add(reader.GetString(0));
            return tables;
        }

        /// <summary>The journal row u's row in the target x: by id, or by the natural key's columns (typed, so indexes serve).</summary>
        private static string Match(TableModel model)
        {
            var columns = model.IdColumn is { } id ? [id] : model.Profile.NaturalKey.Select(k => k.Column).ToList();
            return string.Join(" AND ", columns.Select(c =>
                $"x.{Sql.Ident(c)} IS NOT DISTINCT FROM (u.target ->> {Sql.Literal(c)})::{model.Schema.Column(c)!.Type}"));
        }

        /// <summary>A column's value in the target as the journal wrote it (text), picked by name.</summary>
        private static string Current(TableModel model, string nameExpr) =>
            "CASE " + nameExpr + string.Concat(model.Schema.Columns.Select(c => $" WHEN {Sql.Literal(c.Name)} THEN x.{Sql.Ident(c.Name)}::text")) + " END";

        /// <summary>
        /// Rows deleted since, fields changed since: an update's field no longer holds what the import wrote; an added
        /// row's value no longer what it was given (derived columns, links closed later and empty values aside: the
        /// platform's triggers and the late links set those after the row was written).
        /// </summary>
        private async Task<List<BackupIssue>> ChangedSinceAsync(TableModel model, ImportPlan plan, CancellationToken ct)
        {
            var name = model.Name;
            var ignored = model.Schema.Columns.Where(c => model.Profile.IsDerived(c.Name) || plan.IsDeferred(name, c.Name)).Select(c => Sql.Literal(c.Name)).ToList();
            var insertIgnored = ignored.Count == 0 ? "" : $" AND d.key NOT IN ({string.Join(", ", ignored)})";
            var sql =
                $"SELECT u.key, 'deleted' FROM {Undo} u WHERE u.tbl = {Sql.Literal(name)} AND NOT EXISTS (SELECT 1 FROM public.{Sql.Ident(name)} x WHERE {Match(model)}) " +
                $"UNION ALL SELECT u.key, d.key FROM {Undo} u JOIN public.{Sql.Ident(name)} x ON {Match(model)} CROSS JOIN LATERAL jsonb_each(u.detail) d " +
                $"WHERE u.tbl = {Sql.Literal(name)} AND u.action = 'update' AND ({Current(model, "d.key")}) IS DISTINCT FROM (d.value ->> 1) " +
                $"UNION ALL SELECT u.key, d.key FROM {Undo} u JOIN public.{Sql.Ident(name)} x ON {Match(model)} CROSS JOIN LATERAL jsonb_each(u.detail) d " +
                $"WHERE u.tbl = {Sql.Literal(name)} AND u.action = 'insert' AND jsonb_typeof(d.value) <> 'null'{insertIgnored} " +
                $"AND ({Current(model, "d.key")}) IS DISTINCT FROM (d.value #>> '{{}}')";
            var found = new List<(string Key, string Field)>();
            await using (var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 })
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) found.Add((reader.GetString(0), reader.GetString(1)));
            return found.GroupBy(f => f.Key).Take(NamedRows).Select(g => g.Any(f => f.Field == "deleted")
                ? BackupIssue.Error(IssueCode.UndoChangedSince, $"{name} {g.Key} was deleted since the import.",
                    "Nothing was undone. Put the row back, or undo the import's other rows by hand.", name, g.Key)
                : BackupIssue.Error(IssueCode.UndoChangedSince,
                    $"{name} {g.Key} was changed since the import ({string.Join(", ", g.Select(f => f.Field).Distinct())}); undoing would lose that edit.",
                    "Nothing was undone. Set the row back to what the import wrote if the edit can go, or undo by hand.", name, g.Key, g.First().Field))
                .Concat(found.Select(f => f.Key).Distinct().Count() > NamedRows
                    ? [BackupIssue.Error(IssueCode.UndoChangedSince, $"{found.Select(f => f.Key).Distinct().Count() - NamedRows} more rows of {name} changed since the import.",
                        "Nothing was undone.", name)]
                    : [])
                .ToList();
        }

        /// <summary>Puts back the fields an update changed: one statement per set of fields, naming only those fields.</summary>
        private async Task RestoreAsync(TableModel model, CancellationToken ct)
        {
            var name = model.Name;
            var sets = new List<string[]>();
            await using (var cmd = new NpgsqlCommand(
                $"SELECT DISTINCT ARRAY(SELECT jsonb_object_keys(detail) ORDER BY 1) FROM {Undo} WHERE tbl = {Sql.Literal(name)} AND action = 'update'", conn, tx))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) sets.Add(reader.GetFieldValue<string[]>(0));
            long restored = 0;
            foreach (var set in sets.Where(s => s.Length > 0))
            {
                var columns = string.Join(", ", set.Select(Sql.Ident));
                var values = string.Join(", ", set.Select(c => $"(u.detail -> {Sql.Literal(c)} ->> 0)::{model.Schema.Column(c)!.Type}"));
                var literal = "ARRAY[" + string.Join(", ", set.Select(Sql.Literal)) + "]::text[]";
                restored += await ExecAsync(
                    $"UPDATE public.{Sql.Ident(name)} x SET ({columns}) = ROW({values}) FROM {Undo} u " +
                    $"WHERE u.tbl = {Sql.Literal(name)} AND u.action = 'update' AND ARRAY(SELECT jsonb_object_keys(u.detail) ORDER BY 1) = {literal} AND {Match(model)}", ct);
            }
            Counts[name] = new UndoCounts(0, restored);
        }

        private async Task ClearDeferredAsync(TableModel model, ImportPlan plan, CancellationToken ct)
        {
            foreach (var deferred in plan.Deferred.Where(d => d.Table == model.Name))
            {
                var column = Sql.Ident(deferred.Reference.Column);
                await ExecAsync($"UPDATE public.{Sql.Ident(model.Name)} x SET {column} = NULL FROM {Undo} u " +
                                $"WHERE u.tbl = {Sql.Literal(model.Name)} AND u.action = 'insert' AND {Match(model)} AND x.{column} IS NOT NULL", ct);
            }
        }

        /// <summary>Removes the rows the import added; a row added since that points at one makes the database refuse.</summary>
        private async Task<BackupIssue?> RemoveAsync(TableModel model, CancellationToken ct)
        {
            var name = model.Name;
            await ExecAsync("SAVEPOINT undo_remove", ct);
            try
            {
                var removed = await ExecAsync($"DELETE FROM public.{Sql.Ident(name)} x USING {Undo} u WHERE u.tbl = {Sql.Literal(name)} AND u.action = 'insert' AND {Match(model)}", ct);
                await ExecAsync("RELEASE SAVEPOINT undo_remove", ct);
                Counts[name] = Counts.GetValueOrDefault(name, new UndoCounts(0, 0)) with { Removed = removed };
                return null;
            }
            catch (PostgresException e)
            {
                await ExecAsync("ROLLBACK TO SAVEPOINT undo_remove", ct);
                return BackupIssue.Error(IssueCode.UndoBlocked,
                    $"Rows of {name} the import added cannot be removed: {e.MessageText}{(e.Detail is { } d ? $" ({d})" : "")}.",
                    "Nothing was undone. Rows added since the import point at them: remove or relink those first, or undo by hand.", name);
            }
        }

        private async Task<Dictionary<string, long>> RowCountsAsync(CancellationToken ct)
        {
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var table in profile.TableNames.Where(models.ContainsKey))
            {
                await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM public.{Sql.Ident(table)}", conn, tx);
                counts[table] = (long)(await cmd.ExecuteScalarAsync(ct))!;
            }
            return counts;
        }

        /// <summary>A removed row must not take others with it (ON DELETE CASCADE from rows added since): the counts must add up.</summary>
        private async Task<IReadOnlyList<BackupIssue>> OthersRemovedAsync(Dictionary<string, long> before, CancellationToken ct)
        {
            var after = await RowCountsAsync(ct);
            return before.Where(b => b.Value - after[b.Key] > (Counts.GetValueOrDefault(b.Key)?.Removed ?? 0))
                .Select(b => BackupIssue.Error(IssueCode.UndoBlocked,
                    $"Removing the rows the import added would also remove {b.Value - after[b.Key] - (Counts.GetValueOrDefault(b.Key)?.Removed ?? 0)} rows of {b.Key} made since.",
                    "Nothing was undone. Those rows point at rows the import added; remove or relink them first, or undo by hand.", b.Key))
                .ToList();
        }

        private async Task<int> ExecAsync(string sql, CancellationToken ct)
        {
            await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
            return await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}
