using System.Collections.Immutable;
using Crearis.Backup.Core.Results;

namespace Crearis.Admin.Backups;

/// <summary>The steps of a run as an admin follows them, in the order the engine runs them (one is never reopened).</summary>
public enum RunStep
{
    /// <summary>Before the first progress: the backup checked against the database, the order of the tables planned (an export counts its rows).</summary>
    Prepare,

    /// <summary>Every table of the backup read into the database (the engine's stage phase).</summary>
    Read,

    /// <summary>Table by table: rows matched by natural key, then written; links that close cycles once their table exists.</summary>
    Tables,

    /// <summary>The values the platform's triggers maintain, put back.</summary>
    Derive,

    Commit,

    /// <summary>An export writing its tables to the file.</summary>
    Export,

    /// <summary>An export closing the file.</summary>
    Finish,
}

/// <summary>Where one table stands in a run.</summary>
public enum TableProgressState
{
    /// <summary>In the backup, not reached yet.</summary>
    Waiting,
    Reading,
    /// <summary>Read into the database; its keys are matched when its turn comes.</summary>
    Read,
    Matching,
    /// <summary>Being written (a set-based statement: no row count until it is done).</summary>
    Writing,
    /// <summary>Matched and written (or, for a table only matched for others' links, matched).</summary>
    Done,
    Exporting,
}

public static class RunSteps
{
    public static RunStep Of(BackupPhase phase) => phase switch
    {
        BackupPhase.Validate => RunStep.Prepare,
        BackupPhase.Stage => RunStep.Read,
        BackupPhase.Map or BackupPhase.Write or BackupPhase.LateSeed => RunStep.Tables,
        BackupPhase.Derived => RunStep.Derive,
        BackupPhase.Commit => RunStep.Commit,
        BackupPhase.Export => RunStep.Export,
        _ => RunStep.Finish,
    };

    public static string Label(this RunStep step) => step switch
    {
        RunStep.Prepare => "Check the backup and plan the order",
        RunStep.Read => "Read the backup into the database",
        RunStep.Tables => "Match keys and write, table by table",
        RunStep.Derive => "Restore the values the platform derives",
        RunStep.Commit => "Commit",
        RunStep.Export => "Write each table to the file",
        _ => "Finish the file",
    };

    public static string Label(this TableProgressState state) => state switch
    {
        TableProgressState.Waiting => "waiting",
        TableProgressState.Reading => "reading",
        TableProgressState.Read => "read, waiting for its turn",
        TableProgressState.Matching => "matching keys",
        TableProgressState.Writing => "writing",
        TableProgressState.Done => "done",
        _ => "exporting",
    };
}

/// <summary>One step of a run: when it started and, once the next began, when it ended (times since the run started).</summary>
public sealed record StepSpan(RunStep Step, TimeSpan Started, TimeSpan? Ended);

/// <summary>One table of a run: its state and the rows done of the total of its current step.</summary>
public sealed record TableProgress(string Table, TableProgressState State, long Done, long Total, int LinksClosed = 0);

/// <summary>The overall count at one moment, for the rate.</summary>
public sealed record RateSample(TimeSpan At, long Done);

/// <summary>
/// A run's progress as it happened, folded from every value the engine reports (not only those that reach the pages):
/// the steps in the order they ran, each table in the order it was first reached, and samples of the overall count
/// for the time left. Immutable: each report makes a new log, so a page can render one while the engine goes on.
/// </summary>
public sealed record ProgressLog
{
    /// <summary>Time left is estimated only this long after the start…</summary>
    public static readonly TimeSpan EtaAfter = TimeSpan.FromSeconds(5);

    /// <summary>… with at least this part of the work done …</summary>
    public const double EtaFromFraction = 0.10;

    /// <summary>… and the average rate steady: over the last <see cref="EtaWindow"/> (and now), its highest and lowest
    /// values differ by at most this part of their mean.</summary>
    public const double EtaMaxSpread = 0.20;

    public static readonly TimeSpan EtaWindow = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(500);
    private const int SamplesKept = 40;

    private ProgressLog(DateTimeOffset startedAt) => StartedAt = startedAt;

    /// <summary>When the run started (UTC).</summary>
    public DateTimeOffset StartedAt { get; }

    public ImmutableArray<StepSpan> Steps { get; private init; } = [new StepSpan(RunStep.Prepare, TimeSpan.Zero, null)];
    public ImmutableArray<TableProgress> Tables { get; private init; } = [];
    public ImmutableArray<RateSample> Samples { get; private init; } = [];

    /// <summary>The last value reported, and when.</summary>
    public BackupProgress? Last { get; private init; }
    public TimeSpan LastAt { get; private init; }

    public static ProgressLog Start(DateTimeOffset startedAt) => new(startedAt);

    public RunStep CurrentStep => Steps[^1].Step;

    /// <summary>The part of the overall work done, 0 to 1.</summary>
    public double Fraction => Last is { OverallTotal: > 0 } p ? Math.Clamp((double)p.OverallDone / p.OverallTotal, 0, 1) : 0;

    /// <summary>The log with one more value the engine reported at <paramref name="now"/>.</summary>
    public ProgressLog Add(BackupProgress p, DateTimeOffset now)
    {
        var at = now - StartedAt;
        var steps = Steps;
        var step = RunSteps.Of(p.Phase);
        if (steps[^1].Step != step)
            steps = steps.SetItem(steps.Length - 1, steps[^1] with { Ended = at }).Add(new StepSpan(step, at, null));

        var samples = Samples;
        if (samples.IsEmpty || at - samples[^1].At >= SampleEvery)
        {
            samples = samples.Add(new RateSample(at, p.OverallDone));
            if (samples.Length > SamplesKept) samples = samples.RemoveAt(0);
        }
        return this with { Steps = steps, Tables = Fold(Tables, p, Last), Samples = samples, Last = p, LastAt = at };
    }

    private static ImmutableArray<TableProgress> Fold(ImmutableArray<TableProgress> tables, BackupProgress p, BackupProgress? previous)
    {
        if (p.Table is null) return tables;
        // Late seeding names the link as table.column.
        var name = p.Phase == BackupPhase.LateSeed && p.Table.IndexOf('.') is > 0 and var dot ? p.Table[..dot] : p.Table;
        var index = -1;
        for (var i = 0; i < tables.Length && index < 0; i++) if (tables[i].Table == name) index = i;
        var table = index >= 0 ? tables[index] : new TableProgress(name, TableProgressState.Waiting, 0, 0);
        TableProgress? next = p.Phase switch
        {
            BackupPhase.Stage => table with { State = p.TableDone >= p.TableTotal ? TableProgressState.Read : TableProgressState.Reading, Done = p.TableDone, Total = p.TableTotal },
            // The engine reports a table's key matching once, when done; a table it then writes is reported without
            // advancing the overall count (that comes with the write), one only matched for others' links advances it.
            BackupPhase.Map => p.TableTotal > 0 && previous is not null && p.OverallDone == previous.OverallDone
                ? table with { State = TableProgressState.Writing, Done = 0, Total = p.TableTotal }
                : table with { State = TableProgressState.Done, Done = p.TableDone, Total = p.TableTotal },
            BackupPhase.Write => table with
            {
                State = p.TableDone >= p.TableTotal ? TableProgressState.Done : TableProgressState.Writing, Done = p.TableDone, Total = p.TableTotal,
            },
            BackupPhase.LateSeed => table with { LinksClosed = table.LinksClosed + 1 },
            BackupPhase.Export => table with { State = p.TableDone >= p.TableTotal ? TableProgressState.Done : TableProgressState.Exporting, Done = p.TableDone, Total = p.TableTotal },
            _ => null,
        };
        if (next is null) return tables;
        return index >= 0 ? tables.SetItem(index, next) : tables.Add(next);
    }

    /// <summary>Time since the run started.</summary>
    public TimeSpan Elapsed(DateTimeOffset now) => now < StartedAt ? TimeSpan.Zero : now - StartedAt;

    /// <summary>
    /// The time left, or null while it cannot be told honestly: before <see cref="EtaAfter"/>, before
    /// <see cref="EtaFromFraction"/> of the work, and while the average rate (work done ÷ time) moves by more than
    /// <see cref="EtaMaxSpread"/> of its mean over the last <see cref="EtaWindow"/> — measured up to now, so a long
    /// step that reports nothing (a big table's write) lowers it and hides the estimate until the rate settles again.
    /// </summary>
    public TimeSpan? Remaining(DateTimeOffset now)
    {
        var elapsed = Elapsed(now);
        if (Last is not { OverallTotal: > 0 } p || elapsed < EtaAfter || Fraction < EtaFromFraction || Fraction >= 1) return null;
        var from = elapsed - EtaWindow;
        var rates = Samples.Where(s => s.At >= from && s.At > TimeSpan.Zero).Select(s => s.Done / s.At.TotalSeconds)
            .Append(p.OverallDone / elapsed.TotalSeconds).ToList();
        if (rates.Count < 3) return null;
        var mean = rates.Average();
        if (mean <= 0 || (rates.Max() - rates.Min()) / mean > EtaMaxSpread) return null;
        var rate = p.OverallDone / elapsed.TotalSeconds;
        return TimeSpan.FromSeconds((p.OverallTotal - p.OverallDone) / rate);
    }
}
