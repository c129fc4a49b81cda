using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Crearis.Backup.Core.Import;

/// <summary>Key matching and table writing: one table's id map by natural key, its references translated, new rows inserted and (merge) changed rows updated, set-based.</summary>
internal sealed partial class ImportSession
{
    private sealed record KeyExpr(string Sql, bool IsReference, bool Nullable);

    private async Task RunTableAsync(TableModel model, bool write, CancellationToken ct)
    {
        var name = model.Name;
        var summary = source.Summary.Tables.First(t => t.Table == name);
        var total = summary.Rows;
        var id = model.IdColumn;
        var idType = id is null ? "bigint" : model.Schema.Column(id)!.Type;
        var keys = model.Profile.NaturalKey.Select(k => new KeyExpr(
            k.ReferencedTable is null ? "r." + Sql.Ident(k.Column)
                // Typed as the column: a parent table the backup lacks resolves to a bare NULL, which would be text.
                : $"CAST({_refs.Resolve(ReferenceSpec.To(k.Column, k.ReferencedTable), k.Column, model.Schema.Column(k.Column)!.Type, keyHint: Staged(name).KeyHints.Contains(k.Column))} AS {model.Schema.Column(k.Column)!.Type})",
            k.ReferencedTable is not null, model.Schema.Column(k.Column)!.IsNullable)).ToList();

        // The id map of this table: one row per backup row, with its natural key resolved in the target's terms.
        var keyColumns = string.Concat(keys.Select((k, i) => $", {k.Sql} AS k{i}"));
        var src = id is null ? "NULL::bigint" : $"r.{Sql.Ident(id)}";
        // With the sync ledger, each row also carries its ledger key (the resolved natural key, normalised).
        var ledgerKey = KeysForLedger ? LedgerKeyOfMap(model, "s") : "NULL::jsonb";
        await ExecAsync(
            $"CREATE TEMP TABLE {Map(name)} ON COMMIT DROP AS SELECT s.*, {ledgerKey} AS bkey FROM (SELECT r.line, {src} AS src, NULL::{idType} AS dst, " +
            $"false AS present, false AS inserted, false AS changed, false AS lossy, false AS held, false AS failed, CASE WHEN r.line < 0 THEN {Sql.Literal(ContextRow)} END AS skip{keyColumns} FROM {Rec(name)} r) s", ct);
        // Indexes right away, before any row is updated: an index built over rows this transaction has updated (HOT
        // chains) cannot be used until the transaction ends, and every lookup through the map would scan it.
        await ExecAsync($"CREATE INDEX ON {Map(name)} (src)", ct);
        await ExecAsync($"CREATE INDEX ON {Map(name)} (line)", ct);

        await ValidateKeysAsync(model, keys, write, ct);

        var match = string.Join(" AND ", keys.Select((k, i) =>
        {
            var column = "x." + Sql.Ident(model.Profile.NaturalKey[i].Column);
            // "=" lets PostgreSQL hash or index the match; IS NOT DISTINCT FROM would make it compare every pair.
            // A one-column key is never NULL here (such rows were set aside as KEY_NULL), so "=" is exact.
            if (!k.Nullable || keys.Count == 1) return $"{column} = m.k{i}";
            // A nullable part of a longer key (an interaction's user): IS NOT DISTINCT FROM alone cannot be hashed, and
            // rows that agree on the other parts (the same name and time in many projects) were compared pair by pair.
            // The coalesce equality can be hashed; it is looser than the match (a real value equal to the stand-in
            // pairs with NULL), never stricter, so the IS NOT DISTINCT FROM beside it keeps the match exact.
            var type = model.Schema.Column(model.Profile.NaturalKey[i].Column)!.Type;
            var standIn = type is "integer" or "bigint" or "smallint" ? "-1" : type is "text" ? "''" : null;
            return standIn is null
                ? $"{column} IS NOT DISTINCT FROM m.k{i}"
                : $"coalesce({column}, {standIn}) = coalesce(m.k{i}, {standIn}) AND {column} IS NOT DISTINCT FROM m.k{i}";
        }));
        var dst = id is null ? "NULL" : "x." + Sql.Ident(id);
        await ExecAsync($"UPDATE {Map(name)} m SET present = true, dst = {dst} FROM public.{Sql.Ident(name)} x WHERE m.skip IS NULL AND {match}", ct);
        if (source.Summary.DifferentialBase is not null)
            await ExecAsync($"UPDATE {Map(name)} m SET present = true, dst = {dst} FROM public.{Sql.Ident(name)} x WHERE m.skip = {Sql.Literal(ContextRow)} AND {match}", ct);
        await ExecAsync($"ANALYZE {Map(name)}", ct);
        _mapped.Add(name);
        _tracker.Report(BackupPhase.Map, name, total, total, write ? 0 : total);

        if (!write) return;
        if (total == 0 && source.Summary.DifferentialBase is not null)
        {
            // A differential without changed rows in this table: nothing to write, only its tombstones to match.
            var (gone, goneConflicts) = await MatchTombstonesAsync(model, id is null ? match : $"x.{Sql.Ident(id)} = m.dst", ct);
            _report.Counts[name] = new TableCounts { DeletedThere = gone, Conflicts = goneConflicts };
            await CarryChainBaseRowsAsync(model, ct);
            _written.Add(name);
            _tracker.Report(BackupPhase.Write, name, 0, 0, 0);
            return;
        }

        if (total == 0 && (source.Summary.Filtered || !(options.Mode == ImportMode.Merge && HasBase(name))))
        {
            // No rows, so no columns to stage (a filtered backup's table nothing was selected from): nothing to write,
            // and without a base nothing to compare. (A full backup's empty table with a base goes on: its rows were
            // deleted there.)
            _report.Counts[name] = new TableCounts();
            _written.Add(name);
            _tracker.Report(BackupPhase.Write, name, 0, 0, 0);
            await ListMissingAsync(model, ct);
            return;
        }

        // The table's write starts (the pages show it writing; the rows are counted when it ends).
        _tracker.Report(BackupPhase.Write, name, 0, total, 0);
        // Values to write, references translated; deferred references wait for the late-seeding pass.
        var carried = Staged(name).Carried;
        var writable = model.Schema.Writable.Where(c => !(model.HasSurrogateId && c.Name == id) && carried.Contains(c.Name)).ToList();
        var select = new List<string>();
        // Each reference is translated once, in an inner select ("val__" columns); its value and its "unresolved" flag
        // both read that column (written out twice, the translation's lookups ran twice per row).
        var translated = new List<string>();
        var unresolved = new List<(ReferenceSpec Ref, string Flag)>();
        var partly = Staged(name).PartlyCarried;
        foreach (var column in writable)
        {
            var reference = model.ReferenceOf(column.Name);
            string value;
            if (reference is null && column.Name == id && model.KeepsSourceIdWhenFree)
            {
                // A text surrogate (pages.id, a uuid): the source's id is kept where the target does not use it for
                // another row; otherwise the target makes a new one. References reach it through the id map.
                value = $"CASE WHEN r.{Sql.Ident(id)} IS NULL OR EXISTS (SELECT 1 FROM public.{Sql.Ident(name)} t WHERE t.{Sql.Ident(id)} = r.{Sql.Ident(id)}) " +
                        $"THEN {column.Default} ELSE r.{Sql.Ident(id)} END";
            }
            else if (reference is null) value = "r." + Sql.Ident(column.Name);
            else if (_prepared.Plan.IsDeferred(name, column.Name)) value = $"NULL::{column.Type}";
            else
            {
                var once = Sql.Ident("val__" + column.Name);
                translated.Add($", {ResolveExpression(model, reference, column)} AS {once}");
                value = "r." + once;
                var flag = "unres__" + column.Name;
                select.Add($"{_refs.Unresolved(reference, column.Name, value)} AS {Sql.Ident(flag)}");
                unresolved.Add((reference, flag));
            }
            if (partly.Contains(column.Name))
            {
                // Rows that leave this column out get its default (in a merge: keep the target's value).
                var has = Sql.Ident("has__" + column.Name);
                select.Add($"r.{has}");
                value = $"CASE WHEN r.{has} THEN {value} ELSE {column.Default ?? "NULL"} END";
            }
            select.Add($"{value} AS {Sql.Ident(column.Name)}");
        }
        // OFFSET 0 keeps PostgreSQL from pulling the inner select up, which would write each translation out again.
        await ExecAsync($"CREATE TEMP TABLE {Res(name)} ON COMMIT DROP AS SELECT r.line, {string.Join(", ", select)} " +
                        $"FROM (SELECT r.*{string.Concat(translated)} FROM {Rec(name)} r OFFSET 0) r", ct);
        await ExecAsync($"CREATE INDEX ON {Res(name)} (line)", ct);
        foreach (var (reference, flag) in unresolved)
            await ReportUnresolvedAsync(model, reference, flag, summary, ct);

        // What a merge compares: the written columns but the id, the key, derived ones and links closed later.
        var keyColumnNames = model.Profile.NaturalKey.Select(k => k.Column).ToHashSet(StringComparer.Ordinal);
        var compared = writable.Where(c => c.Name != id && !keyColumnNames.Contains(c.Name) &&
                                           !model.Profile.IsDerived(c.Name) && !_prepared.Plan.IsDeferred(name, c.Name)).ToList();
        var threeWay = options.Mode == ImportMode.Merge && HasBase(name);
        var counts = new TableCounts();
        if (threeWay)
        {
            var (deletedHere, conflicts) = await HoldDeletedHereAsync(model, compared, ct);
            _report.Undecided += await UndecidedRowConflictsAsync(DeletedHereRows(name), ct);
            counts = counts with { DeletedHere = deletedHere, Conflicts = conflicts };
        }

        var insertColumns = string.Join(", ", writable.Select(c => Sql.Ident(c.Name)));
        var insertValues = string.Join(", ", writable.Select(c => "v." + Sql.Ident(c.Name)));
        var newRows = $"FROM {Res(name)} v JOIN {Map(name)} m ON m.line = v.line WHERE m.skip IS NULL AND NOT m.present AND NOT m.held";
        var inserted = await InsertNewRowsAsync(model,
            filter => $"INSERT INTO public.{Sql.Ident(name)} ({insertColumns}) SELECT {insertValues} {newRows}{filter} ORDER BY v.line", newRows, ct);

        // The rows just written get their target ids.
        await ExecAsync($"UPDATE {Map(name)} m SET present = true, inserted = true, dst = {dst} FROM public.{Sql.Ident(name)} x " +
                        $"WHERE m.skip IS NULL AND NOT m.present AND {match}", ct);

        long updated = 0;
        if (options.Mode == ImportMode.Merge)
        {
            if (compared.Count > 0)
            {
                var newValues = compared.Select(c => MergedValue(c, unresolved.Any(u => u.Ref.Column == c.Name), partly.Contains(c.Name))).ToList();
                var rowMatch = id is null ? match : $"x.{Sql.Ident(id)} = m.dst";
                var joins = "";
                if (threeWay)
                {
                    joins = await FindConflictsAsync(model, compared, newValues, rowMatch, ct);
                    var (all, undecided) = await ListCellConflictsAsync(model, compared, newValues, rowMatch, ct);
                    _report.Undecided += undecided;
                    counts = counts with { Conflicts = counts.Conflicts + all };
                    newValues = compared.Select((c, i) => ThreeWayValue(model, c, i, newValues[i])).ToList();
                }
                updated = await UpdateChangedColumnsAsync(model, compared, newValues, rowMatch, ct, joins);
            }
            // A filtered backup leaves rows out because they were not selected: none of them reads as deleted there.
            if (threeWay && source.Summary.DifferentialBase is null && !source.Summary.Filtered)
            {
                var (deletedThere, conflicts) = await FindDeletedThereAsync(model, compared, ct);
                counts = counts with { DeletedThere = deletedThere, Conflicts = counts.Conflicts + conflicts };
            }
        }
        if (source.Summary.DifferentialBase is not null)
        {
            var (gone, goneConflicts) = await MatchTombstonesAsync(model, id is null ? match : $"x.{Sql.Ident(id)} = m.dst", ct);
            counts = counts with { DeletedThere = gone, Conflicts = counts.Conflicts + goneConflicts };
        }
        await RecordBaseRowsAsync(model, writable, ct);
        _written.Add(name);
        await RefreshStatisticsAsync(name, inserted + updated, ct);
        var skipped = await ScalarAsync($"SELECT count(*) FROM {Map(name)} WHERE skip IS NOT NULL AND skip <> {Sql.Literal(ContextRow)} AND NOT failed", ct);
        // Rows the database refused (continue-on-error) are failed, not skipped: they were tried and not written.
        var failed = await ScalarAsync($"SELECT count(*) FROM {Map(name)} WHERE failed", ct);
        _report.Counts[name] = counts with
        {
            Total = total, Inserted = inserted, Updated = updated, Skipped = skipped, Failed = failed,
            Unchanged = total - inserted - updated - skipped - failed,
        };
        if (skipped + failed > 0) _report.Skipped = true;
        await JournalRowsAsync(model, writable, ct);
        _tracker.Report(BackupPhase.Write, name, total, total, total);
        await ListMissingAsync(model, ct);
    }

    /// <summary>
    /// Updates the rows whose values differ, writing only the columns that changed: one statement per distinct set of
    /// changed columns. Naming an unchanged column in SET would fire the platform's "UPDATE OF column" triggers, which
    /// the source's own edit never fired (a changed username must not recompute an instructor's regio). Before writing,
    /// hands the changed rows to the journal and keeps a few as examples (ImportSession.Journal.cs).
    /// </summary>
    private async Task<long> UpdateChangedColumnsAsync(TableModel model, List<ColumnSchema> compared, List<string> newValues,
        string rowMatch, CancellationToken ct, string joins = "")
    {
        var name = model.Name;
        var matched = $"FROM {Res(name)} v JOIN {Map(name)} m ON m.line = v.line{joins} WHERE m.skip IS NULL AND m.present AND NOT m.inserted";
        var changedColumns = string.Join(", ", compared.Select((c, i) => $"CASE WHEN x.{Sql.Ident(c.Name)} IS DISTINCT FROM {newValues[i]} THEN {i} END"));
        await ExecAsync($"CREATE TEMP TABLE {Chg(name)} ON COMMIT DROP AS SELECT m.line, array_remove(ARRAY[{changedColumns}], NULL) AS cols " +
                        $"FROM public.{Sql.Ident(name)} x, {Res(name)} v JOIN {Map(name)} m ON m.line = v.line{joins} " +
                        $"WHERE m.skip IS NULL AND m.present AND NOT m.inserted AND {rowMatch}", ct);
        await ExecAsync($"DELETE FROM {Chg(name)} WHERE cardinality(cols) = 0", ct);
        await CollectChangesAsync(model, compared, newValues, rowMatch, ct, joins);
        var sets = await ColumnSetsAsync(Chg(name), ct);
        if (sets.Count == 0) return 0;
        await ExecAsync($"CREATE INDEX ON {Chg(name)} (cols)", ct);

        long updated = 0;
        foreach (var set in sets)
        {
            var columns = string.Join(", ", set.Select(i => Sql.Ident(compared[i].Name)));
            var values = string.Join(", ", set.Select(i => newValues[i]));
            var rows = $"{matched} AND m.line IN (SELECT c.line FROM {Chg(name)} c WHERE c.cols = {ColumnSet(set)})";
            updated += await ApplyAsync(model, filter =>
                $"WITH changed AS (UPDATE public.{Sql.Ident(name)} x SET ({columns}) = ROW({values}) " +
                $"{rows} AND {rowMatch}{filter} " +
                $"RETURNING m.line) UPDATE {Map(name)} mm SET changed = true FROM changed c WHERE mm.line = c.line", rows, ct);
        }
        await ExecAsync($"DROP TABLE {Chg(name)}", ct);
        return updated;
    }

    /// <summary>
    /// The value a merge writes into a column: the backup's, except where the backup cannot say more than the target
    /// holds — a link it cannot resolve keeps the target's link; from the original format, a timestamp it carries only
    /// to the millisecond (JavaScript dates) or a text it wrote as a number keeps the target's value where both agree.
    /// </summary>
    private string MergedValue(ColumnSchema column, bool isReference, bool partlyCarried)
    {
        var value = MergedValue(column, isReference);
        // A row that leaves the column out keeps the target's value.
        return partlyCarried ? $"CASE WHEN v.{Sql.Ident("has__" + column.Name)} THEN {value} ELSE x.{Sql.Ident(column.Name)} END" : value;
    }

    private string MergedValue(ColumnSchema column, bool isReference)
    {
        var (x, v) = ("x." + Sql.Ident(column.Name), "v." + Sql.Ident(column.Name));
        if (isReference) return $"CASE WHEN v.{Sql.Ident("unres__" + column.Name)} THEN {x} ELSE {v} END";
        if (source.Summary.Format != BackupFormat.Original) return v;
        if (column.Type.StartsWith("timestamp", StringComparison.Ordinal))
            return $"CASE WHEN date_trunc('milliseconds', {x}) = {v} THEN {x} ELSE {v} END";
        // The original exporter wrote numeric-looking text as a number ('01097' → 1097): the same number is no change.
        if (column.IsText && !column.IsArray)
            return $"CASE WHEN {x} ~ '^-?[0-9]{{1,30}}([.][0-9]{{1,30}})?$' AND {v} ~ '^-?[0-9]{{1,30}}([.][0-9]{{1,30}})?$' " +
                   $"AND {x}::numeric = {v}::numeric THEN {x} ELSE {v} END";
        return v;
    }

    private string ResolveExpression(TableModel model, ReferenceSpec reference, ColumnSchema column)
    {
        CompositeField[]? fields = null;
        if (reference.Shape == ReferenceShape.CompositeFields)
            fields = _prepared.Catalog.Composite(column.UdtName)!.Fields.Select(f => new CompositeField(f.Name, f.Type)).ToArray();
        return $"CAST({_refs.Resolve(reference, column.Name, column.Type, fields, Staged(model.Name).KeyHints.Contains(column.Name))} AS {column.Type})";
    }

    /// <summary>
    /// Runs one set-based statement (an insert or an update of the rows <paramref name="candidates"/> selects, as
    /// "FROM … v JOIN … m … WHERE …"); if the database refuses it, runs it again row by row, each in its own savepoint,
    /// to name every row it refuses and go on with the others. Returns the rows written.
    /// </summary>
    private async Task<long> ApplyAsync(TableModel model, Func<string, string> statement, string candidates, CancellationToken ct)
    {
        var name = model.Name;
        await _phases.CreateSavepointAsync("bulk_write", ct);
        try
        {
            var n = await ExecAsync(statement(""), ct);
            await _phases.ReleaseSavepointAsync("bulk_write", ct);
            return n;
        }
        catch (PostgresException e)
        {
            await _phases.RollbackToSavepointAsync("bulk_write", ct);
            _log.LogDebug("Writing {Table} set-based was refused ({Message}); naming the rows one by one", name, e.MessageText);
        }

        var lines = new List<long>();
        await using (var cmd = new NpgsqlCommand($"SELECT v.line {candidates} ORDER BY v.line", conn, _tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) lines.Add(reader.GetInt64(0));
        long written = 0;
        var failed = 0;
        foreach (var line in lines)
        {
            await _phases.CreateSavepointAsync("row_write", ct);
            try
            {
                written += await ExecAsync(statement($" AND v.line = {line}"), ct);
                await _phases.ReleaseSavepointAsync("row_write", ct);
            }
            catch (PostgresException e)
            {
                await _phases.RollbackToSavepointAsync("row_write", ct);
                var key = await KeyOfLineAsync(model, line, ct);
                var issue = await _describe.DescribeAsync(e, BackupPhase.Write, name, key: key, ct: ct);
                var lossy = await ScalarAsync($"SELECT count(*) FROM {Map(name)} WHERE line = {line} AND lossy", ct) > 0;
                if (lossy)
                {
                    // The row lost a link the original format could not carry, and the platform refuses it without.
                    _report.Skipped = true;
                    _report.Warnings.Add(BackupIssue.Warning(IssueCode.RefNotInFile,
                        $"{name} {key}: skipped, because a link the backup cannot carry is required here ({e.MessageText}).",
                        "Create this row by hand after the import, or export with Crearis Backup Admin, which keeps every link.",
                        name, key, e.ColumnName));
                }
                else if (failed++ < ImportReport.ListedPerCode) _report.Errors.Add(issue);
                await ExecAsync($"UPDATE {Map(name)} SET skip = {Sql.Literal((lossy ? IssueCode.RefNotInFile : issue.Code).Wire)}, failed = {(lossy ? "false" : "true")} WHERE line = {line}", ct);
            }
        }
        return written;
    }
}
