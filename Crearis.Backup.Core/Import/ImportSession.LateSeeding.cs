using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Import;

/// <summary>Late seeding: the links that close cycles, written as soon as the table they point at exists.</summary>
internal sealed partial class ImportSession
{
    /// <summary>
    /// Closes the cycles: once <paramref name="written"/> exists, every deferred reference pointing at it (from tables
    /// already written) is filled, so that triggers further on see the links (a published event needs its
    /// instructor's is_user, which the users → instructors link sets). The links of one table that become ready
    /// together are written in one pass (<see cref="SeedLinksAsync"/>).
    /// </summary>
    private async Task LateSeedAsync(TableModel written, CancellationToken ct)
    {
        var ready = _prepared.Plan.Deferred.Where(deferred =>
        {
            if (!_written.Contains(deferred.Table)) return false;
            var reference = deferred.Reference;
            if (!reference.TargetTables.All(t => _mapped.Contains(t))) return false;
            if (!reference.TargetTables.Contains(written.Name) && deferred.Table != written.Name) return false;
            var model = _prepared.Models[deferred.Table];
            return model.IdColumn is not null && Staged(model.Name).Carried.Contains(reference.Column);
        });
        foreach (var table in ready.GroupBy(d => d.Table))
            await SeedLinksAsync(_prepared.Models[table.Key], table.Select(d => d.Reference).ToList(), ct);
    }

    /// <summary>
    /// Writes the deferred links <paramref name="references"/> of one table in one pass: each row's links that differ
    /// are found first, then one UPDATE per distinct set of them, naming only those columns (the table's own
    /// updated_at trigger must not count as a change, and "UPDATE OF column" triggers must fire only for links that
    /// change). One pass instead of one per link matters beyond its own cost: every update leaves a row version the
    /// transaction cannot prune, and the platform's triggers that scan the table later (an instructor's regio scans
    /// the projects) pass every one of them.
    /// </summary>
    private async Task SeedLinksAsync(TableModel model, List<ReferenceSpec> references, CancellationToken ct)
    {
        var name = model.Name;
        var id = Sql.Ident(model.IdColumn!);
        var scope = options.Mode == ImportMode.Merge ? "m.present" : "m.inserted";
        At(BackupPhase.LateSeed, name, references[0].Column);
        var values = references.Select(r => ResolveExpression(model, r, model.Schema.Column(r.Column)!)).ToList();
        // Each link is translated once, in the inner select (r.val__i), and read from there by the comparison, the
        // unresolved check and the value kept; OFFSET 0 keeps PostgreSQL from writing the translation out again.
        var differs = string.Join(", ", references.Select((r, i) =>
            $"CASE WHEN NOT ({_refs.Unresolved(r, r.Column, $"r.val__{i}")}){CarriedBy(model, r.Column)} " +
            $"AND x.{Sql.Ident(r.Column)} IS DISTINCT FROM r.val__{i} THEN {i} END"));
        var table = Sql.Ident("_late_" + name);
        await ExecAsync($"CREATE TEMP TABLE {table} ON COMMIT DROP AS SELECT * FROM (SELECT r.line, r.m__dst AS dst, array_remove(ARRAY[{differs}], NULL) AS cols" +
                        string.Concat(values.Select((_, i) => $", r.val__{i} AS v{i}")) +
                        $" FROM (SELECT r.*, m.dst AS m__dst{string.Concat(values.Select((v, i) => $", {v} AS val__{i}"))} " +
                        $"FROM {Rec(name)} r JOIN {Map(name)} m ON m.line = r.line WHERE m.skip IS NULL AND {scope} OFFSET 0) r " +
                        $"JOIN public.{Sql.Ident(name)} x ON x.{id} = r.m__dst) d WHERE cardinality(d.cols) > 0", ct);
        long changed = 0;
        foreach (var set in await ColumnSetsAsync(table, ct))
        {
            var columns = string.Join(", ", set.Select(i => Sql.Ident(references[i].Column)));
            var setValues = string.Join(", ", set.Select(i => $"d.v{i}"));
            changed += await ExecAsync(
                $"WITH u AS (UPDATE public.{Sql.Ident(name)} x SET ({columns}) = ROW({setValues}) FROM {table} d " +
                $"WHERE x.{id} = d.dst AND d.cols = {ColumnSet(set)} RETURNING d.line) " +
                $"UPDATE {Map(name)} mm SET changed = true FROM u WHERE mm.line = u.line AND NOT mm.inserted", ct);
        }
        await ExecAsync($"DROP TABLE {table}", ct);
        // Reported when done, like every step, so that time can be charged to it (the benchmark's profile): the pass
        // is charged to its first link.
        foreach (var reference in references) _tracker.Report(BackupPhase.LateSeed, $"{name}.{reference.Column}", 0, 0);

        foreach (var (reference, value) in references.Zip(values))
        {
            At(BackupPhase.LateSeed, name, reference.Column);
            if (reference.Shape == ReferenceShape.CompositeFields && reference.Target == name)
            {
                // Row triggers that derive values from this column read the stored row (images.root_id follows the
                // stored variations chain), so touch the rows once more now that every link is in place.
                await ExecAsync($"UPDATE public.{Sql.Ident(name)} x SET {Sql.Ident(reference.Column)} = x.{Sql.Ident(reference.Column)} " +
                                $"FROM {Map(name)} m WHERE x.{id} = m.dst AND m.skip IS NULL AND {scope} AND x.{Sql.Ident(reference.Column)} IS NOT NULL", ct);
            }
            var lost = await ScalarAsync(
                $"SELECT count(*) FROM {Rec(name)} r JOIN {Map(name)} m ON m.line = r.line WHERE m.skip IS NULL AND {scope} AND {_refs.Unresolved(reference, reference.Column, value)}", ct);
            if (lost > 0)
                _report.Warnings.Add(BackupIssue.Warning(IssueCode.RefUnresolvedNulled,
                    $"{name}: {lost} rows keep no {reference.Column} link, because the {string.Join("/", reference.TargetTables)} rows it points at are neither in the backup nor in this database (or the backup carries no ids for them).",
                    "Set these links by hand after the import.", name, null, reference.Column));
        }
        if (changed > 0 && _report.Counts.TryGetValue(name, out var c))
        {
            var updated = await ScalarAsync($"SELECT count(*) FROM {Map(name)} WHERE changed", ct);
            _report.Counts[name] = c with { Updated = updated, Unchanged = c.Total - c.Inserted - updated - c.Skipped };
        }
    }
}
