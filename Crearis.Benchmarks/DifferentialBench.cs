using System.Diagnostics;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Format.Crearis;
using Npgsql;

namespace Crearis.Benchmarks;

/// <summary>What the differential step measured (--differential).</summary>
internal sealed record DifferentialRun(long Rows, long Updated, long Deleted, TimeSpan FullTime, long FullBytes, TimeSpan DiffTime, long DiffBytes,
    long DiffRows, long Tombstones, TimeSpan CombineTime, MemoryPeak CombineMemory, IReadOnlyList<string> CombineDiffers);

internal sealed partial class Bench
{
    /// <summary>Leaf tables (nothing refers to their rows) where the differential step deletes 0.1% of the rows.</summary>
    private static readonly string[] DeletedFrom = ["events_tags", "posts_tags", "project_members", "event_instructors", "interactions"];

    /// <summary>
    /// Differential backups at scale: a full export X (the base); then about 1% of the rows change (a field of every
    /// 100th row of every table with an id and a text column) and 0.1% of the rows of the leaf tables are deleted; then,
    /// from the same data, a differential against X and a full export F, timed. combine(X, D) is compared with F table by
    /// table, row for row.
    /// </summary>
    private async Task<DifferentialRun> MeasureDifferentialAsync(string sourceCs, string folder, CancellationToken ct)
    {
        var basePath = Path.Combine(folder, "diff-base.tar.gz");
        var diffPath = Path.Combine(folder, "diff.tar.gz");
        var fullPath = Path.Combine(folder, "diff-full.tar.gz");
        var combinedPath = Path.Combine(folder, "diff-combined.tar.gz");
        Log("Differential: full export (the base) ...");
        var x = await BackupExporter.ExportAsync(sourceCs, basePath, new ExportOptions(Description: "benchmark: differential base"), ct: ct);
        if (!x.Succeeded) throw new BenchException("base export failed: " + string.Join("; ", x.Issues));

        // About 1% of all rows changed (spread over users, events, posts and locations) and 0.1% deleted (from the
        // leaf tables), picked by a hash of the id or row, so the same rows every run.
        long updated = 0, deleted = 0;
        await using (var conn = new NpgsqlConnection(sourceCs))
        {
            await conn.OpenAsync(ct);
            async Task<long> CountAsync(IEnumerable<string> tables)
            {
                long n = 0;
                foreach (var table in tables)
                {
                    await using var count = new NpgsqlCommand($"SELECT count(*) FROM public.\"{table}\"", conn);
                    n += (long)(await count.ExecuteScalarAsync(ct))!;
                }
                return n;
            }
            var total = x.TotalRows;
            var changeShare = Math.Min(10000, 100L * total / Math.Max(1, await CountAsync(ChangedColumns.Select(c => c.Table))));
            var deleteShare = Math.Min(10000, 10L * total / Math.Max(1, await CountAsync(DeletedFrom)));
            foreach (var (table, column) in ChangedColumns)
            {
                await using var cmd = new NpgsqlCommand(
                    $"UPDATE public.\"{table}\" SET \"{column}\" = \"{column}\" || ' (diff)' WHERE abs(hashtext(id::text)) % 10000 < {changeShare} AND \"{column}\" IS NOT NULL", conn) { CommandTimeout = 0 };
                updated += await cmd.ExecuteNonQueryAsync(ct);
            }
            foreach (var table in DeletedFrom)
            {
                await using var cmd = new NpgsqlCommand(
                    $"DELETE FROM public.\"{table}\" t WHERE abs(hashtext(t::text)) % 10000 < {deleteShare}", conn) { CommandTimeout = 0 };
                deleted += await cmd.ExecuteNonQueryAsync(ct);
            }
        }
        Log($"Differential: {updated:N0} rows updated, {deleted:N0} deleted; VACUUM ANALYZE + CHECKPOINT (not timed) ...");
        await ExecAsync(sourceCs, "VACUUM ANALYZE", ct);
        await ExecAsync(sourceCs, "CHECKPOINT", ct);

        Log("Differential: export against the base ...");
        var clock = Stopwatch.StartNew();
        var d = await BackupExporter.ExportAsync(sourceCs, diffPath, new ExportOptions(Description: "benchmark: differential") { Base = basePath }, ct: ct);
        var diffTime = clock.Elapsed;
        if (!d.Succeeded) throw new BenchException("differential export failed: " + string.Join("; ", d.Issues));
        Log("Differential: full export of the same data ...");
        clock.Restart();
        var f = await BackupExporter.ExportAsync(sourceCs, fullPath, new ExportOptions(Description: "benchmark: full beside the differential"), ct: ct);
        var fullTime = clock.Elapsed;
        if (!f.Succeeded) throw new BenchException("full export failed: " + string.Join("; ", f.Issues));

        Log("Differential: combine base + differential, compare with the full export ...");
        ExportResult c;
        TimeSpan combineTime;
        MemoryPeak combineMemory;
        // Only the differentials' rows are held; the base streams through (the peak should not grow with the table).
        using (var mem = MemoryMonitor.Start())
        {
            clock.Restart();
            c = await BackupCombiner.CombineAsync(basePath, [diffPath], combinedPath, ct: ct);
            combineTime = clock.Elapsed;
            combineMemory = mem.Stop();
        }
        if (!c.Succeeded) throw new BenchException("combine failed: " + string.Join("; ", c.Issues));
        var differs = new List<string>();
        await using (var full = CrearisBackupReader.Open(fullPath, f.Manifest!))
        await using (var combined = CrearisBackupReader.Open(combinedPath, c.Manifest!))
            foreach (var table in f.Manifest!.Tables)
            {
                var want = new List<string>();
                await foreach (var row in full.ReadRowsAsync(table.Name, ct)) want.Add(row.Json);
                var got = new List<string>();
                await foreach (var row in combined.ReadRowsAsync(table.Name, ct)) got.Add(row.Json);
                want.Sort(StringComparer.Ordinal);
                got.Sort(StringComparer.Ordinal);
                if (!want.SequenceEqual(got)) differs.Add(table.Name);
            }
        return new DifferentialRun(f.TotalRows, updated, deleted, fullTime, new FileInfo(fullPath).Length, diffTime, new FileInfo(diffPath).Length,
            d.TotalRows, d.Manifest!.Differential!.Tables.Sum(t => t.DeletedRows), combineTime, combineMemory, differs);
    }

    private static void PrintDifferential(DifferentialRun r)
    {
        static string Mb(long bytes) => (bytes / 1048576.0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        Console.WriteLine($"differential backup ({r.Updated:N0} rows updated = {100.0 * r.Updated / Math.Max(1, r.Rows):F2}%, " +
                          $"{r.Deleted:N0} deleted = {100.0 * r.Deleted / Math.Max(1, r.Rows):F2}% of {r.Rows:N0}):");
        Console.WriteLine($"  full export          {r.FullTime.TotalSeconds,8:F2} s  {Mb(r.FullBytes),9} MB");
        Console.WriteLine($"  differential export  {r.DiffTime.TotalSeconds,8:F2} s  {Mb(r.DiffBytes),9} MB   " +
                          $"({r.DiffTime / r.FullTime:F2}x the time, {100.0 * r.DiffBytes / Math.Max(1, r.FullBytes):F2}% of the size; " +
                          $"{r.DiffRows:N0} rows, {r.Tombstones:N0} tombstones)");
        Console.WriteLine($"  combine base + diff  {r.CombineTime.TotalSeconds,8:F2} s   peak {Mb(r.CombineMemory.PeakBytes)} MB (+{Mb(r.CombineMemory.GrowthBytes)} MB over the start; {r.CombineMemory.Method}), equals the full export row for row: " +
                          (r.CombineDiffers.Count == 0 ? "yes" : "NO (" + string.Join(", ", r.CombineDiffers) + ")"));
    }
}
