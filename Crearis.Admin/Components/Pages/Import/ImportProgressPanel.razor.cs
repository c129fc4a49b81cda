using System.Globalization;
using Crearis.Admin.Backups;
using Microsoft.AspNetCore.Components;

namespace Crearis.Admin.Components.Pages.Import;

/// <summary>
/// A running import, export or dry run: the steps in the order they ran (each with its time), every table with its own
/// bar, the time since the start and — only once the rate is steady (<see cref="ProgressLog.Remaining"/>) — the time
/// left. Re-rendered every second while the job runs, so the elapsed time moves even while the engine reports nothing.
/// </summary>
public partial class ImportProgressPanel : IDisposable
{
    [Parameter, EditorRequired] public JobSnapshot Job { get; set; } = default!;
    [Parameter] public EventCallback OnCancel { get; set; }

    /// <summary>The tables of the backup, listed as waiting until the run reaches them.</summary>
    [Parameter] public IReadOnlyList<string>? Tables { get; set; }

    /// <summary>The clock the elapsed time and the time left are told by.</summary>
    [Parameter] public TimeProvider Time { get; set; } = TimeProvider.System;

    private ITimer? _tick;

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive)
            _tick = Time.CreateTimer(_ => _ = InvokeAsync(() => { if (Job.IsActive) StateHasChanged(); }), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>The tables as the run reached them, then those it has not reached yet.</summary>
    private IEnumerable<TableProgress> Rows(ProgressLog log) => log.Tables.Concat((Tables ?? [])
        .Where(t => log.Tables.All(r => r.Table != t)).Select(t => new TableProgress(t, TableProgressState.Waiting, 0, 0)));

    private static string Describe(TableProgress table)
    {
        var rows = table.Total == 1 ? "row" : "rows";
        var text = table.State switch
        {
            TableProgressState.Waiting => "waiting",
            TableProgressState.Reading => $"reading {table.Done:N0} / {table.Total:N0} {rows}",
            TableProgressState.Read => $"read {table.Total:N0} {rows}, waiting for its turn",
            TableProgressState.Writing => $"keys matched, writing {table.Total:N0} {rows}…",
            TableProgressState.Exporting => $"{table.Done:N0} / {table.Total:N0} {rows}",
            _ => $"done, {table.Total:N0} {rows}",
        };
        return table.LinksClosed > 0 ? $"{text} · links closed" : text;
    }

    private static double TablePercent(TableProgress table) => table.State switch
    {
        TableProgressState.Waiting or TableProgressState.Writing => 0,
        TableProgressState.Read or TableProgressState.Done => 100,
        _ => table.Total > 0 ? Math.Min(100, 100.0 * table.Done / table.Total) : 0,
    };

    private static MudBlazor.Color BarColor(TableProgressState state) => state switch
    {
        TableProgressState.Done => MudBlazor.Color.Success,
        TableProgressState.Read => MudBlazor.Color.Info,
        _ => MudBlazor.Color.Secondary,
    };

    private static string Percent(ProgressLog log) => $"{Math.Floor(100 * log.Fraction).ToString("F0", CultureInfo.InvariantCulture)} %";

    private static string TimeLeft(ProgressLog log, DateTimeOffset now) => log.Remaining(now) is { } left
        ? $"about {Approximately(left)} left"
        : "Time left: not yet known";

    /// <summary>A duration as a clock reads it: 0:07, 12:34, 1:02:03.</summary>
    public static string Duration(TimeSpan span) => span.TotalHours >= 1
        ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : $"{(int)span.TotalMinutes}:{span.Seconds:00}";

    /// <summary>How long a step took: "0.4 s", "12 s", then as a clock reads it.</summary>
    public static string StepTime(TimeSpan span) => span.TotalSeconds switch
    {
        < 10 => $"{span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s",
        < 60 => $"{span.TotalSeconds:0} s",
        _ => Duration(span),
    };

    /// <summary>Time left, rounded: to 5 s under a minute ("10 s", "45 s"), else to minutes ("3 min").</summary>
    public static string Approximately(TimeSpan span) => span.TotalSeconds switch
    {
        < 57.5 => $"{Math.Max(5, Math.Round(span.TotalSeconds / 5) * 5):F0} s",
        _ => $"{Math.Max(1, Math.Round(span.TotalMinutes)):F0} min",
    };

    public void Dispose() => _tick?.Dispose();
}
