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
    /// instructor's is_user, which the users → instructors link sets).
    /// </summary>
    private async Task LateSeedAsync(TableModel written, CancellationToken ct)
    {
        foreach (var deferred in _prepared.Plan.Deferred)
        {
            if (!_written.Contains(deferred.Table)) continue;
            var reference = deferred.Reference;
            if (!reference.TargetTables.All(t => _mapped.Contains(t))) continue;
            if (!reference.TargetTables.Contains(written.Name) && deferred.Table != written.Name) continue;
            var model = _prepared.Models[deferred.Table];
            if (model.IdColumn is null || !Staged(model.Name).Carried.Contains(reference.Column)) continue;
            var column = model.Schema.Column(reference.Column)!;
            At(BackupPhase.LateSeed, model.Name, reference.Column);
            var value = ResolveExpression(model, reference, column);
            var scope = options.Mode == ImportMode.Merge ? "m.present" : "m.inserted";
            var id = Sql.Ident(model.IdColumn);
            // The table's own updated_at trigger must not count as a change: compare the link only.
            var sql = $"WITH v AS (SELECT m.line, m.dst, {value} AS val, {_refs.Unresolved(reference, reference.Column, value)} AS unresolved " +
                      $"FROM {Rec(model.Name)} r JOIN {Map(model.Name)} m ON m.line = r.line WHERE m.skip IS NULL AND {scope}{CarriedBy(model, reference.Column)}), " +
                      $"u AS (UPDATE public.{Sql.Ident(model.Name)} x SET {Sql.Ident(reference.Column)} = v.val FROM v " +
                      $"WHERE x.{id} = v.dst AND NOT v.unresolved AND x.{Sql.Ident(reference.Column)} IS DISTINCT FROM v.val RETURNING v.line) " +
                      $"UPDATE {Map(model.Name)} mm SET changed = true FROM u WHERE mm.line = u.line AND NOT mm.inserted RETURNING mm.line";
            var changed = await ExecAsync(sql, ct);
            // Reported when done, like every step, so that time can be charged to it (the benchmark's profile).
            _tracker.Report(BackupPhase.LateSeed, $"{model.Name}.{reference.Column}", 0, 0);
            if (reference.Shape == ReferenceShape.CompositeFields && reference.Target == model.Name)
            {
                // Row triggers that derive values from this column read the stored row (images.root_id follows the
                // stored variations chain), so touch the rows once more now that every link is in place.
                await ExecAsync($"UPDATE public.{Sql.Ident(model.Name)} x SET {Sql.Ident(reference.Column)} = x.{Sql.Ident(reference.Column)} " +
                                $"FROM {Map(model.Name)} m WHERE x.{id} = m.dst AND m.skip IS NULL AND {scope} AND x.{Sql.Ident(reference.Column)} IS NOT NULL", ct);
            }
            if (changed > 0 && _report.Counts.TryGetValue(model.Name, out var c))
            {
                var updated = await ScalarAsync($"SELECT count(*) FROM {Map(model.Name)} WHERE changed", ct);
                _report.Counts[model.Name] = c with { Updated = updated, Unchanged = c.Total - c.Inserted - updated - c.Skipped };
            }
            var lost = await ScalarAsync(
                $"SELECT count(*) FROM {Rec(model.Name)} r JOIN {Map(model.Name)} m ON m.line = r.line WHERE m.skip IS NULL AND {scope} AND {_refs.Unresolved(reference, reference.Column, value)}", ct);
            if (lost > 0)
                _report.Warnings.Add(BackupIssue.Warning(IssueCode.RefUnresolvedNulled,
                    $"{model.Name}: {lost} rows keep no {reference.Column} link, because the {string.Join("/", reference.TargetTables)} rows it points at are neither in the backup nor in this database (or the backup carries no ids for them).",
                    "Set these links by hand after the import.", model.Name, null, reference.Column));
        }
    }
}
