using System.Diagnostics;

namespace Crearis.Backup.Core.Results;

/// <summary>Where a long export or import stands; reported at row granularity (consumers throttle).</summary>
public sealed record BackupProgress(
    BackupPhase Phase,
    string? Table,
    long TableDone,
    long TableTotal,
    long OverallDone,
    long OverallTotal,
    double RowsPerSecond,
    TimeSpan? Remaining);

/// <summary>Keeps the overall counters and turns them into progress values with rate and time remaining.</summary>
internal sealed class ProgressTracker(IProgress<BackupProgress>? sink, long overallTotal)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _overallDone;

    public long OverallTotal { get; set; } = overallTotal;

    public void Report(BackupPhase phase, string? table, long tableDone, long tableTotal, long overallAdvance = 0)
    {
        _overallDone += overallAdvance;
        if (sink is null) return;
        var seconds = _clock.Elapsed.TotalSeconds;
        var rate = seconds > 0 ? _overallDone / seconds : 0;
        TimeSpan? remaining = rate > 0 && OverallTotal >= _overallDone
            ? TimeSpan.FromSeconds((OverallTotal - _overallDone) / rate)
            : null;
        sink.Report(new BackupProgress(phase, table, tableDone, tableTotal, _overallDone, OverallTotal, rate, remaining));
    }
}
