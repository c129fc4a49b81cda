using System.Diagnostics;
using System.Globalization;
using Crearis.Backup.Core.Results;

namespace Crearis.Benchmarks;

/// <summary>
/// Our import's time by engine phase, from its progress stream alone. The engine reports Stage once per staged row,
/// Map once per table when its id map is built, Write once per table when its rows are written, LateSeed once per
/// link it fills, Derived once per table whose derived values it restored, and Commit. Each report comes when its
/// step is done, so the time between two reports is charged by what ends it:
/// <list type="bullet">
/// <item>before the first report: validate (catalog, plan, temp tables);</item>
/// <item>a gap ending in a Stage report, and the gap from the last Stage report to the first Map report: stage
/// (the latter also holds the parse of the last staged table and the map of the first table);</item>
/// <item>a gap ending in Map(T): map T;</item>
/// <item>a gap ending in Write(T): write T;</item>
/// <item>a gap ending in LateSeed(T.c), Derived(T), Commit: that step;</item>
/// <item>after the last report: what is left (a dry run's rollback).</item>
/// </list>
/// </summary>
internal sealed class ImportProfile
{
    private readonly Stopwatch _clock = new();
    private TimeSpan _last;
    private BackupPhase? _lastPhase;
    private long _stagedRows;

    public TimeSpan OpenVerify { get; set; }
    public TimeSpan Validate { get; private set; }
    public TimeSpan Stage { get; private set; }
    public TimeSpan Tail { get; private set; }
    public Dictionary<string, TimeSpan> Map { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, TimeSpan> Write { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, TimeSpan> LateSeed { get; } = new(StringComparer.Ordinal);
    public TimeSpan Derived { get; private set; }
    public TimeSpan Commit { get; private set; }
    public bool Finished { get; private set; }

    public TimeSpan MapTotal => Map.Values.Aggregate(TimeSpan.Zero, (a, b) => a + b);
    public TimeSpan WriteTotal => Write.Values.Aggregate(TimeSpan.Zero, (a, b) => a + b);
    public TimeSpan LateSeedTotal => LateSeed.Values.Aggregate(TimeSpan.Zero, (a, b) => a + b);
    public TimeSpan Total => OpenVerify + Validate + Stage + MapTotal + WriteTotal + LateSeedTotal + Derived + Commit + Tail;

    /// <summary>Call right before BackupImporter.ImportAsync.</summary>
    public void Start()
    {
        _clock.Restart();
        _last = TimeSpan.Zero;
        _lastPhase = null;
    }

    public void Report(BackupProgress p)
    {
        var now = _clock.Elapsed;
        var gap = now - _last;
        _last = now;
        switch (p.Phase)
        {
            case BackupPhase.Stage:
                if (_lastPhase is null) Validate += gap;
                else Stage += gap;
                _stagedRows++;
                break;
            case BackupPhase.Map:
                if (_lastPhase == BackupPhase.Stage) Stage += gap;
                else if (_lastPhase is null) Validate += gap;
                else Add(Map, p.Table ?? "?", gap);
                break;
            case BackupPhase.Write:
                Add(Write, p.Table ?? "?", gap);
                break;
            case BackupPhase.LateSeed:
                Add(LateSeed, p.Table ?? "?", gap);
                break;
            case BackupPhase.Derived:
                Derived += gap;
                break;
            case BackupPhase.Commit:
                Commit += gap;
                break;
            default:
                Add(Write, $"({p.Phase.Wire()}{(p.Table is null ? "" : " " + p.Table)})", gap);
                break;
        }
        _lastPhase = p.Phase;
    }

    /// <summary>Call when ImportAsync returned; finished = it ran to the end (not stopped by a timeout).</summary>
    public void Stop(bool finished)
    {
        var now = _clock.Elapsed;
        if (_lastPhase is null) Validate += now - _last;
        else Tail += now - _last;
        _clock.Stop();
        Finished = finished;
    }

    private static void Add(Dictionary<string, TimeSpan> d, string key, TimeSpan t) => d[key] = d.GetValueOrDefault(key) + t;

    private static string S(TimeSpan t) => t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";

    /// <summary>One line: "stage x s, map y s, write z s, late-seed/derived/commit w s".</summary>
    public string Summary() =>
        $"open+verify {S(OpenVerify)}, validate {S(Validate)}, stage {S(Stage)}, map {S(MapTotal)}, write {S(WriteTotal)}, " +
        $"late-seed {S(LateSeedTotal)}, derived {S(Derived)}, commit {S(Commit)}, rest {S(Tail)}{(Finished ? "" : " (unfinished)")}";

    public void Print(string title)
    {
        Console.WriteLine($"import profile by engine phase, {title}: {S(Total)}");
        Console.WriteLine($"  {Summary()}");
        var tables = Write.Keys.Union(Map.Keys).OrderByDescending(t => Write.GetValueOrDefault(t) + Map.GetValueOrDefault(t)).ToList();
        var total = Total.TotalSeconds;
        string P(TimeSpan t) => total > 0 ? (t.TotalSeconds / total).ToString("P0", CultureInfo.InvariantCulture) : "-";
        Console.WriteLine("  phase / table              seconds   share");
        Console.WriteLine($"  {"open + verify file",-25} {OpenVerify.TotalSeconds,8:F2}  {P(OpenVerify),6}");
        Console.WriteLine($"  {"validate (catalog, plan)",-25} {Validate.TotalSeconds,8:F2}  {P(Validate),6}");
        Console.WriteLine($"  {"stage (" + _stagedRows.ToString("N0", CultureInfo.InvariantCulture) + " rows)",-25} {Stage.TotalSeconds,8:F2}  {P(Stage),6}");
        Console.WriteLine($"  {"map",-25} {MapTotal.TotalSeconds,8:F2}  {P(MapTotal),6}");
        Console.WriteLine($"  {"write",-25} {WriteTotal.TotalSeconds,8:F2}  {P(WriteTotal),6}");
        foreach (var t in tables)
            Console.WriteLine($"    {t,-23} {Write.GetValueOrDefault(t).TotalSeconds,8:F2}  {P(Write.GetValueOrDefault(t)),6}   (map {Map.GetValueOrDefault(t).TotalSeconds:F2} s)");
        Console.WriteLine($"  {"late seeding",-25} {LateSeedTotal.TotalSeconds,8:F2}  {P(LateSeedTotal),6}");
        foreach (var (link, t) in LateSeed.OrderByDescending(l => l.Value).Take(5))
            Console.WriteLine($"    {link,-23} {t.TotalSeconds,8:F2}  {P(t),6}");
        Console.WriteLine($"  {"derived values",-25} {Derived.TotalSeconds,8:F2}  {P(Derived),6}");
        Console.WriteLine($"  {"commit",-25} {Commit.TotalSeconds,8:F2}  {P(Commit),6}");
        Console.WriteLine($"  {"rest",-25} {Tail.TotalSeconds,8:F2}  {P(Tail),6}   (after the last report: a dry run's rollback{(Finished ? "" : "; unfinished: stopped by --import-timeout")})");
        Console.WriteLine("  (stage includes the parse of the last staged table and the map of the first table)");
    }
}
