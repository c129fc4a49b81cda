// Crearis backup benchmark: times our exporter/importer against pg_dump/pg_restore on the same demo data.
// Not a test: it prints plain-text figures meant to be pasted into a README. See README.md next to this file.

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Crearis.Backup.Core.Catalog;
using Crearis.Platform.Database;
using Crearis.Platform.Demo;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Import;
using Crearis.Platform.Postgres;
using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Benchmarks;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            Console.Error.WriteLine("Cancelling; cleaning up ...");
            cts.Cancel();
        };

        try
        {
            await using var bench = new Bench(options);
            return await bench.RunAsync(cts.Token);
        }
        catch (BenchException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (PostgresClusterException e)
        {
            Console.Error.WriteLine($"error: could not start a PostgreSQL cluster: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Cancelled.");
            return 130;
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"error: PostgreSQL: {e.Message}");
            return 1;
        }
    }
}

internal sealed class BenchException(string message) : Exception(message);

internal enum BenchProfile
{
    Demo,
    ScaledOriginal,
}

internal sealed record BenchOptions(int Rows, bool Keep, string? Connection, bool NoJit, int? LogSlowMs, int? ImportTimeout, bool Help,
    BenchProfile Profile = BenchProfile.Demo, int Scale = 500, string? SamplePath = null, bool Merge = false,
    IReadOnlyList<int>? Series = null, bool Conflicts = false, bool NoLedger = false, bool Differential = false)
{
    public const string Usage =
        "usage: Crearis.Benchmarks [--profile demo|scaled-original] [--rows N | --series N1,N2,... | --scale K] [--merge]\n" +
        "                          [--keep] [--connection \"Host=...;Username=...;Password=...\"] [--import-timeout S] [--no-jit] [--log-slow MS]\n" +
        "  --profile P       demo (default): generated demo data (--rows); scaled-original: the original platform's sample\n" +
        "                    database (shared/reference/samples/original-sample-source-data.sql) copied K times (--scale)\n" +
        "  --rows N          demo rows to generate over the 16 content tables (default 1000000)\n" +
        "  --series N1,N2,.. demo profile at each size in one run (one cluster), a summary line per size at the end\n" +
        "  --scale K         scaled-original: number of copies of the sample (default 500)\n" +
        "  --sample FILE     scaled-original: the sample's data dump (default: found in shared/reference/samples above\n" +
        "                    the working folder or the program)\n" +
        "  --merge           after our import, time two merges of the same backup into our target: nothing changed, and\n" +
        "                    after 10% of the rows of users, events, posts and locations were changed there\n" +
        "  --conflicts       after our import, change 1% of the rows of users, events, posts and locations on both sides\n" +
        "                    (the same field, differently), 1% only in the source and 1% only in our target; export the\n" +
        "                    source again and time its merge into our target as a dry run, three-way vs two-way; every\n" +
        "                    seeded conflict must be found and no other\n" +
        "  --differential    after the import: a full export (the base), ~1% of the rows changed and 0.1% of the leaf\n" +
        "                    tables' rows deleted, then a differential against it and a full export, timed; combine(base,\n" +
        "                    differential) compared with the full export row for row\n" +
        "  --no-ledger       our export and import leave the sync ledger alone (what the ledger costs: run with and without)\n" +
        "  --keep            keep the work folder (cluster, backup file, pg_dump file) and the bench_* databases\n" +
        "  --connection CS   use this PostgreSQL server (a superuser; databases bench_source, bench_target and\n" +
        "                    bench_pgrestore must not exist) instead of starting a throwaway cluster\n" +
        "  --import-timeout S  stop each of our imports after S seconds (it rolls back) and report it as not finished; the\n" +
        "                    PostgreSQL tools still run, so large N still give the other figures\n" +
        "  --no-jit          run every session (ours and the tools') with jit=off\n" +
        "  --log-slow MS     throwaway cluster only: during the import (ours) log statements slower than MS with their\n" +
        "                    plans (auto_explain, incl. JIT timing) and list the slowest at the end";

    private static int Count(string text, string option, int min)
    {
        if (!int.TryParse(text.Replace("_", "").Replace(",", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min)
            throw new ArgumentException($"{option} needs a whole number of at least {min}");
        return n;
    }

    public static BenchOptions Parse(string[] args)
    {
        int rows = 1_000_000;
        var rowsGiven = false;
        var keep = false;
        string? connection = null;
        var help = false;
        var noJit = false;
        int? logSlow = null;
        int? importTimeout = null;
        var profile = BenchProfile.Demo;
        int? scale = null;
        string? sample = null;
        var merge = false;
        var conflicts = false;
        var noLedger = false;
        var differential = false;
        List<int>? series = null;
        string Next(ref int i, string what) =>
            i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs {what}");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows":
                    rows = Count(Next(ref i, "a number"), "--rows", 1);
                    rowsGiven = true;
                    break;
                case "--series":
                    // "10000,100000,1000000" (no thousands separators inside a size: the comma separates sizes)
                    series = Next(ref i, "comma-separated sizes").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(v => Count(v, "--series", 1)).ToList();
                    if (series.Count == 0) throw new ArgumentException("--series needs at least one size");
                    break;
                case "--profile":
                    profile = Next(ref i, "demo or scaled-original") switch
                    {
                        "demo" => BenchProfile.Demo,
                        "scaled-original" => BenchProfile.ScaledOriginal,
                        var other => throw new ArgumentException($"unknown profile '{other}' (demo, scaled-original)"),
                    };
                    break;
                case "--scale":
                    scale = Count(Next(ref i, "a number of copies"), "--scale", 1);
                    break;
                case "--sample":
                    sample = Next(ref i, "a file");
                    if (!File.Exists(sample)) throw new ArgumentException($"--sample: {sample} does not exist");
                    break;
                case "--conflicts":
                    conflicts = true;
                    break;
                case "--no-ledger":
                    noLedger = true;
                    break;
                case "--differential":
                    differential = true;
                    break;
                case "--merge":
                    merge = true;
                    break;
                case "--keep":
                    keep = true;
                    break;
                case "--connection":
                    connection = Next(ref i, "a connection string");
                    break;
                case "--no-jit":
                    noJit = true;
                    break;
                case "--log-slow":
                    logSlow = Count(Next(ref i, "a number of milliseconds"), "--log-slow", 0);
                    break;
                case "--import-timeout":
                    importTimeout = Count(Next(ref i, "a number of seconds"), "--import-timeout", 1);
                    break;
                case "-h" or "--help":
                    help = true;
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        if (logSlow is not null && connection is not null)
            throw new ArgumentException("--log-slow changes server settings (ALTER SYSTEM) and is only allowed with the throwaway cluster");
        if (differential && noLedger)
            throw new ArgumentException("--differential needs the sync ledger (the base's rows); leave out --no-ledger");
        if (conflicts && noLedger)
            throw new ArgumentException("--conflicts needs the sync ledger (the merge base); leave out --no-ledger");
        if (profile == BenchProfile.ScaledOriginal && (rowsGiven || series is not null))
            throw new ArgumentException("--rows and --series are for the demo profile; scaled-original takes --scale K");
        if (profile == BenchProfile.Demo && (scale is not null || sample is not null))
            throw new ArgumentException("--scale and --sample are for --profile scaled-original");
        if (series is not null && rowsGiven)
            throw new ArgumentException("give either --rows or --series");
        return new BenchOptions(rows, keep, connection, noJit, logSlow, importTimeout, help, profile, scale ?? 500, sample, merge, series, conflicts, noLedger, differential);
    }
}

/// <summary>One size of a --series run.</summary>
internal sealed record SeriesLine(long Rows, PhaseResult Export, PhaseResult Import, PhaseResult? Merge0, PhaseResult? Merge10,
    PhaseResult Dump, PhaseResult Restore);

/// <summary>One merge into our target: its result (null = not finished), the rows the benchmark changed before it, its profile.</summary>
internal sealed record MergeRun(string Name, ImportResult? Result, Dictionary<string, long> Changed, ImportProfile Profile);

/// <summary>One line of the result table.</summary>
internal sealed record PhaseResult(string Name, TimeSpan Time, long Rows, MemoryPeak? Memory, long? FileBytes, bool Unfinished = false)
{
    /// <summary>"&gt;" when the phase was stopped before it finished (its time is a lower bound).</summary>
    public string Bound => Unfinished ? ">" : "";

    public double RowsPerSecond => Time.TotalSeconds > 0 ? Rows / Time.TotalSeconds : 0;
}

internal sealed partial class Bench(BenchOptions options) : IAsyncDisposable
{
    private const string SourceDb = "bench_source";
    private const string TargetDb = "bench_target";
    private const string PgRestoreDb = "bench_pgrestore";
    private const int Seed = 42;

    private readonly string _work = Path.Combine(Path.GetTempPath(), $"crearis-bench-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
    private readonly List<PhaseResult> _phases = [];
    private readonly List<string> _notes = [];
    private PostgresCluster? _cluster;
    private string _serverCs = "";
    private readonly List<string> _createdDatabases = [];
    private PgTools _tools = null!;

    private readonly List<string> _failures = [];
    private readonly List<SeriesLine> _series = [];

    public async Task<int> RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_work);
        // The cluster's folder is handed to the postgres user when we are root; keep it away from our files.
        var clusterRoot = Path.Combine(_work, "cluster");

        // ------------------------------------------------------------ 1. server and tools
        string? serverBinDir = null;
        if (options.Connection is null)
        {
            serverBinDir = PostgresCluster.FindBinDirectory(); // clear PostgresClusterException when missing
            Log($"Starting a throwaway PostgreSQL cluster in {clusterRoot} ...");
            _cluster = await PostgresCluster.StartAsync(new PostgresClusterOptions(clusterRoot), cancellationToken: ct);
            _serverCs = _cluster.ConnectionString();
        }
        else
        {
            _serverCs = options.Connection;
        }
        var serverBuilder = new NpgsqlConnectionStringBuilder(_serverCs) { Pooling = false, CommandTimeout = 0 };
        if (options.NoJit) serverBuilder.Options = ((serverBuilder.Options ?? "") + " -c jit=off").Trim();
        _serverCs = serverBuilder.ConnectionString;

        var serverVersion = await ScalarAsync(_serverCs, "SHOW server_version", ct) as string ?? "?";
        _tools = PgTools.Find(serverBinDir, serverVersion);
        if (options.NoJit) _tools.PgOptions = "-c jit=off";
        await RefuseExistingDatabasesAsync(ct);

        if (options.Series is not { } sizes)
        {
            await RunOnceAsync(options.Rows, serverVersion, ct);
            return _failures.Count > 0 ? 1 : 0;
        }

        // --series: the demo profile at each size, one cluster; the databases of a size are dropped before the next.
        for (var i = 0; i < sizes.Count; i++)
        {
            if (i > 0)
            {
                Console.WriteLine();
                Console.WriteLine(new string('=', 100));
                Console.WriteLine();
                await DropBenchDatabasesAsync(ct);
            }
            Log($"Series: size {i + 1} of {sizes.Count}, {sizes[i]:N0} rows ...");
            await RunOnceAsync(sizes[i], serverVersion, ct);
        }
        Console.WriteLine();
        PrintSeries();
        return _failures.Count > 0 ? 1 : 0;
    }

    /// <summary>One full benchmark: source data, our export/import (and merges), pg_dump/pg_restore, checks, report.</summary>
    private async Task RunOnceAsync(int rows, string serverVersion, CancellationToken ct)
    {
        _phases.Clear();
        _notes.Clear();
        var backupFile = Path.Combine(_work, "bench.tar.gz");
        var dumpFile = Path.Combine(_work, "bench.pgdump");
        File.Delete(backupFile);
        File.Delete(dumpFile);
        var scaled = options.Profile == BenchProfile.ScaledOriginal;

        // ------------------------------------------------------------ 2. source database
        var sourceCs = await CreateContentDatabaseAsync(SourceDb, ct);
        var genSteps = new StepTimer();
        ScaledOriginal.LoadResult? load = null;
        List<(string Check, long Bad)> copyChecks = [];
        string samplePath = "";
        if (scaled)
        {
            samplePath = options.SamplePath ?? ScaledOriginal.FindSample()
                ?? throw new BenchException($"{ScaledOriginal.SampleFileName} was not found in shared/reference/samples above the " +
                                            "working folder or the program; give it with --sample FILE");
            Log($"Loading the original sample ×{options.Scale} from {samplePath} ...");
            using var mem = MemoryMonitor.Start();
            load = await ScaledOriginal.LoadAsync(sourceCs, samplePath, options.Scale, ct);
            var loaded = await CountRowsAsync(sourceCs, ct);
            _phases.Add(new($"load sample x{options.Scale}", load.Time, loaded.Values.Sum(), mem.Stop(), null));
            Log("Checking that every copy's links stay inside the copy ...");
            copyChecks = await ScaledOriginal.CheckCopiesAsync(sourceCs, load.Offsets, ct);
            foreach (var (check, bad) in copyChecks.Where(c => c.Bad != 0))
                _failures.Add($"scaled-original: {bad:N0} row(s) fail '{check}' (links crossing copies or pointing nowhere)");
        }
        else
        {
            Log($"Generating {rows:N0} demo rows (seed {Seed}) ...");
            DemoDataResult generated;
            using var mem = MemoryMonitor.Start();
            var clock = Stopwatch.StartNew();
            await using (var conn = new NpgsqlConnection(sourceCs))
            {
                await conn.OpenAsync(ct);
                var sink = new SyncProgress<DemoDataProgress>(p =>
                {
                    genSteps.Mark("generate", p.Table);
                    Throttled($"  generate: {p.Table,-18} {p.RowsWritten,12:N0} / ~{p.TotalRowsPlanned:N0} rows");
                });
                generated = await DemoDataGenerator.GenerateAsync(conn, new DemoDataOptions(rows, Seed), sink, ct);
            }
            genSteps.End("commit/counts");
            clock.Stop();
            _phases.Add(new("generate demo data", clock.Elapsed, generated.RowsPerTable.Values.Sum(), mem.Stop(), null));
        }

        // Same starting point for both exports: hint bits set, statistics fresh, dirty pages written.
        Log("VACUUM ANALYZE + CHECKPOINT on the source (not timed) ...");
        await ExecAsync(sourceCs, "VACUUM ANALYZE", ct);
        await ExecAsync(sourceCs, "CHECKPOINT", ct);
        var sourceCounts = await CountRowsAsync(sourceCs, ct);
        var sourceRows = sourceCounts.Values.Sum();

        // ------------------------------------------------------------ 3. our export
        Log("Exporting with BackupExporter ...");
        var exportSteps = new StepTimer();
        ExportResult exported;
        using (var mem = MemoryMonitor.Start())
        {
            var clock = Stopwatch.StartNew();
            exportSteps.Begin("(snapshot, catalog, counts)");
            var sink = new SyncProgress<BackupProgress>(p =>
            {
                exportSteps.Mark(p.Phase.Wire(), p.Table, firstRow: p.TableDone == 1 || p.Phase == BackupPhase.Done);
                Throttled($"  {p.Phase}: {p.Table,-18} {p.OverallDone,12:N0} / {p.OverallTotal:N0} rows");
            });
            exported = await BackupExporter.ExportAsync(sourceCs, backupFile, new ExportOptions(Description: "benchmark") { RecordExchange = !options.NoLedger },
                progress: sink, ct: ct);
            exportSteps.End("write manifest/rename");
            clock.Stop();
            if (!exported.Succeeded)
                throw new BenchException("export failed: " + string.Join("; ", exported.Issues.Select(i => i.ToString())));
            _phases.Add(new("export (ours)", clock.Elapsed, exported.TotalRows, mem.Stop(), new FileInfo(backupFile).Length));
        }
        await TimeEncryptionAsync(sourceCs, backupFile, exported.TotalRows, ct);

        // ------------------------------------------------------------ 4. our import
        var targetCs = await CreateContentDatabaseAsync(TargetDb, ct);
        if (options.LogSlowMs is { } slowMs) await EnableSlowLogAsync(slowMs, ct);
        Log("Importing with BackupImporter (NewOnly) ...");
        var importSteps = new StepTimer();
        var importProfile = new ImportProfile();
        var imported = await TimedImportAsync("import (ours, NewOnly)", targetCs, backupFile, ImportMode.NewOnly, importSteps, importProfile, exported.TotalRows, ct);
        if (options.LogSlowMs is not null) await DisableSlowLogAsync(ct);
        if (imported.Result is { } ir && ir.Outcome != ImportOutcome.Applied)
        {
            Console.WriteLine($"IMPORT OUTCOME: {ir.Outcome} (expected Applied)");
            foreach (var e in ir.Errors.Take(20)) Console.WriteLine($"  error: {e}");
            foreach (var w in ir.Warnings.Take(20)) Console.WriteLine($"  warning: {w}");
            throw new BenchException($"import outcome was {ir.Outcome}, not Applied");
        }

        // ------------------------------------------------------------ 4b. merges into the target (--merge)
        var merges = new List<MergeRun>();
        if (options.Merge && imported.Result is not null)
        {
            Log("VACUUM ANALYZE on our target (not timed) ...");
            await ExecAsync(targetCs, "VACUUM ANALYZE", ct);
            Log("Merging the same backup into our target (nothing changed) ...");
            var profile0 = new ImportProfile();
            var merge0 = await TimedImportAsync(MergeUnchanged, targetCs, backupFile, ImportMode.Merge, new StepTimer(), profile0, exported.TotalRows, ct);
            merges.Add(new MergeRun(MergeUnchanged, merge0.Result, new Dictionary<string, long>(StringComparer.Ordinal), profile0));

            var changed = await ChangeTenPercentAsync(targetCs, ct);
            Log($"Changed {changed.Values.Sum():N0} rows in our target ({string.Join(", ", changed.Select(c => $"{c.Key} {c.Value:N0}"))}); VACUUM ANALYZE (not timed) ...");
            await ExecAsync(targetCs, "VACUUM ANALYZE", ct);
            Log("Merging the backup into our target (10% changed) ...");
            var profile10 = new ImportProfile();
            var merge10 = await TimedImportAsync(MergeChanged, targetCs, backupFile, ImportMode.Merge, new StepTimer(), profile10, exported.TotalRows, ct);
            merges.Add(new MergeRun(MergeChanged, merge10.Result, changed, profile10));

            foreach (var m in merges) CheckMerge(m);
            if (await ChangedRowsLeftAsync(targetCs, ct) is > 0 and var left)
                _failures.Add($"{MergeChanged}: {left:N0} changed row(s) still differ from the backup after the merge");
        }

        // ------------------------------------------------------------ 4c. three-way merge (--conflicts)
        ConflictRun? conflictRun = null;
        if (options.Conflicts && imported.Result is not null)
            conflictRun = await MeasureConflictsAsync(sourceCs, targetCs, Path.Combine(Path.GetDirectoryName(backupFile)!, "conflicts.tar.gz"), exported.TotalRows, ct);

        // ------------------------------------------------------------ 5. pg_dump / pg_restore
        Log("pg_dump --data-only -Fc ...");
        var dump = await _tools.RunAsync("pg_dump", [
            "--data-only", "-Fc", "-n", "public", "--exclude-table-data=public.status",
            .. _tools.ConnectionArgs(_serverCs, SourceDb), "-f", dumpFile,
        ], ct);
        _phases.Add(new("pg_dump -Fc --data-only", dump.Time, sourceRows, dump.Memory, new FileInfo(dumpFile).Length));
        NoteWarnings("pg_dump", dump.StdErr);

        var pgRestoreCs = await CreateContentDatabaseAsync(PgRestoreDb, ct);
        Log("pg_restore --data-only --disable-triggers --single-transaction ...");
        var restore = await _tools.RunAsync("pg_restore", [
            "--data-only", "--disable-triggers", "--single-transaction", "--exit-on-error",
            .. _tools.ConnectionArgs(_serverCs, PgRestoreDb), dumpFile,
        ], ct);
        _phases.Add(new("pg_restore --data-only", restore.Time, sourceRows, restore.Memory, new FileInfo(dumpFile).Length));
        NoteWarnings("pg_restore", restore.StdErr);
        Log("The platform's link triggers, replayed on the pg_restore copy (rolled back) ...");
        _floor = await TriggerFloorAsync(pgRestoreCs, ct);

        // ------------------------------------------------------------ 5b. differential backups (--differential)
        // After pg_dump and pg_restore: it changes the source, whose counts the checks compare with both targets.
        DifferentialRun? differentialRun = null;
        if (options.Differential)
            differentialRun = await MeasureDifferentialAsync(sourceCs, Path.GetDirectoryName(backupFile)!, ct);

        // ------------------------------------------------------------ 6. checks and report
        var targetCounts = await CountRowsAsync(targetCs, ct);
        var restoredCounts = await CountRowsAsync(pgRestoreCs, ct);

        Console.WriteLine();
        Console.WriteLine("Crearis backup benchmark");
        Console.WriteLine("========================");
        foreach (var line in MachineFacts(serverVersion)) Console.WriteLine(line);
        if (load is not null)
        {
            var perCopy = load.SampleRows.Values.Sum();
            Console.WriteLine($"data set           : scaled-original: {samplePath} ({perCopy:N0} rows in 16 content tables; status " +
                              $"is seeded by our schema) x {load.Scale:N0} copies; rows in the 17 content tables: {sourceRows:N0}");
            Console.WriteLine($"                     skipped from the dump: {string.Join(", ", load.SkippedTables)}");
            Console.WriteLine($"                     id offset per copy: {string.Join(", ", load.Offsets.Select(o => $"{o.Key} {o.Value}"))}");
        }
        else
        {
            Console.WriteLine($"rows requested (N) : {rows:N0} (seed {Seed}); rows in the 17 content tables: {sourceRows:N0}");
        }
        Console.WriteLine();
        PrintPhases();
        Console.WriteLine();
        PrintRatios();
        PrintEncryption();
        Console.WriteLine();
        PrintTriggerFloor();
        Console.WriteLine();
        PrintImportCounts(imported.Result, sourceCounts, targetCounts, restoredCounts, importProfile.OpenVerify);
        if (merges.Count > 0)
        {
            Console.WriteLine();
            PrintMerges(merges);
        }
        if (conflictRun is not null)
        {
            Console.WriteLine();
            PrintConflicts(conflictRun);
        }
        if (differentialRun is not null)
        {
            Console.WriteLine();
            PrintDifferential(differentialRun);
        }
        if (load is not null)
        {
            Console.WriteLine();
            Console.WriteLine($"links inside each copy (rows that break the rule; all must be 0): {copyChecks.Count} checks, " +
                              $"{copyChecks.Count(c => c.Bad == 0)} pass");
            foreach (var (check, bad) in copyChecks)
                Console.WriteLine($"  {check,-55} {bad,8:N0}");
        }
        Console.WriteLine();
        importProfile.Print("import (ours, NewOnly)");
        foreach (var m in merges)
        {
            Console.WriteLine();
            m.Profile.Print(m.Name);
        }
        if (!scaled)
        {
            Console.WriteLine();
            genSteps.Print("slowest steps of generate (table = where the generator was writing)", 6);
        }
        Console.WriteLine();
        exportSteps.Print("slowest steps of export (ours)", 6);
        Console.WriteLine();
        importSteps.Print("slowest steps of import (ours)", 8);
        if (options.LogSlowMs is { } slow && _cluster is not null)
        {
            Console.WriteLine();
            PrintSlowStatements(_cluster.LogFile, slow);
        }
        if (_notes.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("notes:");
            foreach (var n in _notes) Console.WriteLine("  " + n);
        }

        var mismatched = ContentTables.All.Where(t =>
            (imported.Result is not null && sourceCounts[t] != targetCounts[t]) || (t != "status" && sourceCounts[t] != restoredCounts[t])).ToList();
        if (mismatched.Count > 0)
            _failures.Add("row counts differ after import/restore in: " + string.Join(", ", mismatched));
        else
            Console.WriteLine($"{Environment.NewLine}row counts: source, our target and the pg_restore target match in all 17 tables");
        if (_failures.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("CHECKS FAILED:");
            foreach (var f in _failures) Console.WriteLine("  " + f);
            if (options.Series is not null) throw new BenchException("a check failed; the series stops here");
        }

        _series.Add(new SeriesLine(sourceRows,
            _phases.Single(p => p.Name.StartsWith("export", StringComparison.Ordinal)),
            _phases.Single(p => p.Name.StartsWith("import", StringComparison.Ordinal)),
            _phases.SingleOrDefault(p => p.Name == MergeUnchanged),
            _phases.SingleOrDefault(p => p.Name == MergeChanged),
            _phases.Single(p => p.Name.StartsWith("pg_dump", StringComparison.Ordinal)),
            _phases.Single(p => p.Name.StartsWith("pg_restore", StringComparison.Ordinal))));
    }

    /// <summary>
    /// What the platform's own triggers cost for the links an import has to write with them on: every statement fires
    /// the same row triggers our import fires when it links a user to an instructor (the instructor's regio) or writes a
    /// tag link (the parent's tag cache). Run on the pg_restore copy, which holds the same rows, in one transaction that
    /// is rolled back, with the lookup index our import builds for itself (users.instructor_id). pg_restore skips this
    /// work (--disable-triggers); no importer that keeps the triggers on can, so pg_restore + this is a floor for ours.
    /// </summary>
    private static async Task<List<(string Work, long Rows, TimeSpan Time)>> TriggerFloorAsync(string cs, CancellationToken ct)
    {
        (string Work, string Sql)[] replays =
        [
            ("users linked to an instructor (regio trigger)", "UPDATE public.users SET instructor_id = instructor_id WHERE instructor_id IS NOT NULL"),
            ("events_tags (event tag-cache trigger)", "UPDATE public.events_tags SET tag_id = tag_id"),
            ("posts_tags (post tag-cache trigger)", "UPDATE public.posts_tags SET tag_id = tag_id"),
        ];
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        foreach (var setup in new[] { "SET LOCAL jit = off", "CREATE INDEX ON public.users (instructor_id)", "ANALYZE" })
        {
            await using var cmd = new NpgsqlCommand(setup, conn, tx) { CommandTimeout = 0 };
            await cmd.ExecuteNonQueryAsync(ct);
        }
        var floor = new List<(string, long, TimeSpan)>();
        foreach (var (work, sql) in replays)
        {
            var clock = Stopwatch.StartNew();
            await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
            var rows = await cmd.ExecuteNonQueryAsync(ct);
            floor.Add((work, rows, clock.Elapsed));
        }
        await tx.RollbackAsync(ct);
        return floor;
    }

    private List<(string Work, long Rows, TimeSpan Time)> _floor = [];

    private void PrintTriggerFloor()
    {
        var restore = _phases.Single(p => p.Name.StartsWith("pg_restore", StringComparison.Ordinal)).Time.TotalSeconds;
        var import = _phases.Single(p => p.Name.StartsWith("import", StringComparison.Ordinal));
        var triggers = _floor.Sum(f => f.Time.TotalSeconds);
        Console.WriteLine("the platform's own link triggers, replayed on the pg_restore copy (one UPDATE per kind of link, the");
        Console.WriteLine("same row triggers our import fires; pg_restore --disable-triggers skips them, an import with triggers on cannot):");
        foreach (var (work, rows, time) in _floor)
            Console.WriteLine($"  {work,-48} {rows,9:N0} rows  {time.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture),7} s");
        Console.WriteLine($"  floor = pg_restore + these triggers: {(restore + triggers).ToString("F1", CultureInfo.InvariantCulture)} s " +
                          $"({Ratio(restore + triggers, restore)} pg_restore); import (ours) vs floor: {import.Bound + Ratio(import.Time.TotalSeconds, restore + triggers)}");
    }

    private const string MergeUnchanged = "merge (ours, nothing changed)";
    private const string MergeChanged = "merge (ours, 10% changed)";

    /// <summary>The tables and text columns the 10% change touches: every row whose id ends in 0 gets a suffix.</summary>
    private static readonly (string Table, string Column)[] ChangedColumns =
        [("users", "username"), ("events", "name"), ("posts", "name"), ("locations", "name")];

    private const string ChangeMark = " (changed by the benchmark)";

    private static async Task<Dictionary<string, long>> ChangeTenPercentAsync(string cs, CancellationToken ct)
    {
        var changed = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        foreach (var (table, column) in ChangedColumns)
        {
            // Plain UPDATE with the platform's triggers on, as an edit in the target would be.
            await using var cmd = new NpgsqlCommand(
                $"UPDATE public.\"{table}\" SET \"{column}\" = \"{column}\" || '{ChangeMark}' WHERE id % 10 = 0 AND \"{column}\" IS NOT NULL", conn)
                { CommandTimeout = 0 };
            changed[table] = await cmd.ExecuteNonQueryAsync(ct);
        }
        return changed;
    }

    private static async Task<long> ChangedRowsLeftAsync(string cs, CancellationToken ct)
    {
        long left = 0;
        foreach (var (table, column) in ChangedColumns)
            left += (long)(await ScalarAsync(cs, $"SELECT count(*) FROM public.\"{table}\" WHERE \"{column}\" LIKE '%{ChangeMark}'", ct))!;
        return left;
    }

    /// <summary>A merge must insert nothing and update exactly the rows the benchmark changed.</summary>
    private void CheckMerge(MergeRun m)
    {
        if (m.Result is null)
        {
            _failures.Add($"{m.Name}: not finished (--import-timeout)");
            return;
        }
        if (m.Result.Outcome != ImportOutcome.Applied)
        {
            _failures.Add($"{m.Name}: outcome {m.Result.Outcome}, not Applied" +
                          string.Concat(m.Result.Errors.Take(5).Select(e => $"; error: {e}")));
            return;
        }
        foreach (var (table, counts) in m.Result.Tables)
        {
            var expected = m.Changed.GetValueOrDefault(table);
            if (counts.Inserted != 0) _failures.Add($"{m.Name}: {table}: {counts.Inserted:N0} inserted, expected 0");
            if (counts.Updated != expected) _failures.Add($"{m.Name}: {table}: {counts.Updated:N0} updated, expected {expected:N0}");
            if (counts.Failed != 0 || counts.Skipped != 0)
                _failures.Add($"{m.Name}: {table}: {counts.Failed:N0} failed, {counts.Skipped:N0} skipped, expected 0");
        }
    }

    /// <summary>
    /// Opens (verifies) the backup and imports it into the target, timed as one phase with its memory peak; progress goes
    /// to the step timer and the per-phase profile. Result null = stopped by --import-timeout (rolled back).
    /// </summary>
    private async Task<(ImportResult? Result, PhaseResult Phase)> TimedImportAsync(string name, string targetCs, string backupFile,
        ImportMode mode, StepTimer steps, ImportProfile profile, long rowsInBackup, CancellationToken ct, ImportOptions? importOptions = null)
    {
        ImportResult? imported = null;
        using var importCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (options.ImportTimeout is { } limit) importCts.CancelAfter(TimeSpan.FromSeconds(limit));
        var ict = importCts.Token;
        using var mem = MemoryMonitor.Start();
        var clock = Stopwatch.StartNew();
        var started = false;
        try
        {
            DatabaseCatalog catalog;
            await using (var conn = new NpgsqlConnection(targetCs))
            {
                await conn.OpenAsync(ict);
                catalog = await DatabaseCatalog.ReadAsync(conn, ct: ict);
            }
            var opened = await BackupFiles.OpenAsync(backupFile, catalog, ict);
            profile.OpenVerify = clock.Elapsed;
            if (opened.Source is null)
                throw new BenchException("the backup did not verify: " +
                                         string.Join("; ", opened.Verification.Issues.Select(i => i.ToString())));
            steps.End("(open + verify file)");
            await using (var source = opened.Source)
            {
                var sink = new SyncProgress<BackupProgress>(p =>
                {
                    steps.Mark(p.Phase.Wire(), p.Table, firstRow: p.Phase == BackupPhase.Stage && p.TableDone == 1);
                    profile.Report(p);
                    Throttled($"  {p.Phase}: {p.Table,-18} {p.OverallDone,12:N0} / {p.OverallTotal:N0}");
                });
                steps.Begin("(catalog, plan, sequences)");
                profile.Start();
                started = true;
                imported = await BackupImporter.ImportAsync(targetCs, source, importOptions ?? new ImportOptions(mode) { RecordExchange = !options.NoLedger }, progress: sink, ct: ict);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            imported = null;
        }
        clock.Stop();
        var timedOut = !ct.IsCancellationRequested && ict.IsCancellationRequested &&
                       (imported is null || imported.Outcome == ImportOutcome.Failed);
        ct.ThrowIfCancellationRequested();
        if (started) profile.Stop(finished: !timedOut);
        PhaseResult phase;
        if (timedOut)
        {
            steps.End($"(unfinished: the step after {steps.Current ?? "opening the file"})");
            Log($"{name} was stopped by --import-timeout after {clock.Elapsed.TotalSeconds:F0} s (rolled back).");
            imported = null;
            phase = new(name, clock.Elapsed, rowsInBackup, mem.Stop(), new FileInfo(backupFile).Length, Unfinished: true);
        }
        else
        {
            steps.End("(derived + commit after last table)");
            phase = new(name, clock.Elapsed, imported!.Tables.Values.Sum(t => t.Total), mem.Stop(), new FileInfo(backupFile).Length);
        }
        _phases.Add(phase);
        return (imported, phase);
    }

    private async Task DropBenchDatabasesAsync(CancellationToken ct)
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var db in _createdDatabases.ToList())
        {
            await ExecAsync(_serverCs, $"DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)", ct);
            _createdDatabases.Remove(db);
        }
    }

    // ---------------------------------------------------------------- printing

    private void PrintPhases()
    {
        Console.WriteLine("phase                          seconds        rows/s   peak MB   +MB   heap MB   file MB");
        Console.WriteLine("-----------------------------  -------  ------------  --------  ----  --------  --------");
        foreach (var p in _phases)
        {
            var mem = p.Memory;
            Console.WriteLine(
                $"{p.Name,-29}  {p.Bound + p.Time.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture),7}  " +
                $"{(p.Unfinished ? "<" : "") + p.RowsPerSecond.ToString("N0", CultureInfo.InvariantCulture),12}  {Mb(mem?.PeakBytes),8}  {Mb(mem?.GrowthBytes),4}  " +
                $"{Mb(mem?.ManagedPeakBytes),8}  {(p.FileBytes is { } f ? (f / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) : "-"),8}");
        }
        Console.WriteLine("peak MB = peak resident set (VmHWM) of the process doing the work: this benchmark process for our");
        Console.WriteLine("phases, the pg_dump / pg_restore client for theirs; the PostgreSQL server is not counted. +MB = peak");
        Console.WriteLine("minus resident set at the phase start; heap MB = largest managed heap seen (sampled every 10 ms).");
        if (_phases.Any(p => p.Unfinished))
            Console.WriteLine("> / <: the phase was stopped by --import-timeout; its time is a lower bound, its rate an upper bound.");
        if (_phases.FirstOrDefault()?.Memory?.Method is { } method) Console.WriteLine($"memory method: {method}");
    }

    /// <summary>
    /// What encrypting (age, one X25519 recipient) adds to an export: the same export encrypted, between two plain
    /// ones, so a drift of the machine over the three runs does not pass for the encryption's cost.
    /// </summary>
    private async Task TimeEncryptionAsync(string sourceCs, string backupFile, long rows, CancellationToken ct)
    {
        Log("Exporting encrypted and plain again (the cost of --encrypt) ...");
        using var identity = AgeIdentity.Generate();
        var encryption = new BackupEncryption([identity.Recipient]);
        var times = new List<(bool Encrypted, TimeSpan Time)>();
        foreach (var encrypted in new[] { true, false })
        {
            var file = backupFile + (encrypted ? ".age" : ".again");
            var clock = Stopwatch.StartNew();
            var result = await BackupExporter.ExportAsync(sourceCs, file, new ExportOptions(Description: "benchmark", Encryption: encrypted ? encryption : null) { RecordExchange = !options.NoLedger }, ct: ct);
            clock.Stop();
            if (!result.Succeeded) throw new BenchException("export failed: " + string.Join("; ", result.Issues.Select(i => i.ToString())));
            times.Add((encrypted, clock.Elapsed));
            if (encrypted) _encryptedBytes = new FileInfo(file).Length;
            File.Delete(file);
        }
        var plain = (_phases.Single(p => p.Name == "export (ours)").Time + times.Single(t => !t.Encrypted).Time) / 2;
        _encryption = (plain, times.Single(t => t.Encrypted).Time, rows);
    }

    private (TimeSpan Plain, TimeSpan Encrypted, long Rows)? _encryption;
    private long _encryptedBytes;

    private void PrintEncryption()
    {
        if (_encryption is not { } e) return;
        Console.WriteLine($"encrypted export (age, 1 recipient): {e.Encrypted.TotalSeconds:F1} s vs plain {e.Plain.TotalSeconds:F1} s (mean of the runs before and after): " +
                          $"{(e.Encrypted / e.Plain - 1) * 100:+0;-0}% (target <= +10%), file {_encryptedBytes / 1048576.0:F1} MB");
    }

    private void PrintRatios()
    {
        var export = _phases.Single(p => p.Name.StartsWith("export", StringComparison.Ordinal));
        var import = _phases.Single(p => p.Name.StartsWith("import", StringComparison.Ordinal));
        var dump = _phases.Single(p => p.Name.StartsWith("pg_dump", StringComparison.Ordinal));
        var restore = _phases.Single(p => p.Name.StartsWith("pg_restore", StringComparison.Ordinal));
        Console.WriteLine("ours / PostgreSQL tools        time  file size   peak MB");
        Console.WriteLine("---------------------------  ------  ---------  --------");
        Console.WriteLine($"export vs pg_dump -Fc        {Ratio(export.Time.TotalSeconds, dump.Time.TotalSeconds),6}  " +
                          $"{Ratio(export.FileBytes, dump.FileBytes),9}  {Ratio(export.Memory?.PeakBytes, dump.Memory?.PeakBytes),8}");
        Console.WriteLine($"import vs pg_restore         {import.Bound + Ratio(import.Time.TotalSeconds, restore.Time.TotalSeconds),6}  " +
                          $"{"",9}  {Ratio(import.Memory?.PeakBytes, restore.Memory?.PeakBytes),8}");
        Console.WriteLine($"round trip (export+import)   {import.Bound + Ratio(export.Time.TotalSeconds + import.Time.TotalSeconds, dump.Time.TotalSeconds + restore.Time.TotalSeconds),6}");
        foreach (var merge in _phases.Where(p => p.Name.StartsWith("merge", StringComparison.Ordinal)))
            Console.WriteLine($"{(merge.Name == MergeUnchanged ? "merge nothing vs pg_restore" : "merge 10% vs pg_restore"),-27}  {merge.Bound + Ratio(merge.Time.TotalSeconds, restore.Time.TotalSeconds),6}  " +
                              $"{"",9}  {Ratio(merge.Memory?.PeakBytes, restore.Memory?.PeakBytes),8}");
        Console.WriteLine("targets (issue): export <= 2x pg_dump (demo), <= 3x (scaled-original); import and merges <= 4x pg_restore");
    }

    private static void PrintMerges(List<MergeRun> merges)
    {
        Console.WriteLine("merges into our target (the backup it was imported from; \"10% changed\": before the merge, every row with");
        Console.WriteLine($"id % 10 = 0 got '{ChangeMark}' appended to {string.Join(", ", ChangedColumns.Select(c => c.Table + "." + c.Column))};");
        Console.WriteLine("the merge must insert nothing and update exactly those rows back):");
        Console.WriteLine("merge                            table          in backup   inserted    updated   expected  unchanged  skipped  failed");
        Console.WriteLine("-------------------------------  -------------  ---------  ---------  ---------  ---------  ---------  -------  ------");
        foreach (var m in merges)
        {
            if (m.Result is null)
            {
                Console.WriteLine($"{m.Name,-31}  NOT FINISHED (--import-timeout)");
                continue;
            }
            var rows = m.Result.Tables.Where(t => t.Value.Updated != 0 || t.Value.Inserted != 0 || m.Changed.ContainsKey(t.Key) ||
                                                  t.Value.Failed != 0 || t.Value.Skipped != 0).ToList();
            var all = m.Result.Tables.Values;
            Console.WriteLine($"{m.Name,-31}  {"(all " + all.Count() + ")",-13}  {all.Sum(t => t.Total),9:N0}  {all.Sum(t => t.Inserted),9:N0}  " +
                              $"{all.Sum(t => t.Updated),9:N0}  {m.Changed.Values.Sum(),9:N0}  {all.Sum(t => t.Unchanged),9:N0}  " +
                              $"{all.Sum(t => t.Skipped),7:N0}  {all.Sum(t => t.Failed),6:N0}");
            foreach (var (table, c) in rows)
                Console.WriteLine($"{"",-31}  {table,-13}  {c.Total,9:N0}  {c.Inserted,9:N0}  {c.Updated,9:N0}  {m.Changed.GetValueOrDefault(table),9:N0}  " +
                                  $"{c.Unchanged,9:N0}  {c.Skipped,7:N0}  {c.Failed,6:N0}");
            Console.WriteLine($"{"",-31}  outcome {m.Result.Outcome}, engine duration {m.Result.Duration.TotalSeconds:F1} s, warnings {m.Result.Warnings.Count}");
        }
    }

    private void PrintSeries()
    {
        Console.WriteLine("series (demo profile, one line per size; s/100k = seconds per 100,000 rows: flat when cost grows linearly)");
        var withMerge = _series.Any(l => l.Merge0 is not null);
        Console.WriteLine("      rows  export s  import s  pg_dump s  pg_restore s  export/pg_dump  import/pg_restore  export s/100k  import s/100k  peak MB exp/imp" +
                          (withMerge ? "  merge0 s  merge10 s  merge0/pg_restore  merge10/pg_restore" : ""));
        foreach (var l in _series)
        {
            string Sec(PhaseResult? p) => p is null ? "-" : p.Bound + p.Time.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
            string Per(PhaseResult p) => p.Bound + (p.Time.TotalSeconds * 100_000 / Math.Max(1, l.Rows)).ToString("F2", CultureInfo.InvariantCulture);
            var line = $"{l.Rows,10:N0}  {Sec(l.Export),8}  {Sec(l.Import),8}  {Sec(l.Dump),9}  {Sec(l.Restore),12}  " +
                       $"{Ratio(l.Export.Time.TotalSeconds, l.Dump.Time.TotalSeconds),14}  {l.Import.Bound + Ratio(l.Import.Time.TotalSeconds, l.Restore.Time.TotalSeconds),17}  " +
                       $"{Per(l.Export),13}  {Per(l.Import),13}  {Mb(l.Export.Memory?.PeakBytes) + "/" + Mb(l.Import.Memory?.PeakBytes),15}";
            if (withMerge)
                line += $"  {Sec(l.Merge0),8}  {Sec(l.Merge10),9}  {(l.Merge0 is null ? "-" : l.Merge0.Bound + Ratio(l.Merge0.Time.TotalSeconds, l.Restore.Time.TotalSeconds)),17}  " +
                        $"{(l.Merge10 is null ? "-" : l.Merge10.Bound + Ratio(l.Merge10.Time.TotalSeconds, l.Restore.Time.TotalSeconds)),18}";
            Console.WriteLine(line);
        }
        Console.WriteLine("peak MB = peak resident set of this process during our export / import (target: <= 300 MB at 1M rows)");
    }

    private static void PrintImportCounts(ImportResult? imported, Dictionary<string, long> source, Dictionary<string, long> target,
        Dictionary<string, long> restored, TimeSpan verify)
    {
        Console.WriteLine(imported is null
            ? "import outcome: NOT FINISHED (stopped by --import-timeout and rolled back; the ours columns are empty)"
            : $"import outcome: {imported.Outcome} (engine duration {imported.Duration.TotalSeconds:F1} s, " +
              $"open+verify file {verify.TotalSeconds:F1} s, warnings {imported.Warnings.Count})");
        Console.WriteLine("table                 in backup    inserted   unchanged   skipped  failed   source rows  ours rows  pg_restore rows");
        Console.WriteLine("------------------  -----------  ----------  ----------  --------  ------  -----------  ---------  ---------------");
        foreach (var table in ContentTables.All)
        {
            var c = imported?.Tables.GetValueOrDefault(table) ?? new TableCounts();
            var pg = table == "status" ? $"{restored[table]:N0}*" : $"{restored[table]:N0}";
            Console.WriteLine($"{table,-18}  {c.Total,11:N0}  {c.Inserted,10:N0}  {c.Unchanged,10:N0}  {c.Skipped,8:N0}  {c.Failed,6:N0}  " +
                              $"{source[table],11:N0}  {target[table],9:N0}  {pg,15}");
        }
        foreach (var extra in imported?.Tables.Keys.Except(ContentTables.All) ?? [])
            Console.WriteLine($"{extra,-18}  {imported!.Tables[extra].Total,11:N0}  {imported.Tables[extra].Inserted,10:N0}");
        Console.WriteLine("* status rows come from the schema seed; pg_dump leaves them out (--exclude-table-data=public.status)");
    }

    private static string Mb(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("F0", CultureInfo.InvariantCulture) : "-";

    private static string Ratio(double? ours, double? theirs) =>
        ours is { } o && theirs is { } t && t > 0 ? (o / t).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-";

    private static string Ratio(long? ours, long? theirs) => Ratio((double?)ours, theirs);

    private void NoteWarnings(string tool, string stderr)
    {
        foreach (var line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(6))
            _notes.Add(line.StartsWith(tool + ":", StringComparison.Ordinal) ? line : $"{tool}: {line}");
    }

    private static DateTime _lastProgress = DateTime.MinValue;

    private static void Throttled(string message)
    {
        var now = DateTime.UtcNow;
        if (now - _lastProgress < TimeSpan.FromSeconds(10)) return;
        _lastProgress = now;
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
    }

    private static void Log(string message)
    {
        _lastProgress = DateTime.UtcNow;
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
    }

    private readonly string _loadAtStart = LoadAverage();

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private List<string> MachineFacts(string serverVersion)
    {
        var cpu = "?";
        long memBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim() ?? "?";
            var total = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (total is not null) memBytes = long.Parse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return
        [
            $"machine            : {Environment.ProcessorCount} cores ({cpu}), {memBytes / 1073741824.0:F1} GB RAM",
            $"system             : {RuntimeInformation.OSDescription}, .NET {Environment.Version}, {(Environment.IsPrivilegedProcess ? "root" : "user")}",
            $"PostgreSQL         : server {serverVersion} ({(_cluster is null ? "given by --connection" : "throwaway cluster, default settings, fsync on")}; " +
            $"jit {(options.NoJit ? "off (--no-jit)" : "as configured (PostgreSQL default: on)")}), " +
            $"tools {_tools.Version} from {_tools.BinDir}",
            $"date               : {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average at start {_loadAtStart}, at end {LoadAverage()}" +
            " (other work on the machine skews the figures)",
        ];
    }

    // ---------------------------------------------------------------- slow statement log (diagnostics)

    private async Task EnableSlowLogAsync(int ms, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(_serverCs);
        await conn.OpenAsync(ct);
        // auto_explain's settings are only known once the library is loaded; ALTER SYSTEM cannot run in a transaction.
        string[] sql =
        [
            "LOAD 'auto_explain'",
            $"ALTER SYSTEM SET log_min_duration_statement = {ms}",
            "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'",
            $"ALTER SYSTEM SET auto_explain.log_min_duration = {ms}",
            "ALTER SYSTEM SET auto_explain.log_analyze = on",
            "ALTER SYSTEM SET auto_explain.log_timing = on",
            "SELECT pg_reload_conf()",
        ];
        foreach (var statement in sql)
        {
            await using var cmd = new NpgsqlCommand(statement, conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        _slowLogStart = File.Exists(_cluster!.LogFile) ? new FileInfo(_cluster.LogFile).Length : 0;
    }

    private async Task DisableSlowLogAsync(CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(_serverCs);
        await conn.OpenAsync(ct);
        foreach (var statement in new[] { "ALTER SYSTEM RESET ALL", "SELECT pg_reload_conf()" })
        {
            await using var cmd = new NpgsqlCommand(statement, conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    private long _slowLogStart;

    /// <summary>Lists the slowest statements the server logged during our import, with JIT time when auto_explain gave it.</summary>
    private void PrintSlowStatements(string logFile, int ms)
    {
        var found = new List<(double Ms, double? JitMs, string Text)>();
        using (var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            stream.Seek(Math.Min(_slowLogStart, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var lines = new List<string>();
            while (reader.ReadLine() is { } l) lines.Add(l);
            var duration = new System.Text.RegularExpressions.Regex(@"duration: ([0-9.]+) ms  (plan:|statement: |execute [^:]*: )(.*)$");
            var jit = new System.Text.RegularExpressions.Regex(@"Timing: .*Total ([0-9.]+) ms");
            for (var i = 0; i < lines.Count; i++)
            {
                var m = duration.Match(lines[i]);
                if (!m.Success || m.Groups[2].Value != "plan:") continue; // plans carry the text; plain lines repeat it
                var text = "";
                double? jitMs = null;
                for (var j = i + 1; j < lines.Count && (lines[j].StartsWith('\t') || lines[j].Length == 0); j++)
                {
                    var t = lines[j].Trim();
                    if (t.StartsWith("Query Text: ", StringComparison.Ordinal)) text = t["Query Text: ".Length..];
                    if (jit.Match(t) is { Success: true } jm) jitMs = double.Parse(jm.Groups[1].Value, CultureInfo.InvariantCulture);
                }
                found.Add((double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), jitMs, text));
            }
        }
        Console.WriteLine($"slowest server statements of the import (ours), over {ms} ms, from {logFile}:");
        Console.WriteLine("    total ms      JIT ms  statement");
        foreach (var (total, jitMs, text) in found.OrderByDescending(f => f.Ms).Take(10))
        {
            var shortText = System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");
            if (shortText.Length > 90) shortText = shortText[..90] + " ...";
            Console.WriteLine($"  {total,10:F0}  {(jitMs is { } jm ? jm.ToString("F0", CultureInfo.InvariantCulture) : "-"),10}  {shortText}");
        }
        Console.WriteLine("(auto_explain with log_analyze and log_timing on: such runs are a little slower than plain ones)");
    }

    // ---------------------------------------------------------------- databases

    private async Task RefuseExistingDatabasesAsync(CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(_serverCs);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname = ANY($1)", conn);
        cmd.Parameters.AddWithValue(new[] { SourceDb, TargetDb, PgRestoreDb });
        var existing = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) existing.Add(reader.GetString(0));
        if (existing.Count > 0)
            throw new BenchException($"the server already has database(s) {string.Join(", ", existing)}; drop them " +
                                     "(they are left by an earlier run with --keep) or use another server.");
    }

    private async Task<string> CreateContentDatabaseAsync(string name, CancellationToken ct)
    {
        await ExecAsync(_serverCs, $"CREATE DATABASE \"{name}\"", ct);
        _createdDatabases.Add(name);
        var cs = new NpgsqlConnectionStringBuilder(_serverCs) { Database = name }.ConnectionString;
        var outcome = await new ContentDatabase(cs).CreateSchemaAsync(ct);
        if (outcome != CreateSchemaOutcome.Created) throw new BenchException($"could not create the schema in {name}: {outcome}");
        return cs;
    }

    private static async Task<Dictionary<string, long>> CountRowsAsync(string cs, CancellationToken ct)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        foreach (var table in ContentTables.All)
        {
            await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM public.\"{table}\"", conn);
            counts[table] = (long)(await cmd.ExecuteScalarAsync(ct))!;
        }
        return counts;
    }

    private static async Task ExecAsync(string cs, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(string cs, string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (options.Keep)
        {
            if (_cluster is not null)
            {
                await _cluster.StopAsync();
                Console.Error.WriteLine($"Kept {_work} (cluster stopped; data in {_cluster.DataDirectory}, " +
                                        $"superuser crearis, password in {Path.Combine(_cluster.DataRoot, "superuser.password")}).");
            }
            else
            {
                Console.Error.WriteLine($"Kept {_work} and the databases {string.Join(", ", _createdDatabases)}.");
            }
            return;
        }

        if (_cluster is not null)
        {
            await _cluster.StopAsync();
        }
        else if (_serverCs.Length > 0)
        {
            foreach (var db in _createdDatabases)
            {
                try
                {
                    await ExecAsync(_serverCs, $"DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)", CancellationToken.None);
                }
                catch (NpgsqlException e)
                {
                    Console.Error.WriteLine($"warning: could not drop {db}: {e.Message}");
                }
            }
        }
        try
        {
            if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: could not delete {_work}: {e.Message}");
        }
    }
}

/// <summary>IProgress that runs the handler on the reporting thread (Progress&lt;T&gt; would post every row).</summary>
internal sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}

/// <summary>
/// Splits a phase into steps by its progress reports (approximate): the time since the previous report is charged to
/// the step the new report names; the gap before the first row of a table (finishing the previous table: COPY end,
/// tar+gzip of its file, ...) is charged to "after &lt;previous step&gt;"; Begin(label) charges the time up to the next
/// report to that label.
/// </summary>
internal sealed class StepTimer
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, TimeSpan> _steps = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private TimeSpan _last;
    private string? _pending;
    private string? _current;

    /// <summary>The step the last report named.</summary>
    public string? Current => _current;

    public void Begin(string label)
    {
        _last = _clock.Elapsed;
        _pending = label;
    }

    public void Mark(string phase, string? table, bool firstRow = false)
    {
        var key = table is null ? phase : $"{phase} {table}";
        if (_pending is not null)
        {
            Charge(_pending);
            _pending = null;
        }
        else if (firstRow && _current is not null && _current != key)
        {
            Charge("after " + _current);
        }
        else
        {
            Charge(key);
        }
        _current = key;
    }

    public void End(string label)
    {
        Charge(_pending ?? label);
        _pending = null;
    }

    private void Charge(string key)
    {
        var now = _clock.Elapsed;
        if (!_steps.TryGetValue(key, out var sum)) _order.Add(key);
        _steps[key] = sum + (now - _last);
        _last = now;
    }

    public void Print(string title, int top)
    {
        var total = _steps.Values.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        Console.WriteLine($"{title}:");
        foreach (var key in _order.OrderByDescending(k => _steps[k]).Take(top))
            Console.WriteLine($"  {key,-44} {_steps[key].TotalSeconds,7:F1} s  {(total > TimeSpan.Zero ? _steps[key] / total : 0),5:P0}");
    }
}

/// <summary>Peak memory of one phase of this process.</summary>
internal sealed record MemoryPeak(long PeakBytes, long GrowthBytes, long? ManagedPeakBytes, string Method);

/// <summary>
/// Measures the peak resident set of this process during a phase. On Linux, writing 5 to /proc/self/clear_refs resets
/// VmHWM (what Process.PeakWorkingSet64 reads), so the peak is the phase's own; a 10 ms sampler of the working set and
/// of the managed heap runs as well and covers systems where the reset is not allowed.
/// </summary>
internal sealed class MemoryMonitor : IDisposable
{
    private readonly long _start;
    private readonly bool _hwmReset;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private long _maxWorkingSet;
    private long _maxManaged;

    private MemoryMonitor()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        _hwmReset = TryResetHighWaterMark();
        using var self = Process.GetCurrentProcess();
        _start = self.WorkingSet64;
        _maxWorkingSet = _start;
        _maxManaged = GC.GetTotalMemory(false);
        _sampler = Task.Run(SampleAsync);
    }

    public static MemoryMonitor Start() => new();

    private async Task SampleAsync()
    {
        using var self = Process.GetCurrentProcess();
        while (!_stop.IsCancellationRequested)
        {
            self.Refresh();
            _maxWorkingSet = Math.Max(_maxWorkingSet, self.WorkingSet64);
            _maxManaged = Math.Max(_maxManaged, GC.GetTotalMemory(false));
            try
            {
                await Task.Delay(10, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public MemoryPeak Stop()
    {
        _stop.Cancel();
        _sampler.Wait();
        using var self = Process.GetCurrentProcess();
        var peak = _maxWorkingSet;
        if (_hwmReset) peak = Math.Max(peak, self.PeakWorkingSet64);
        var managed = Math.Max(_maxManaged, GC.GetGCMemoryInfo(GCKind.Any).PeakMemory());
        return new(peak, Math.Max(0, peak - _start), managed,
            _hwmReset ? "VmHWM reset per phase via /proc/self/clear_refs, plus 10 ms sampling" : "10 ms sampling of the working set");
    }

    private static bool TryResetHighWaterMark()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested) Stop();
        _stop.Dispose();
    }
}

internal static class GcInfoExtensions
{
    /// <summary>Managed heap size at the end of the last GC of the given kind (0 when none ran).</summary>
    public static long PeakMemory(this GCMemoryInfo info) => info.Index == 0 ? 0 : info.HeapSizeBytes;
}

/// <summary>The outcome of one client tool run.</summary>
internal sealed record ToolRun(TimeSpan Time, MemoryPeak Memory, string StdErr);

/// <summary>pg_dump, pg_restore and psql: next to the server's initdb, on PATH, or in /usr/lib/postgresql/*/bin.</summary>
internal sealed class PgTools
{
    private PgTools(string binDir, string version)
    {
        BinDir = binDir;
        Version = version;
    }

    public string BinDir { get; }
    public string Version { get; }

    public static PgTools Find(string? serverBinDir, string serverVersion)
    {
        var candidates = new List<string>();
        if (serverBinDir is not null)
        {
            // initdb may be a symlink (e.g. /usr/local/bin -> /usr/lib/postgresql/15/bin): the tools live next to its target.
            try
            {
                if (new FileInfo(Path.Combine(serverBinDir, "initdb")).ResolveLinkTarget(returnFinalTarget: true) is { } target &&
                    Path.GetDirectoryName(target.FullName) is { } real)
                    candidates.Add(real);
            }
            catch (IOException)
            {
            }
            candidates.Add(serverBinDir);
        }
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        if (Directory.Exists("/usr/lib/postgresql"))
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal)
                .Select(d => Path.Combine(d, "bin")));
        var serverMajor = Major(serverVersion);
        string? best = null;
        string bestVersion = "";
        foreach (var dir in candidates.Distinct())
        {
            if (!new[] { "pg_dump", "pg_restore", "psql" }.All(t => File.Exists(Path.Combine(dir, t)))) continue;
            var version = ToolVersion(Path.Combine(dir, "pg_dump"));
            // pg_dump refuses servers newer than itself; take the first one that is new enough.
            if (Major(version) >= serverMajor)
            {
                best = dir;
                bestVersion = version;
                break;
            }
            if (best is null)
            {
                best = dir;
                bestVersion = version;
            }
        }
        if (best is null)
            throw new BenchException("pg_dump, pg_restore and psql were not found next to initdb, on PATH or in " +
                                     "/usr/lib/postgresql/*/bin. Install the PostgreSQL client tools (on Debian: " +
                                     "apt-get install -y postgresql-client) or put their folder on PATH.");
        if (Major(bestVersion) < serverMajor)
            throw new BenchException($"the pg_dump found ({bestVersion} in {best}) is older than the server ({serverVersion}); " +
                                     "put a pg_dump of the server's major version or newer on PATH.");
        return new PgTools(best, bestVersion);
    }

    private static int Major(string version)
    {
        var digits = new string(version.SkipWhile(c => !char.IsDigit(c)).TakeWhile(char.IsDigit).ToArray());
        return int.TryParse(digits, CultureInfo.InvariantCulture, out var m) ? m : 0;
    }

    private static string ToolVersion(string exe)
    {
        try
        {
            var psi = new ProcessStartInfo(exe, ["--version"]) { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            var match = System.Text.RegularExpressions.Regex.Match(text, @"\d+(\.\d+)*");
            return match.Success ? match.Value : "?";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "?";
        }
    }

    /// <summary>-h/-p/-U/-d for a database of the server; the password goes through PGPASSWORD (see RunAsync).</summary>
    public IReadOnlyList<string> ConnectionArgs(string serverCs, string database)
    {
        var b = new NpgsqlConnectionStringBuilder(serverCs);
        _password = b.Password;
        return ["-h", b.Host ?? "127.0.0.1", "-p", b.Port.ToString(CultureInfo.InvariantCulture), "-U", b.Username ?? "postgres", "-d", database];
    }

    private string? _password;

    /// <summary>Passed as PGOPTIONS (e.g. "-c jit=off").</summary>
    public string? PgOptions { get; set; }

    /// <summary>Runs a client tool (as this user, also as root: only the server must not run as root) and times it.</summary>
    public async Task<ToolRun> RunAsync(string tool, IReadOnlyList<string> args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Path.Combine(BinDir, tool), args)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.Environment["LC_MESSAGES"] = "C";
        if (!string.IsNullOrEmpty(_password)) psi.Environment["PGPASSWORD"] = _password;
        if (PgOptions is not null) psi.Environment["PGOPTIONS"] = PgOptions;
        using var process = new Process { StartInfo = psi };
        var clock = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new BenchException($"could not start {psi.FileName}: {e.Message}");
        }
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        long hwm = 0, rss = 0;
        using (ct.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
        {
            while (!process.HasExited)
            {
                (hwm, rss) = ReadChildMemory(process.Id, hwm, rss);
                await Task.WhenAny(process.WaitForExitAsync(ct), Task.Delay(10, ct));
            }
            await process.WaitForExitAsync(ct);
        }
        clock.Stop();
        var err = await stderr;
        await stdout;
        if (process.ExitCode != 0)
            throw new BenchException($"{tool} {string.Join(' ', args)} failed with exit code {process.ExitCode}:\n{err.Trim()}");
        var peak = Math.Max(hwm, rss);
        return new ToolRun(clock.Elapsed, new MemoryPeak(peak, peak, null, "VmHWM of the child, polled every 10 ms"), err);
    }

    /// <summary>VmHWM / VmRSS of a running child from /proc (the last value read before it exits).</summary>
    private static (long Hwm, long Rss) ReadChildMemory(int pid, long hwm, long rss)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Math.Max(hwm, Kb(line));
                else if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Math.Max(rss, Kb(line));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return (hwm, rss);
    }

    private static long Kb(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
