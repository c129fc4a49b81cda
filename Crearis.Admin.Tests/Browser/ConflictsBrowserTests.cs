using Crearis.Admin.Tests.Infrastructure;
using Crearis.Backup.Core.Import;
using Microsoft.Playwright;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Admin.Tests.Browser;

/// <summary>
/// The merge of two instances in the browser: instance A (the fixture) exported a backup that this app's database (B)
/// imported; both sides then edited the same fields; A's next backup is dry-run here, the conflicts are decided on the
/// Conflicts page per field and per column, the merge runs with those decisions, and the history shows them.
/// </summary>
public sealed class ConflictsBrowserTests(CrearisDatabaseFixture a) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string Backup = "y-from-a.tar.gz";
    private readonly string _scratch = Directory.CreateTempSubdirectory("crearis-conflicts-ui-").FullName;
    private BrowserSession _session = null!;
    private string _b = "";
    private string _user1 = "", _user2 = "", _event1 = "", _event2 = "";

    public async Task InitializeAsync()
    {
        await a.ResetWithDemoDataAsync(150, seed: 11);
        (_, _b) = await TestPostgres.CreateCrearisDatabaseAsync("ui_3way");
        var users = await ColumnAsync(a.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 2");
        (_user1, _user2) = (users[0], users[1]);
        var events = await ColumnAsync(a.ConnectionString, "SELECT xmlid FROM events ORDER BY id LIMIT 2");
        (_event1, _event2) = (events[0], events[1]);

        // A → B: the exchange both instances hold, the merge base.
        await ExecuteAsync(a.ConnectionString, $"UPDATE events SET name = 'Sommerkonzert im alten Saal am Freitag um acht' WHERE xmlid = '{_event1}'");
        var x = await ExportAsync(a.ConnectionString, Path.Combine(_scratch, "x.tar.gz"));
        (await ImportAsync(_b, x, new ImportOptions(ImportMode.NewOnly))).Outcome.Should().Be(ImportOutcome.Applied);
        await ExecuteAsync(a.ConnectionString, $"""
            UPDATE users SET username = 'ada-from-a' WHERE sysmail = '{_user1}';
            UPDATE users SET username = 'bob-from-a' WHERE sysmail = '{_user2}';
            UPDATE events SET name = 'Sommerkonzert im alten Saal am Samstag um acht' WHERE xmlid = '{_event1}';
            UPDATE events SET teaser = 'Teaser aus A' WHERE xmlid = '{_event2}';
            """);
        await ExecuteAsync(_b, $"""
            UPDATE users SET username = 'ada-from-b' WHERE sysmail = '{_user1}';
            UPDATE users SET username = 'bob-from-b' WHERE sysmail = '{_user2}';
            UPDATE events SET name = 'Sommerkonzert im neuen Saal am Freitag um acht' WHERE xmlid = '{_event1}';
            UPDATE events SET teaser = 'Teaser aus B' WHERE xmlid = '{_event2}';
            """);
        _session = await BrowserSession.StartAsync(_b);
        await ExportAsync(a.ConnectionString, Path.Combine(_session.App.BackupFolder, Backup));
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_b);
        Directory.Delete(_scratch, recursive: true);
    }

    /// <summary>The page at 1440 px and at a phone's 390 px; at 390 nothing may be wider than the screen.</summary>
    private static async Task ShotsAsync(IPage page, string name)
    {
        // From the top: the app bar is fixed, and a full-page shot of a scrolled page draws it in the middle.
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.SetViewportSizeAsync(1440, 900);
        await BrowserSession.ScreenshotAsync(page, $"{name}-1440.png");
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300);
        await BrowserSession.ScreenshotAsync(page, $"{name}-390.png");
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).Should().BeLessThanOrEqualTo(390, $"{name} scrolls sideways on a phone");
        // The conflicts stack on a phone: their cards never need sideways scrolling (a cut-off value or button).
        (await page.EvaluateAsync<int>("Math.max(0, ...Array.from(document.querySelectorAll('.crearis-conflict-card .crearis-scroll')).map(e => e.scrollWidth - e.clientWidth))"))
            .Should().BeLessThanOrEqualTo(1, $"a conflict card of {name} is wider than a phone");
        await page.SetViewportSizeAsync(1440, 900);
        await page.WaitForTimeoutAsync(300);
    }

    private static string Row(string table, string key, string? column) =>
        $"[data-testid=conflict-table][data-table={table}] tr:has(td[data-conflict='{table}|{key}|{column}'])";

    [Fact]
    public async Task A_dry_run_finds_conflicts_an_admin_decides_them_per_field_and_per_column_and_the_merge_keeps_the_decisions()
    {
        var page = await _session.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await _session.SignInAsync(page);

        // The dry run counts the conflicts per table and links to them.
        await page.GotoAsync($"{_session.BaseUrl}/import?backup={Backup}");
        await page.WaitForSelectorAsync("[data-testid=dry-run]:enabled");
        await page.ClickAsync("[data-testid=dry-run]");
        await page.WaitForSelectorAsync("[data-testid=result-table]");
        (await page.TextContentAsync("[data-cell=users-conflicts]"))!.Trim().Should().Be("2");
        (await page.TextContentAsync("[data-cell=events-conflicts]"))!.Trim().Should().Be("2");
        (await page.TextContentAsync("[data-testid=decide-conflicts]"))!.Should().Contain("4 conflicts — decide them");
        (await page.QuerySelectorAsync("[data-testid=merge-changes]")).Should().BeNull("a merge would stop on them");
        await ShotsAsync(page, "50-dry-run-conflicts");

        // The Conflicts page: per table, side by side, the differing words highlighted.
        await page.ClickAsync("[data-testid=decide-conflicts]");
        await page.WaitForSelectorAsync("[data-testid=conflict-table][data-table=users]");
        await page.WaitForSelectorAsync("[data-testid=merge-with-decisions]");
        (await page.TextContentAsync("[data-testid=decided-count]"))!.Should().Contain("0 of 4 decided");
        await page.WaitForSelectorAsync(Row("events", _event1, "name"));
        (await page.Locator($"{Row("events", _event1, "name")} td[data-side=target] mark").AllTextContentsAsync()).Should().Equal("neuen");
        (await page.Locator($"{Row("events", _event1, "name")} td[data-side=backup] mark").AllTextContentsAsync()).Should().Equal("Samstag");
        (await page.IsDisabledAsync("[data-testid=merge-with-decisions]")).Should().BeTrue("nothing is decided yet");
        await ShotsAsync(page, "51-conflicts");
        // With the system in dark mode the page turns dark, and the marked words stay readable on their highlight.
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await page.WaitForSelectorAsync(".crearis-dark");
        await BrowserSession.ScreenshotAsync(page, "51-conflicts-dark-1440.png");
        (await page.EvalOnSelectorAsync<double>($"{Row("events", _event1, "name")} td[data-side=backup] mark", """
            e => { const l = c => { const [r, g, b] = c.match(/\d+/g).map(Number).map(v => v / 255)
                                       .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
                                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
                   const s = getComputedStyle(e), a = l(s.color), b = l(s.backgroundColor);
                   return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }
            """)).Should().BeGreaterThanOrEqualTo(4.5, "a marked word keeps a contrast of 4.5:1 in dark mode");
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await page.WaitForSelectorAsync(".crearis-light");

        // Per column: every username of the users table takes the backup's value.
        await page.ClickAsync("[data-testid=conflict-table][data-table=users] [data-testid=bulk-column-backup]");
        await page.WaitForSelectorAsync("[data-testid=decided-count] >> text=2 of 4 decided");
        // Per field: one event keeps this database's name, the other gets a teaser typed here.
        await page.ClickAsync($"{Row("events", _event1, "name")} [data-testid=take-target]");
        await page.WaitForSelectorAsync("[data-testid=decided-count] >> text=3 of 4 decided");
        await page.ClickAsync($"{Row("events", _event2, "teaser")} [data-testid=take-value]");
        await page.FillAsync($"{Row("events", _event2, "teaser")} input", "Teaser von beiden");
        await page.ClickAsync($"{Row("events", _event2, "teaser")} [data-testid=save-value]");
        await page.WaitForSelectorAsync("[data-testid=decided-count] >> text=4 of 4 decided");
        await page.WaitForSelectorAsync("[data-testid=merge-with-decisions]:enabled");
        await ShotsAsync(page, "52-conflicts-decided");

        // Another visit (or another admin) sees the stored decisions.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("[data-testid=decided-count] >> text=4 of 4 decided");
        (await page.TextContentAsync($"{Row("users", _user1, "username")} [data-testid=decided]"))!.Should().Contain("Backup").And.Contain(CrearisAppFactory.AdminEmail);

        // Merge with these decisions: one transaction, through the job and the history.
        await page.WaitForSelectorAsync("[data-testid=merge-with-decisions]:enabled");
        await page.ClickAsync("[data-testid=merge-with-decisions]");
        await page.WaitForSelectorAsync(".mud-dialog >> text=Go ahead?");
        await page.ClickAsync(".mud-dialog button:has-text('Merge')");
        await page.WaitForSelectorAsync("[data-testid=job-outcome] >> text=Applied");
        (await ScalarAsync(_b, $"SELECT username FROM users WHERE sysmail = '{_user1}'")).Should().Be("ada-from-a");
        (await ScalarAsync(_b, $"SELECT username FROM users WHERE sysmail = '{_user2}'")).Should().Be("bob-from-a");
        (await ScalarAsync(_b, $"SELECT name FROM events WHERE xmlid = '{_event1}'")).Should().Be("Sommerkonzert im neuen Saal am Freitag um acht");
        (await ScalarAsync(_b, $"SELECT teaser FROM events WHERE xmlid = '{_event2}'")).Should().Be("Teaser von beiden");

        // The history details list the decisions with both sides (the values that lost are kept).
        await page.ClickAsync("[data-testid=history-link]");
        await page.WaitForSelectorAsync("[data-testid=run-decisions]");
        (await page.TextContentAsync("[data-testid=run-conflicts]"))!.Should().Contain("4, 4 decided");
        var decisions = (await page.TextContentAsync("[data-testid=run-decisions]"))!;
        decisions.Should().Contain("Decisions (4)").And.Contain(_user1).And.Contain("ada-from-b").And.Contain("ada-from-a")
            .And.Contain("This database").And.Contain("value Teaser von beiden").And.Contain("Teaser aus B");
        await ShotsAsync(page, "53-history-decisions");
        (await ScalarAsync(_b, "SELECT count(*) FROM crearis_admin.audit_events WHERE \"Action\" = 'conflict-merge' AND \"Outcome\" = 'succeeded'"))
            .Should().Be(1L);
        (await ScalarAsync(_b, "SELECT count(*) FROM crearis_admin.audit_events WHERE \"Action\" = 'conflict-decide'")).Should().Be(3L);
    }
}
