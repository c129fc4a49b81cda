using System.Globalization;
using Bunit;
using Bunit.TestDoubles;
using Crearis.Admin.Backups;
using Crearis.Admin.Components.Pages.Import;
using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Admin.Tests.Components;

/// <summary>
/// The progress panel fed the values the engine really reports: a dry run of a demo backup is recorded once, then
/// played back on a clock the test moves, and the panel is compared with what the recorded values themselves say.
/// </summary>
public sealed class ImportProgressPanelTests : ComponentTestContext, IClassFixture<ImportProgressPanelTests.RecordedRun>
{
    private readonly RecordedRun run;

    public ImportProgressPanelTests(RecordedRun run)
    {
        this.run = run;
        _auth = AddAuthorization();
        // As in the app: an interactive server circuit (the panel ticks the elapsed time there).
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", true));
    }

    private static readonly DateTimeOffset Start = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly ManualTime _time = new(Start);
    private readonly BunitAuthorizationContext _auth;

    /// <summary>A real dry run's progress values, in the order the engine reported them.</summary>
    public sealed class RecordedRun : IAsyncLifetime
    {
        private readonly CrearisDatabaseFixture _database = new();
        public IReadOnlyList<BackupProgress> Values { get; private set; } = [];
        public IReadOnlyList<string> BackupTables { get; private set; } = [];

        public async Task InitializeAsync()
        {
            await _database.InitializeAsync();
            await _database.ResetWithDemoDataAsync(150, seed: 7);
            var folder = Directory.CreateTempSubdirectory("crearis-progress-panel-").FullName;
            try
            {
                var file = await ExportAsync(_database.ConnectionString, Path.Combine(folder, "demo.tar.gz"));
                var values = new List<BackupProgress>();
                var result = await BackupImporter.ImportFileAsync(_database.ConnectionString, file, new ImportOptions(ImportMode.Merge, DryRun: true),
                    progress: new Collect(values));
                result.Outcome.Should().Be(ImportOutcome.DryRun);
                Values = values;
                BackupTables = result.Tables.Keys.ToList();
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        public Task DisposeAsync() => _database.DisposeAsync();

        private sealed class Collect(List<BackupProgress> values) : IProgress<BackupProgress>
        {
            public void Report(BackupProgress value) => values.Add(value);
        }
    }

    [Fact]
    public void The_steps_are_listed_in_the_order_they_ran_and_a_step_once_left_is_never_shown_again_as_current()
    {
        var panel = RenderPanel(ProgressLog.Start(Start));
        var log = ProgressLog.Start(Start);
        List<string> shown = [];
        for (var i = 0; i < run.Values.Count; i++)
        {
            log = log.Add(run.Values[i], Start.AddMilliseconds(10 * i));
            if (i % 25 != 0 && i != run.Values.Count - 1) continue;
            panel.Render(p => p.Add(c => c.Job, Job(log)));
            var now = panel.FindAll("[data-testid=progress-step]").Select(s => s.GetAttribute("data-step")!).ToList();
            now.Take(shown.Count).Should().Equal(shown, "a step already listed keeps its place");
            panel.FindAll("[data-testid=progress-step][data-state=running]").Should().ContainSingle()
                .Which.GetAttribute("data-step").Should().Be(now[^1], "only the last step runs");
            shown = now;
        }

        // The order the engine's phases came in, each run of phases of one step counted once.
        var expected = new List<string> { nameof(RunStep.Prepare) };
        foreach (var step in run.Values.Select(v => RunSteps.Of(v.Phase).ToString()))
            if (expected[^1] != step) expected.Add(step);
        shown.Should().Equal(expected);
        shown.Should().Equal(nameof(RunStep.Prepare), nameof(RunStep.Read), nameof(RunStep.Tables), nameof(RunStep.Derive));
        panel.Markup.Should().Contain("Read the backup into the database").And.Contain("Match keys and write, table by table")
            .And.NotContain("Previous").And.NotContain("Next");
    }

    [Fact]
    public void Each_table_has_its_own_bar_showing_the_rows_done_of_its_current_step()
    {
        // Halfway through reading a table: the engine's last value names it with its rows read so far.
        var middle = run.Values.Select((v, i) => (v, i)).First(x => x.v.Phase == BackupPhase.Stage && x.v.TableTotal >= 4 && x.v.TableDone == x.v.TableTotal / 2);
        var log = Fold(run.Values.Take(middle.i + 1));
        var panel = RenderPanel(log, run.BackupTables);

        var reading = panel.Find($"[data-testid=progress-table][data-table={middle.v.Table}]");
        reading.GetAttribute("data-state").Should().Be("reading");
        reading.QuerySelector("[data-testid=table-bar]")!.GetAttribute("data-percent").Should()
            .Be((100.0 * middle.v.TableDone / middle.v.TableTotal).ToString("F0", CultureInfo.InvariantCulture));
        reading.TextContent.Should().Contain($"reading {middle.v.TableDone:N0} / {middle.v.TableTotal:N0} rows");
        // Tables read before it are full; those after it are waiting, at zero — every table of the backup is listed.
        var before = run.Values.Take(middle.i).Where(v => v.Phase == BackupPhase.Stage && v.Table != middle.v.Table).Select(v => v.Table!).Distinct().ToList();
        foreach (var table in before)
            panel.Find($"[data-testid=progress-table][data-table={table}] [data-testid=table-bar]").GetAttribute("data-percent").Should().Be("100");
        panel.FindAll("[data-testid=progress-table]").Select(t => t.GetAttribute("data-table")).Should().BeEquivalentTo(run.BackupTables);
        panel.FindAll("[data-testid=progress-table][data-state=waiting] [data-testid=table-bar]").Should().NotBeEmpty()
            .And.OnlyContain(b => b.GetAttribute("data-percent") == "0");

        // At the end every table is done, in the order the run first reached it.
        panel.Render(p => p.Add(c => c.Job, Job(Fold(run.Values))));
        var firstReached = run.Values.Where(v => v.Table is not null && v.Phase is BackupPhase.Stage or BackupPhase.Map or BackupPhase.Write)
            .Select(v => v.Table!).Distinct().ToList();
        panel.FindAll("[data-testid=progress-table]").Select(t => t.GetAttribute("data-table")).Take(firstReached.Count).Should().Equal(firstReached);
        panel.FindAll("[data-testid=progress-table]").Should().OnlyContain(t => t.GetAttribute("data-state") == "done");
    }

    [Fact]
    public void The_elapsed_time_counts_from_the_start_of_the_run_even_while_the_engine_reports_nothing()
    {
        var log = Fold(run.Values.Take(10));
        _time.Now = Start.AddSeconds(75);

        var panel = RenderPanel(log);

        panel.Find("[data-testid=elapsed]").TextContent.Should().Be("1:15");
        _time.Now = Start.AddMinutes(62).AddSeconds(3);
        panel.Render(p => p.Add(c => c.Job, Job(log)));
        panel.Find("[data-testid=elapsed]").TextContent.Should().Be("1:02:03");
    }

    [Fact]
    public void The_time_left_is_shown_only_after_five_seconds_and_a_tenth_of_the_work_with_a_steady_rate()
    {
        // The recorded values replayed at a steady rate: 20 s for the whole run.
        var total = run.Values[^1].OverallTotal;
        DateTimeOffset At(BackupProgress v) => Start.AddSeconds(20.0 * v.OverallDone / total);
        ProgressLog Until(Func<BackupProgress, bool> stop)
        {
            var log = ProgressLog.Start(Start);
            foreach (var v in run.Values.TakeWhile(v => !stop(v))) log = log.Add(v, At(v));
            return log;
        }
        string TimeLeft(ProgressLog log, DateTimeOffset now)
        {
            _time.Now = now;
            return RenderPanel(log).Find("[data-testid=time-left]").TextContent;
        }

        // Half done after 10 s, rate steady: about 10 s left.
        var half = Until(v => v.OverallDone > total / 2);
        TimeLeft(half, Start.AddSeconds(10)).Should().Be("about 10 s left");
        // The same values, but all of them within the first 4 s: too early to tell.
        var early = ProgressLog.Start(Start);
        foreach (var v in run.Values.TakeWhile(v => v.OverallDone <= total / 2)) early = early.Add(v, Start.AddSeconds(4.0 * v.OverallDone / total));
        TimeLeft(early, Start.AddSeconds(4)).Should().Be("Time left: not yet known");
        // Less than a tenth done after 8 s (a run of 100 s): too little to tell from.
        var slow = ProgressLog.Start(Start);
        foreach (var v in run.Values.TakeWhile(v => v.OverallDone <= total * 8 / 100)) slow = slow.Add(v, Start.AddSeconds(100.0 * v.OverallDone / total));
        slow.Fraction.Should().BeLessThan(ProgressLog.EtaFromFraction);
        TimeLeft(slow, Start.AddSeconds(8)).Should().Be("Time left: not yet known");
        // Half done, but nothing reported for 6 more seconds (a long write): the rate fell, no estimate.
        TimeLeft(half, Start.AddSeconds(16)).Should().Be("Time left: not yet known");
    }

    [Fact]
    public void A_viewer_follows_the_progress_but_gets_no_cancel_button()
    {
        _auth.SetAuthorized("viewer@crearis.test").SetRoles(Roles.Viewer);
        var panel = Render<ImportProgressPanel>(p => p
            .Add(c => c.Job, Job(Fold(run.Values.Take(5))))
            .Add(c => c.Time, _time));

        panel.FindAll("[data-testid=cancel]").Should().BeEmpty();
        panel.FindAll("[data-testid=progress-table]").Should().NotBeEmpty();
    }

    private IRenderedComponent<ImportProgressPanel> RenderPanel(ProgressLog log, IReadOnlyList<string>? tables = null)
    {
        _auth.SetAuthorized("admin@crearis.test").SetRoles(Roles.Admin);
        return Render<ImportProgressPanel>(p => p
            .Add(c => c.Job, Job(log))
            .Add(c => c.Tables, tables)
            .Add(c => c.Time, _time));
    }

    /// <summary>The values folded as if reported 10 ms apart.</summary>
    private static ProgressLog Fold(IEnumerable<BackupProgress> values)
    {
        var log = ProgressLog.Start(Start);
        var i = 0;
        foreach (var v in values) log = log.Add(v, Start.AddMilliseconds(10 * i++));
        return log;
    }

    private static JobSnapshot Job(ProgressLog log) => new(Guid.NewGuid(), JobKind.DryRun, JobStatus.Running, "admin@crearis.test",
        Start, "demo.tar.gz", ImportMode.Merge.ToName(), log.Last, [], null, null, null, null) { Log = log };

    /// <summary>A clock the test sets.</summary>
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
