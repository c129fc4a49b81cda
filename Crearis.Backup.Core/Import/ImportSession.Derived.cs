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
            // One column at a time: triggers fire on "UPDATE OF column" whether or not its value changes.
            foreach (var column in derived)
            {
                At(BackupPhase.Derived, model.Name, column.Name);
                var reference = model.ReferenceOf(column.Name);
                var value = reference is not null ? ResolveExpression(model, reference, column) : "r." + Sql.Ident(column.Name);
                // A link the backup cannot resolve is left as the platform computed it.
                var resolvable = (reference is null ? "true" : $"NOT ({_refs.Unresolved(reference, column.Name, value)})") + CarriedBy(model, column.Name);
                var name = Sql.Ident(column.Name);
                await ExecAsync(
                    $"UPDATE public.{Sql.Ident(model.Name)} x SET {name} = v.val FROM (SELECT m.dst, {value} AS val FROM {Rec(model.Name)} r " +
                    $"JOIN {Map(model.Name)} m ON m.line = r.line WHERE {Scope(model, column)} AND m.skip IS NULL AND {resolvable}) v " +
                    $"WHERE x.{Sql.Ident(model.IdColumn!)} = v.dst AND x.{name} IS DISTINCT FROM v.val", ct);
            }
            _tracker.Report(BackupPhase.Derived, model.Name, 0, 0);
        }
    }
}
