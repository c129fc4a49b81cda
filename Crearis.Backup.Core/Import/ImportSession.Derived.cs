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
        string Scope(TableModel model, ColumnSchema column) =>
            options.Mode == ImportMode.Merge && !model.Profile.IsLinkCache(column.Name) ? "m.present" : "m.inserted";
        foreach (var model in _prepared.Plan.Order.Where(m => _written.Contains(m.Name) && m.IdColumn is not null))
        {
            // Only what the backup carries: a derived column it lacks is left as the platform's triggers made it.
            var carried = Staged(model.Name).Carried;
            var derived = model.Schema.Writable.Where(c => model.Profile.IsDerived(c.Name) && c.Name != model.IdColumn && carried.Contains(c.Name)).ToList();
            if (derived.Count == 0) continue;
            At(BackupPhase.Derived, model.Name);
            var values = new List<string>();
            var wanted = new List<string>();
            foreach (var column in derived)
            {
                var reference = model.ReferenceOf(column.Name);
                var value = reference is not null ? ResolveExpression(model, reference, column) : "r." + Sql.Ident(column.Name);
                // A link the backup cannot resolve is left as the platform computed it.
                var resolvable = (reference is null ? "true" : $"NOT ({_refs.Unresolved(reference, column.Name, value)})") + CarriedBy(model, column.Name);
                values.Add(value);
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
    /// platform's triggers settle in one more round; three at most).
    /// </summary>
    private async Task RestoreDerivedColumnsAsync(TableModel model, List<ColumnSchema> derived, List<string> values, List<string> wanted,
        CancellationToken ct)
    {
        var name = model.Name;
        var id = Sql.Ident(model.IdColumn!);
        var differs = string.Join(", ", derived.Select((c, i) =>
            $"CASE WHEN {wanted[i]} AND x.{Sql.Ident(c.Name)} IS DISTINCT FROM {values[i]} THEN {i} END"));
        var carriedValues = string.Concat(values.Select((v, i) => $", {v} AS v{i}"));
        var table = Sql.Ident("_drv_" + name);
        for (var round = 0; round < 3; round++)
        {
            await ExecAsync($"CREATE TEMP TABLE {table} ON COMMIT DROP AS SELECT * FROM (SELECT m.dst, array_remove(ARRAY[{differs}], NULL) AS cols{carriedValues} " +
                            $"FROM {Rec(name)} r JOIN {Map(name)} m ON m.line = r.line JOIN public.{Sql.Ident(name)} x ON x.{id} = m.dst " +
                            $"WHERE m.skip IS NULL AND (m.present OR m.inserted)) d WHERE cardinality(d.cols) > 0", ct);
            var sets = await ColumnSetsAsync(table, ct);
            foreach (var set in sets)
            {
                var columns = string.Join(", ", set.Select(i => Sql.Ident(derived[i].Name)));
                var setValues = string.Join(", ", set.Select(i => $"d.v{i}"));
                await ExecAsync($"UPDATE public.{Sql.Ident(name)} x SET ({columns}) = ROW({setValues}) FROM {table} d " +
                                $"WHERE x.{id} = d.dst AND d.cols = {ColumnSet(set)}", ct);
            }
            await ExecAsync($"DROP TABLE {table}", ct);
            if (sets.Count == 0) return;
        }
    }
}
