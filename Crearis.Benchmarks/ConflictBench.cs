using System.Diagnostics;
using System.Globalization;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Import;
using Npgsql;

namespace Crearis.Benchmarks;

/// <summary>What the three-way merge step measured: the two dry runs, the seeded conflicts and what the merge found.</summary>
internal sealed record ConflictRun(PhaseResult ThreeWay, PhaseResult TwoWay, TimeSpan Export, Dictionary<string, long> Seeded,
    Dictionary<string, long> Found, long Listed, long Wrong, long OneSidedSource, long OneSidedTarget);

internal sealed partial class Bench
{
    private const string ThreeWayPhase = "conflicts: dry-run merge, three-way";
    private const string TwoWayPhase = "conflicts: dry-run merge, two-way";

    /// <summary>
    /// The admins' round trip at scale: our target imported the source's backup (the merge base); then 1% of the rows
    /// of users, events, posts and locations change on both sides (the same field, differently: a conflict each), 1%
    /// only in the source and 1% only in the target (no conflict). Rows are picked by a hash of the field's value,
    /// which is the same on both sides after the import. The source is exported again and merged into the target as a
    /// dry run, three-way and two-way; the difference is what conflict detection costs.
    /// </summary>
    private async Task<ConflictRun> MeasureConflictsAsync(string sourceCs, string targetCs, string file, long rows, CancellationToken ct)
    {
        Log("Changing 1% of the rows on both sides, 1% only in the source, 1% only in our target ...");
        var seeded = new Dictionary<string, long>(StringComparer.Ordinal);
        long onlySource = 0, onlyTarget = 0;
        foreach (var (table, column) in ChangedColumns)
        {
            // The buckets are read from the values before the edit (one statement per side): an edited value hashes anew.
            var bucket = $"abs(hashtext(\"{column}\")) % 100";
            seeded[table] = (long)(await ScalarAsync(sourceCs, $"SELECT count(*) FROM public.\"{table}\" WHERE {bucket} = 1", ct))!;
            onlySource += (long)(await ScalarAsync(sourceCs, $"SELECT count(*) FROM public.\"{table}\" WHERE {bucket} = 2", ct))!;
            onlyTarget += (long)(await ScalarAsync(targetCs, $"SELECT count(*) FROM public.\"{table}\" WHERE {bucket} = 3", ct))!;
            var inSource = await UpdateAsync(sourceCs, $"UPDATE public.\"{table}\" SET \"{column}\" = \"{column}\" || " +
                $"CASE WHEN {bucket} = 1 THEN ' (edited in the source)' ELSE ' (source only)' END WHERE {bucket} IN (1, 2)", ct);
            var inTarget = await UpdateAsync(targetCs, $"UPDATE public.\"{table}\" SET \"{column}\" = \"{column}\" || " +
                $"CASE WHEN {bucket} = 1 THEN ' (edited in the target)' ELSE ' (target only)' END WHERE {bucket} IN (1, 3)", ct);
            var pickedInTarget = inTarget - (long)(await ScalarAsync(targetCs, $"SELECT count(*) FROM public.\"{table}\" WHERE \"{column}\" LIKE '% (target only)'", ct))!;
            if (pickedInTarget != seeded[table] || inSource == 0)
                throw new BenchException($"{table}: {seeded[table]} rows picked in the source, {pickedInTarget} in the target");
        }
        await ExecAsync(sourceCs, "VACUUM ANALYZE", ct);
        await ExecAsync(targetCs, "VACUUM ANALYZE", ct);
        Log($"Seeded {seeded.Values.Sum():N0} conflicts, {onlySource:N0} edits only in the source, {onlyTarget:N0} only in the target; exporting the source ...");
        var clock = Stopwatch.StartNew();
        var export = await BackupExporter.ExportAsync(sourceCs, file, new ExportOptions(Description: "benchmark: conflicts"), ct: ct);
        if (!export.Succeeded) throw new BenchException("the second export failed: " + string.Join("; ", export.Issues));
        var exportTime = clock.Elapsed;

        if (options.LogSlowMs is { } slowMs) await EnableSlowLogAsync(slowMs, ct);
        // Three-way first: the second run finds the caches warmer, so the overhead measured is if anything too high.
        Log("Merging it into our target as a dry run, three-way ...");
        var (threeWay, threeWayPhase) = await TimedImportAsync(ThreeWayPhase, targetCs, file, ImportMode.Merge, new StepTimer(), new ImportProfile(), rows, ct,
            new ImportOptions(ImportMode.Merge, DryRun: true));
        Log("Merging it into our target as a dry run, two-way ...");
        var (twoWay, twoWayPhase) = await TimedImportAsync(TwoWayPhase, targetCs, file, ImportMode.Merge, new StepTimer(), new ImportProfile(), rows, ct,
            new ImportOptions(ImportMode.Merge, DryRun: true) { ThreeWay = false });
        if (options.LogSlowMs is not null) await DisableSlowLogAsync(ct);
        if (twoWay is null || threeWay is null) throw new BenchException("a conflicts dry run did not finish");
        if (threeWay.MergeBase is null) throw new BenchException("the three-way merge found no base: " + string.Join("; ", threeWay.Warnings));

        var found = threeWay.Tables.Where(t => t.Value.Conflicts > 0).ToDictionary(t => t.Key, t => t.Value.Conflicts, StringComparer.Ordinal);
        // Every listed conflict must be one the benchmark seeded: the picked field, edited on both sides.
        var columns = ChangedColumns.ToDictionary(c => c.Table, c => c.Column, StringComparer.Ordinal);
        var wrong = threeWay.Conflicts.LongCount(c => c.Kind != ConflictKind.BothChanged || !columns.TryGetValue(c.Table, out var column) ||
                                                     c.Column != column || c.Target?.EndsWith(" (edited in the target)", StringComparison.Ordinal) != true ||
                                                     c.Backup?.EndsWith(" (edited in the source)", StringComparison.Ordinal) != true);
        foreach (var (table, count) in seeded)
            if (found.GetValueOrDefault(table) != count)
                _failures.Add($"conflicts: {table}: {found.GetValueOrDefault(table):N0} found, {count:N0} seeded");
        foreach (var table in found.Keys.Where(t => !seeded.ContainsKey(t)))
            _failures.Add($"conflicts: {table}: {found[table]:N0} found where none was seeded");
        if (wrong > 0) _failures.Add($"conflicts: {wrong:N0} listed conflict(s) are not the seeded ones");
        return new ConflictRun(threeWayPhase, twoWayPhase, exportTime, seeded, found, threeWay.Conflicts.Count, wrong, onlySource, onlyTarget);
    }

    private static async Task<long> UpdateAsync(string cs, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static void PrintConflicts(ConflictRun run)
    {
        string S(TimeSpan t) => t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        var overhead = run.TwoWay.Time.TotalSeconds > 0 ? run.ThreeWay.Time.TotalSeconds / run.TwoWay.Time.TotalSeconds - 1 : 0;
        Console.WriteLine("three-way merge (1% of users/events/posts/locations edited on both sides, 1% only in the source, 1% only in our target):");
        Console.WriteLine($"  seeded conflicts {run.Seeded.Values.Sum(),9:N0}  ({string.Join(", ", run.Seeded.Select(s => $"{s.Key} {s.Value:N0}"))})");
        Console.WriteLine($"  found            {run.Found.Values.Sum(),9:N0}  ({string.Join(", ", run.Found.Select(s => $"{s.Key} {s.Value:N0}"))}); listed {run.Listed:N0}, " +
                          $"not seeded {run.Wrong:N0}");
        Console.WriteLine($"  one-sided edits  {run.OneSidedSource,9:N0} in the source, {run.OneSidedTarget:N0} in our target (never conflicts)");
        Console.WriteLine($"  second export {S(run.Export)} s; dry-run merge two-way {S(run.TwoWay.Time)} s, three-way {S(run.ThreeWay.Time)} s: " +
                          $"conflict detection adds {overhead.ToString("P0", CultureInfo.InvariantCulture)} (target: <= 25%)");
    }
}
