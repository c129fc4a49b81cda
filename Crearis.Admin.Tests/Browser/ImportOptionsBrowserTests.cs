using Crearis.Admin.Cli;
using Crearis.Admin.Operations;
using Crearis.Admin.Tests.Cli;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Backup.Core.Export;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Crearis.Admin.Tests.Browser;

/// <summary>
/// The Import page's options on a desktop (1440 px) and a phone (390 px): tables chosen by leaving one out, what the
/// others then need said before the run, a dry run in the chosen mode that lists only the chosen tables; and a
/// passphrase-encrypted backup opened by typing its passphrase (a wrong one says so). Screenshots 90-… go to the test
/// artifacts.
/// </summary>
public sealed class ImportOptionsBrowserTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string Plain = "options.tar.gz", Locked = "locked.tar.gz.age";
    private const string Passphrase = "a long passphrase for the browser test";
    private BrowserSession _session = null!;
    private readonly string _scratch = Directory.CreateTempSubdirectory("crearis-import-options-").FullName;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(200, seed: 23);
        _session = await BrowserSession.StartAsync(database.ConnectionString);
        var operations = _session.App.Services.GetRequiredService<BackupOperations>();
        await operations.ExportAsync(new ExportRequest(Path.Combine(_session.App.BackupFolder, Plain), new ExportOptions(), Plain),
            new Actor(CrearisAppFactory.AdminEmail), null, default);
        // Encrypted with a passphrase the way the command line's nightly job does it; the app has no key of its own.
        var passphraseFile = Path.Combine(_scratch, "passphrase");
        await File.WriteAllTextAsync(passphraseFile, Passphrase + "\n");
        var export = await CliRun.RunAsync("backup", "export", "--connection", database.ConnectionString,
            "--output", Path.Combine(_session.App.BackupFolder, Locked), "--encrypt", "--passphrase-file", passphraseFile);
        export.ExitCode.Should().Be(ExitCodes.Ok, export.Output + export.Error);
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    [Theory]
    [InlineData(1440, 900, "1440")]
    [InlineData(390, 844, "390")]
    public async Task Leaving_projects_out_says_which_tables_need_it_and_the_dry_run_lists_only_the_tables_chosen(int width, int height, string size)
    {
        var page = await SignedInPageAsync(width, height);
        await page.GotoAsync(_session.BaseUrl + "/import?backup=" + Plain);
        await page.WaitForSelectorAsync("[data-testid=dry-run]:enabled");

        await page.ClickAsync("[data-testid=mode-new-only]");
        await page.WaitForSelectorAsync("[data-testid=merge-options]", new() { State = WaitForSelectorState.Detached });
        await page.ClickAsync("[data-testid=more-options] .mud-expand-panel-header");
        await page.Locator("[data-testid=table-scope]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "All but these" }).ClickAsync();
        await page.ClickAsync("[data-testid=table-chip][data-table=projects]");

        // Before the run: the engine's dependency check, in words.
        var need = await page.WaitForSelectorAsync("[data-testid=dependency-need][data-tables~=events]");
        (await need!.TextContentAsync()).Should().Contain("events").And.Contain("projects").And.Contain("not selected");
        (await page.TextContentAsync("[data-testid=more-options]"))!.Should().Contain("all tables but 1");
        await BrowserSession.ScreenshotAsync(page, $"90-import-options-tables-{size}.png");
        (await LayoutBrowserTests.OverflowAsync(page)).Should().BeFalse("the options fit the screen");
        (await LayoutBrowserTests.InViewportAsync(page, "[data-testid=dry-run]", width)).Should().BeTrue("Dry run is on screen");

        await page.ClickAsync("[data-testid=dry-run]");
        await page.WaitForSelectorAsync("[data-testid=job-outcome]", new() { Timeout = 120_000 });
        await BrowserSession.ScreenshotAsync(page, $"91-import-options-dry-run-{size}.png");

        (await page.TextContentAsync("[data-testid=job-outcome]"))!.Should().Contain("Dry run finished");
        var tables = await page.Locator("[data-testid=result-table] td[data-table]").EvaluateAllAsync<string[]>("cells => cells.map(c => c.dataset.table)");
        tables.Should().NotBeEmpty().And.NotContain("projects").And.Contain("events");
        (await LayoutBrowserTests.OverflowAsync(page)).Should().BeFalse("the result fits the screen");
    }

    [Theory]
    [InlineData(1440, 900, "1440")]
    [InlineData(390, 844, "390")]
    public async Task A_passphrase_encrypted_backup_opens_with_its_passphrase_and_a_wrong_one_is_said_plainly(int width, int height, string size)
    {
        var page = await SignedInPageAsync(width, height);
        try
        {
            await OpensWithItsPassphraseAsync(page, size);
        }
        catch (TimeoutException)
        {
            // What the page showed when a step waited in vain (once, on a busy machine, Open stayed disabled).
            await BrowserSession.ScreenshotAsync(page, $"99-import-passphrase-timed-out-{size}.png");
            throw;
        }
    }

    private async Task OpensWithItsPassphraseAsync(IPage page, string size)
    {
        await page.GotoAsync(_session.BaseUrl + "/import?backup=" + Locked);
        await page.WaitForSelectorAsync("[data-testid=passphrase-prompt]");
        (await page.IsDisabledAsync("[data-testid=dry-run]")).Should().BeTrue("the backup is not open yet");

        await page.Locator("[data-testid=passphrase]").Locator("xpath=descendant-or-self::input").First.FillAsync("not the passphrase");
        await page.ClickAsync("[data-testid=open-encrypted]:enabled");
        var error = await page.WaitForSelectorAsync("[data-testid=passphrase-error]", new() { Timeout = 60_000 });
        await BrowserSession.ScreenshotAsync(page, $"92-import-passphrase-wrong-{size}.png");
        (await error!.GetAttributeAsync("data-code")).Should().Be("KEY_MISMATCH");
        (await error.TextContentAsync()).Should().Contain("The key does not open the backup").And.Contain("the passphrase given does not open it");
        (await LayoutBrowserTests.OverflowAsync(page)).Should().BeFalse();

        await page.Locator("[data-testid=passphrase]").Locator("xpath=descendant-or-self::input").First.FillAsync(Passphrase);
        await page.ClickAsync("[data-testid=open-encrypted]:enabled");
        await page.WaitForSelectorAsync("[data-testid=dry-run]:enabled", new() { Timeout = 60_000 });
        (await page.Locator("[data-testid=passphrase-prompt]").CountAsync()).Should().Be(0);
        await page.ClickAsync("[data-testid=dry-run]");
        await page.WaitForSelectorAsync("[data-testid=job-outcome]", new() { Timeout = 120_000 });
        await BrowserSession.ScreenshotAsync(page, $"93-import-passphrase-dry-run-{size}.png");

        (await page.TextContentAsync("[data-testid=job-outcome]"))!.Should().Contain("Dry run finished");
        (await page.Locator("[data-testid=result-table] td[data-table]").CountAsync()).Should().BeGreaterThan(5);
        // The passphrase went to the engine only: not into the stored job, the history or the audit trail.
        var stored = await Crearis.Testing.EngineHarness.ScalarAsync(database.ConnectionString, $"""
            SELECT (SELECT count(*) FROM crearis_admin.backup_jobs WHERE row_to_json(backup_jobs)::text LIKE '%{Passphrase}%')
                 + (SELECT count(*) FROM crearis_admin.backup_runs WHERE row_to_json(backup_runs)::text LIKE '%{Passphrase}%')
                 + (SELECT count(*) FROM crearis_admin.audit_events WHERE row_to_json(audit_events)::text LIKE '%{Passphrase}%')
            """);
        Convert.ToInt64(stored).Should().Be(0);
    }

    private Task<IPage> SignedInPageAsync(int width, int height) => _session.SignedInPageAsync(width, height);
}
