using Crearis.Platform.Demo;
using Microsoft.Playwright;
using Npgsql;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Admin.Tests.Browser;

/// <summary>
/// What an admin sees while an import runs (the phases as they run, a bar per table, the time since it started, the
/// app bar's jobs indicator on every page) and after a dry run that failed (where it stopped, each error in plain words
/// with what to do), on a desktop (1440 px) and on a phone (390 px). Screenshots 60-… go to the test artifacts.
/// </summary>
public sealed class ImportProgressBrowserTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string Backup = "other-demo.tar.gz";
    private BrowserSession _session = null!;
    private readonly string _scratch = Directory.CreateTempSubdirectory("crearis-progress-").FullName;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(300, seed: 42);
        // A backup made from other demo data: a merge of it inserts rows in most tables.
        var (_, other) = await TestPostgres.CreateCrearisDatabaseAsync("progressdemo");
        string exported;
        try
        {
            await using (var conn = new NpgsqlConnection(other))
            {
                await conn.OpenAsync();
                await DemoDataGenerator.GenerateAsync(conn, new DemoDataOptions(400, Seed: 99));
            }
            exported = await ExportAsync(other, Path.Combine(_scratch, Backup));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(other);
        }
        _session = await BrowserSession.StartAsync(database.ConnectionString);
        File.Copy(exported, Path.Combine(_session.App.BackupFolder, Backup));
    }

    public async Task DisposeAsync()
    {
        await ExecuteAsync(database.ConnectionString, "DROP FUNCTION IF EXISTS test_slow_write() CASCADE; DROP FUNCTION IF EXISTS test_refuse_project() CASCADE;");
        await _session.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    [Theory]
    [InlineData(1440, 900, "1440")]
    [InlineData(390, 844, "390")]
    public async Task A_running_import_lists_its_phases_and_tables_with_bars_and_elapsed_time_and_every_page_shows_it_in_the_app_bar(
        int width, int height, string size)
    {
        // Writing three of the tables takes three seconds each (one statement each, rolled back with the rest for the dry
        // run): time enough to look at the panel and at another page while the job runs.
        await ExecuteAsync(database.ConnectionString, """
            CREATE FUNCTION test_slow_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$;
            CREATE TRIGGER test_slow_users AFTER INSERT ON users FOR EACH STATEMENT EXECUTE FUNCTION test_slow_write();
            CREATE TRIGGER test_slow_events AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION test_slow_write();
            CREATE TRIGGER test_slow_posts AFTER INSERT ON posts FOR EACH STATEMENT EXECUTE FUNCTION test_slow_write();
            """);
        var page = await SignedInPageAsync(width, height);
        await page.GotoAsync(_session.BaseUrl + "/import?backup=" + Backup);
        await page.WaitForSelectorAsync("[data-testid=dry-run]:enabled");

        await page.ClickAsync("[data-testid=dry-run]");
        await page.WaitForSelectorAsync("[data-testid=progress-panel]");
        // The dry run is in its tables: the panel lists them, each with its own bar, and the time since it started.
        await page.WaitForSelectorAsync(UsersBeingWritten);
        await PanelShotAsync(page, $"60-dry-run-progress-{size}.png");
        await ThePanelShowsPhasesTablesAndElapsedTimeAsync(page);

        await page.WaitForSelectorAsync("[data-testid=import-new-only]", new() { Timeout = 120_000 });
        await page.ClickAsync("[data-testid=import-new-only]");
        await page.ClickAsync(".mud-dialog button:has-text('Import New Only')");
        await page.WaitForSelectorAsync(UsersBeingWritten);
        await PanelShotAsync(page, $"61-import-progress-{size}.png");
        await ThePanelShowsPhasesTablesAndElapsedTimeAsync(page);

        // Another page, while the import runs: the app bar names the job and its percentage and links to its page.
        var other = await page.Context.NewPageAsync();
        await other.GotoAsync(_session.BaseUrl + "/history");
        var indicator = await other.WaitForSelectorAsync("[data-testid=jobs-indicator]");
        await ViewportShotAsync(other, $"62-jobs-indicator-{size}.png");
        (await indicator!.GetAttributeAsync("aria-label")).Should().Contain("Import").And.Contain(Backup).And.MatchRegex(@"\d+ %");
        (await indicator.GetAttributeAsync("href")).Should().EndWith("import?backup=" + Backup);
        (await WidestAsync(other)).Should().BeLessThanOrEqualTo(width, "the app bar fits the screen with the indicator");

        // It updates by itself: when the import ends it goes away, with no reload.
        await other.WaitForSelectorAsync("[data-testid=jobs-indicator]", new() { State = WaitForSelectorState.Detached, Timeout = 120_000 });
        await page.WaitForSelectorAsync("[data-testid=job-outcome] >> text=Applied", new() { Timeout = 120_000 });
    }

    [Theory]
    [InlineData(1440, 900, "1440")]
    [InlineData(390, 844, "390")]
    public async Task A_failed_dry_run_says_where_it_stopped_which_tables_it_never_reached_and_what_to_do(int width, int height, string size)
    {
        // A rule of this database the backup's rows break: no project may name a regio (the import links projects to
        // their regio once all projects are in, in one statement, so the rule stops the whole run there).
        await ExecuteAsync(database.ConnectionString, """
            CREATE FUNCTION test_refuse_project() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'projects may not name a regio here (project %)', NEW.domaincode; END $$;
            CREATE TRIGGER test_refuse_project BEFORE UPDATE OF regio ON projects FOR EACH ROW WHEN (NEW.regio IS NOT NULL) EXECUTE FUNCTION test_refuse_project();
            """);
        var page = await SignedInPageAsync(width, height);
        await page.GotoAsync(_session.BaseUrl + "/import?backup=" + Backup);
        await page.WaitForSelectorAsync("[data-testid=dry-run]:enabled");

        await page.ClickAsync("[data-testid=dry-run]");
        await page.WaitForSelectorAsync("[data-testid=job-outcome]", new() { Timeout = 120_000 });
        await BrowserSession.ScreenshotAsync(page, $"63-failed-dry-run-{size}.png");
        await ViewportShotAsync(page, $"63-failed-dry-run-{size}-top.png");
        await page.Locator("[data-testid=issues-errors]").ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, $"64-failed-dry-run-errors-{size}.png") });

        var stopped = await page.TextContentAsync("[data-testid=stopped-at]");
        stopped.Should().Contain("at table projects").And.Contain("while").And.Contain("tasks");
        // The tables after projects show no counts: they read "not reached".
        (await page.TextContentAsync("[data-testid=result-table] tr:has(td[data-table=tasks])"))!.Should().Contain("not reached").And.NotContain("0");
        (await page.TextContentAsync("[data-testid=result-table] tr:has(td[data-table=projects])"))!.Should().Contain("stopped here");
        // The error in plain words, where, and what to do.
        var error = await page.TextContentAsync("[data-testid=issues-errors] [data-testid=issue]");
        error.Should().Contain("A rule of this database refused").And.Contain("projects may not name a regio here")
            .And.Contain("What to do").And.Contain("projects");
        (await WidestAsync(page)).Should().BeLessThanOrEqualTo(width, "the result fits the screen");
    }

    [Fact]
    public async Task A_dry_run_whose_rows_a_rule_refuses_one_by_one_names_the_tables_and_says_each_kind_of_error_once_with_its_rows()
    {
        // A rule of this database that refuses every new project: the dry run writes the others and lists each refusal.
        await ExecuteAsync(database.ConnectionString, """
            CREATE FUNCTION test_refuse_project() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'no new projects are taken here (project %)', NEW.domaincode; END $$;
            CREATE TRIGGER test_refuse_project BEFORE INSERT ON projects FOR EACH ROW EXECUTE FUNCTION test_refuse_project();
            """);
        var page = await SignedInPageAsync(1440, 900);
        await page.GotoAsync(_session.BaseUrl + "/import?backup=" + Backup);
        await page.WaitForSelectorAsync("[data-testid=dry-run]:enabled");

        await page.ClickAsync("[data-testid=dry-run]");
        await page.WaitForSelectorAsync("[data-testid=job-outcome]", new() { Timeout = 120_000 });
        await ViewportShotAsync(page, "65-dry-run-with-row-errors-1440.png");
        await page.Locator("[data-testid=issues-errors]").ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, "65-dry-run-with-row-errors-list-1440.png") });

        (await page.TextContentAsync("[data-testid=failed-with-errors]"))!.Should().Contain("ran to the end").And.Contain("projects");
        (await page.TextContentAsync("[data-testid=result-table] tr:has(td[data-table=projects]) [data-testid=table-errors]"))!.Should().MatchRegex(@"\d+\+? errors?");
        // Every refused project is one finding, said once with the rows it concerns.
        var refused = page.Locator("[data-testid=issues-errors] [data-testid=issue][data-code=TRIGGER_REFUSED]");
        (await refused.CountAsync()).Should().Be(1);
        (await refused.TextContentAsync())!.Should().Contain("A rule of this database refused a row").And.MatchRegex(@"\(\d+ rows\)")
            .And.Contain("no new projects are taken here").And.Contain("What to do");
    }

    /// <summary>The users table while it is written (its insert takes two seconds here).</summary>
    private const string UsersBeingWritten = "[data-testid=progress-table][data-table=users][data-state=writing]";

    private static async Task ThePanelShowsPhasesTablesAndElapsedTimeAsync(IPage page)
    {
        var steps = await page.Locator("[data-testid=progress-step]").AllTextContentsAsync();
        steps.Should().HaveCountGreaterThanOrEqualTo(3);
        steps[0].Should().Contain("Check");
        steps[1].Should().Contain("Read the backup");
        steps[2].Should().Contain("Match keys and write");
        var tables = page.Locator("[data-testid=progress-table]");
        (await tables.CountAsync()).Should().BeGreaterThan(5);
        (await page.Locator("[data-testid=progress-table] [data-testid=table-bar]").CountAsync()).Should().Be(await tables.CountAsync(), "each table has its own bar");
        (await page.TextContentAsync("[data-testid=elapsed]"))!.Should().MatchRegex(@"\d+:\d\d");
        (await page.TextContentAsync("[data-testid=progress-table][data-table=users]"))!.Should().Contain("writing");
        // The tables written before it are done, with full bars; tables later in the order wait for their turn.
        (await page.Locator("[data-testid=progress-table][data-state=done] [data-testid=table-bar]").CountAsync()).Should().BeGreaterThan(0);
        (await page.Locator("[data-testid=progress-table][data-state=done] [data-testid=table-bar]").EvaluateAllAsync<string[]>("bars => bars.map(b => b.dataset.percent)"))
            .Should().OnlyContain(p => p == "100");
        (await page.Locator("[data-testid=cancel]").IsVisibleAsync()).Should().BeTrue();
    }

    /// <summary>What the screen shows (a full-page shot of a long page is too tall to look at).</summary>
    private static Task ViewportShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, name) });

    /// <summary>The progress panel whole, however tall (a viewport shot would cut its tables off).</summary>
    private static Task PanelShotAsync(IPage page, string name) =>
        page.Locator("[data-testid=progress-panel]").ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, name) });

    private Task<IPage> SignedInPageAsync(int width, int height) => _session.SignedInPageAsync(width, height);

    /// <summary>How wide the page's content is, in CSS pixels (more than the viewport: it scrolls sideways).</summary>
    private static Task<int> WidestAsync(IPage page) => page.EvaluateAsync<int>("document.documentElement.scrollWidth");
}
