// Crearis backup benchmark: times our exporter/importer against pg_dump/pg_restore on the same demo data.
// Not a test: it prints plain-text figures meant to be pasted into a README. See README.md next to this file.

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Crearis.Backup.Core.Catalog;
using Crearis.Platform.Database;
using Crearis.Platform.Demo;
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

internal sealed record BenchOptions(int Rows, bool Keep, string? Connection, bool NoJit, int? LogSlowMs, int? ImportTimeout, bool Help)
{
    public const string Usage =
        "usage: Crearis.Benchmarks [--rows N] [--keep] [--connection \"Host=...;Username=...;Password=...\"]\n" +
        "  --rows N          demo rows to generate over the 16 content tables (default 1000000)\n" +
        "  --keep            keep the work folder (cluster, backup file, pg_dump file) and the bench_* databases\n" +
        "  --connection CS   use this PostgreSQL server (a superuser; databases bench_source, bench_target and\n" +
        "                    bench_pgrestore must not exist) instead of starting a throwaway cluster\n" +
        "  --import-timeout S  stop our import after S seconds (it rolls back) and report it as not finished; the\n" +
        "                    PostgreSQL tools still run, so large N still give the other figures\n" +
        "  --no-jit          run every session (ours and the tools') with jit=off\n" +
        "  --log-slow MS     throwaway cluster only: during the import (ours) log statements slower than MS with their\n" +
        "                    plans (auto_explain, incl. JIT timing) and list the slowest at the end";

    public static BenchOptions Parse(string[] args)
    {
        int rows = 1_000_000;
        var keep = false;
        string? connection = null;
        var help = false;
        var noJit = false;
        int? logSlow = null;
        int? importTimeout = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows":
                    if (i + 1 >= args.Length || !int.TryParse(args[++i].Replace("_", "").Replace(",", ""), NumberStyles.Integer,
                            CultureInfo.InvariantCulture, out rows) || rows < 1)
                        throw new ArgumentException("--rows needs a positive whole number");
                    break;
                case "--keep":
                    keep = true;
                    break;
                case "--connection":
                    if (i + 1 >= args.Length) throw new ArgumentException("--connection needs a connection string");
                    connection = args[++i];
                    break;
                case "--no-jit":
                    noJit = true;
                    break;
                case "--log-slow":
                    if (i + 1 >= args.Length || !int.TryParse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) || ms < 0)
                        throw new ArgumentException("--log-slow needs a number of milliseconds");
                    logSlow = ms;
                    break;
                case "--import-timeout":
                    if (i + 1 >= args.Length || !int.TryParse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) || s < 1)
                        throw new ArgumentException("--import-timeout needs a number of seconds");
                    importTimeout = s;
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
        return new BenchOptions(rows, keep, connection, noJit, logSlow, importTimeout, help);
    }
}

/// <summary>One line of the result table.</summary>
internal sealed record PhaseResult(string Name, TimeSpan Time, long Rows, MemoryPeak? Memory, long? FileBytes, bool Unfinished = false)
{
    /// <summary>"&gt;" when the phase was stopped before it finished (its time is a lower bound).</summary>
    public string Bound => Unfinished ? ">" : "";

    public double RowsPerSecond => Time.TotalSeconds > 0 ? Rows / Time.TotalSeconds : 0;
}

internal sealed class Bench(BenchOptions options) : IAsyncDisposable
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

    public async Task<int> RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_work);
        // The cluster's folder is handed to the postgres user when we are root; keep it away from our files.
        var clusterRoot = Path.Combine(_work, "cluster");
        var backupFile = Path.Combine(_work, "bench.tar.gz");
        var dumpFile = Path.Combine(_work, "bench.pgdump");

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


        // ------------------------------------------------------------ 2. source database with demo data
        var sourceCs = await CreateContentDatabaseAsync(SourceDb, ct);
        Log($"Generating {options.Rows:N0} demo rows (seed {Seed}) ...");
        DemoDataResult generated;
        var genSteps = new StepTimer();
        using (var mem = MemoryMonitor.Start())
        {
            var clock = Stopwatch.StartNew();
            await using (var conn = new NpgsqlConnection(sourceCs))
            {
                await conn.OpenAsync(ct);
                var sink = new SyncProgress<DemoDataProgress>(p =>
                {
                    genSteps.Mark("generate", p.Table);
                    Throttled($"  generate: {p.Table,-18} {p.RowsWritten,12:N0} / ~{p.TotalRowsPlanned:N0} rows");
                });
                generated = await DemoDataGenerator.GenerateAsync(conn, new DemoDataOptions(options.Rows, Seed), sink, ct);
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
            exported = await BackupExporter.ExportAsync(sourceCs, backupFile, new ExportOptions(Description: "benchmark"),
                progress: sink, ct: ct);
            exportSteps.End("write manifest/rename");
            clock.Stop();
            if (!exported.Succeeded)
                throw new BenchException("export failed: " + string.Join("; ", exported.Issues.Select(i => i.ToString())));
            _phases.Add(new("export (ours)", clock.Elapsed, exported.TotalRows, mem.Stop(), new FileInfo(backupFile).Length));
        }

        // ------------------------------------------------------------ 4. our import
        var targetCs = await CreateContentDatabaseAsync(TargetDb, ct);
        if (options.LogSlowMs is { } slowMs) await EnableSlowLogAsync(slowMs, ct);
        Log("Importing with BackupImporter (NewOnly) ...");
        var importSteps = new StepTimer();
        ImportResult? imported = null;
        TimeSpan verifyTime = TimeSpan.Zero;
        using var importCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (options.ImportTimeout is { } limit) importCts.CancelAfter(TimeSpan.FromSeconds(limit));
        var ict = importCts.Token;
        using (var mem = MemoryMonitor.Start())
        {
            var clock = Stopwatch.StartNew();
            try
            {
                DatabaseCatalog catalog;
                await using (var conn = new NpgsqlConnection(targetCs))
                {
                    await conn.OpenAsync(ict);
                    catalog = await DatabaseCatalog.ReadAsync(conn, ct: ict);
                }
                var opened = await BackupFiles.OpenAsync(backupFile, catalog, ict);
                verifyTime = clock.Elapsed;
                if (opened.Source is null)
                    throw new BenchException("the backup did not verify: " +
                                             string.Join("; ", opened.Verification.Issues.Select(i => i.ToString())));
                importSteps.End("(open + verify file)");
                await using (var source = opened.Source)
                {
                    var sink = new SyncProgress<BackupProgress>(p =>
                    {
                        importSteps.Mark(p.Phase.Wire(), p.Table, firstRow: p.Phase == BackupPhase.Stage && p.TableDone == 1);
                        Throttled($"  {p.Phase}: {p.Table,-18} {p.OverallDone,12:N0} / {p.OverallTotal:N0}");
                    });
                    importSteps.Begin("(catalog, plan, sequences)");
                    imported = await BackupImporter.ImportAsync(targetCs, source, new ImportOptions(ImportMode.NewOnly),
                        progress: sink, ct: ict);
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
            if (timedOut)
            {
                importSteps.End($"(unfinished: the step after {importSteps.Current ?? "opening the file"})");
                Log($"Our import was stopped by --import-timeout after {clock.Elapsed.TotalSeconds:F0} s (rolled back).");
                imported = null;
                _phases.Add(new("import (ours, NewOnly)", clock.Elapsed, exported.TotalRows, mem.Stop(),
                    new FileInfo(backupFile).Length, Unfinished: true));
            }
            else
            {
                importSteps.End("(derived + commit after last table)");
                _phases.Add(new("import (ours, NewOnly)", clock.Elapsed, imported!.Tables.Values.Sum(t => t.Total), mem.Stop(),
                    new FileInfo(backupFile).Length));
            }
        }
        if (options.LogSlowMs is not null) await DisableSlowLogAsync(ct);
        if (imported is not null && imported.Outcome != ImportOutcome.Applied)
        {
            Console.WriteLine($"IMPORT OUTCOME: {imported.Outcome} (expected Applied)");
            foreach (var e in imported.Errors.Take(20)) Console.WriteLine($"  error: {e}");
            foreach (var w in imported.Warnings.Take(20)) Console.WriteLine($"  warning: {w}");
            throw new BenchException($"import outcome was {imported.Outcome}, not Applied");
        }

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

        // ------------------------------------------------------------ 6. checks and report
        var targetCounts = await CountRowsAsync(targetCs, ct);
        var restoredCounts = await CountRowsAsync(pgRestoreCs, ct);

        Console.WriteLine();
        Console.WriteLine("Crearis backup benchmark");
        Console.WriteLine("========================");
        foreach (var line in MachineFacts(serverVersion)) Console.WriteLine(line);
        Console.WriteLine($"rows requested (N) : {options.Rows:N0} (seed {Seed}); rows in the 17 content tables: {sourceRows:N0}");
        Console.WriteLine();
        PrintPhases();
        Console.WriteLine();
        PrintRatios();
        Console.WriteLine();
        PrintImportCounts(imported, sourceCounts, targetCounts, restoredCounts, verifyTime);
        Console.WriteLine();
        genSteps.Print("slowest steps of generate (table = where the generator was writing)", 6);
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
            (imported is not null && sourceCounts[t] != targetCounts[t]) || (t != "status" && sourceCounts[t] != restoredCounts[t])).ToList();
        if (mismatched.Count > 0)
            throw new BenchException("row counts differ after import/restore in: " + string.Join(", ", mismatched));
        return 0;
    }

    // ---------------------------------------------------------------- printing

    private void PrintPhases()
    {
        Console.WriteLine("phase                      seconds        rows/s   peak MB   +MB   heap MB   file MB");
        Console.WriteLine("-------------------------  -------  ------------  --------  ----  --------  --------");
        foreach (var p in _phases)
        {
            var mem = p.Memory;
            Console.WriteLine(
                $"{p.Name,-25}  {p.Bound + p.Time.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture),7}  " +
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
