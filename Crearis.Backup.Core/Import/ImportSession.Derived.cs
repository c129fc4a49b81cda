using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Results;
using Crearis.Backup.Core.Planning;

namespace Crearis.Backup.Core.Import;

/// <summary>Derived columns: the values the platform's triggers maintain, put back where the backup carries them and the platform lets them stand.</summary>
internal sealed partial class ImportSession
{
    /// <summary>
    /// Values that platform triggers maintain (is_user, regio_id, img_* …) depend on the order in which rows were
    /// written, in the source as here. For the rows this run inserted (and, when merging, every matched row, but for the
    /// caches of its links), put back the backup's values wherever the triggers let them stand, so the copy equals its
    /// source; where a trigger recomputes on every write, its value wins.
    /// </summary>
    private async Task RestoreDerivedAsync(CancellationToken ct)
    {
        // Rows this run inserted, and in a merge every matched row too (triggers fired by the merge's writes may pick
        // another of several equal answers, e.g. an instructor's regio), except the caches of a row's links: those the
        // platform recomputed from the merged links, the target's own included, and the backup's list would drop them.
        // (As columns of the backup's values table below: r.m__present, r.m__inserted.)
        string Scope(TableModel model, ColumnSchema column) =>
            options.Mode == ImportMode.Merge && !model.Profile.IsLinkCache(column.Name) ? "r.m__present" : "r.m__inserted";
        foreach (var model in _prepared.Plan.Order.Where(m => _written.Contains(m.Name) && m.IdColumn is not null))
        {
            // Only what the backup carries: a derived column it lacks is left as the platform's triggers made it.
            var carried = Staged(model.Name).Carried;
            var derived = model.Schema.Writable.Where(c => model.Profile.IsDerived(c.Name) && c.Name != model.IdColumn && carried.Contains(c.Name)).ToList();
            if (derived.Count == 0) continue;
            At(BackupPhase.Derived, model.Name);
            var values = new List<string>();
            var wanted = new List<string>();
            foreach (var (column, i) in derived.Select((c, i) => (c, i)))
            {
                var reference = model.ReferenceOf(column.Name);
                values.Add(reference is not null ? ResolveExpression(model, reference, column) : "r." + Sql.Ident(column.Name));
                // A link the backup cannot resolve is left as the platform computed it.
                var resolvable = (reference is null ? "true" : $"NOT ({_refs.Unresolved(reference, column.Name, $"r.val__{i}")})") + CarriedBy(model, column.Name);
                wanted.Add($"{Scope(model, column)} AND {resolvable}");
            }
            await RestoreDerivedColumnsAsync(model, derived, values, wanted, ct);
            _tracker.Report(BackupPhase.Derived, model.Name, 0, 0);
        }
    }

    /// <summary>
    /// Puts back the backup's value in every derived column that differs, in one pass over the table: each row's
    /// differing columns are found first, then one UPDATE per distinct set of them, naming only those columns (a
    /// column named in SET fires its "UPDATE OF" triggers even when its value stays). A trigger fired by such an
    /// update may recompute another derived column, so the comparison runs again until nothing differs (the
    /// platform's triggers settle in one more round; three at most). The backup's values (<paramref name="values"/>,
    /// over the staged row r) are translated once, into a table of their own, with whether each may be written
    /// (<paramref name="wanted"/>, over r.val__i and the map's r.m__present / r.m__inserted).
    /// </summary>
    private async Task RestoreDerivedColumnsAsync(TableModel model, List<ColumnSchema> derived, List<string> values, List<string> wanted,
        CancellationToken ct)
    {
        var name = model.Name;
        var id = Sql.Ident(model.IdColumn!);
        var backup = Sql.Ident("_drvv_" + name);
        // OFFSET 0 keeps PostgreSQL from pulling the inner select up, which would write each translation out again.
        await ExecAsync($"CREATE TEMP TABLE {backup} ON COMMIT DROP AS SELECT r.m__dst AS dst" +
                        string.Concat(derived.Select((_, i) => $", r.val__{i} AS v{i}, coalesce({wanted[i]}, false) AS ok{i}")) +
                        $" FROM (SELECT r.*, m.dst AS m__dst, m.present AS m__present, m.inserted AS m__inserted" +
                        string.Concat(values.Select((v, i) => $", {v} AS val__{i}")) +
                        $" FROM {Rec(name)} r JOIN {Map(name)} m ON m.line = r.line WHERE m.skip IS NULL AND (m.present OR m.inserted) OFFSET 0) r", ct);
        await ExecAsync($"CREATE INDEX ON {backup} (dst)", ct);
        var differs = string.Join(", ", derived.Select((c, i) =>
            $"CASE WHEN b.ok{i} AND x.{Sql.Ident(c.Name)} IS DISTINCT FROM b.v{i} THEN {i} END"));
        var table = Sql.Ident("_drv_" + name);
        for (var round = 0; round < 3; round++)
        {
            await ExecAsync($"CREATE TEMP TABLE {table} ON COMMIT DROP AS SELECT * FROM (SELECT b.dst, array_remove(ARRAY[{differs}], NULL) AS cols " +
                            $"FROM {backup} b JOIN public.{Sql.Ident(name)} x ON x.{id} = b.dst) d WHERE cardinality(d.cols) > 0", ct);
            var sets = await ColumnSetsAsync(table, ct);
            foreach (var set in sets)
            {
                var columns = string.Join(", ", set.Select(i => Sql.Ident(derived[i].Name)));
                var setValues = string.Join(", ", set.Select(i => $"b.v{i}"));
                await ExecAsync($"UPDATE public.{Sql.Ident(name)} x SET ({columns}) = ROW({setValues}) FROM {table} d JOIN {backup} b ON b.dst = d.dst " +
                                $"WHERE x.{id} = d.dst AND d.cols = {ColumnSet(set)}", ct);
            }
            await ExecAsync($"DROP TABLE {table}", ct);
            if (sets.Count == 0) break;
        }
        await ExecAsync($"DROP TABLE {backup}", ct);
    }
}
