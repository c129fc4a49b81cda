using System.Globalization;
using Crearis.Admin.Backups;
using Crearis.Admin.Components.Pages.Import;
using Crearis.Admin.Operations;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Backup.Core.Export;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Crearis.Admin.Tests.Browser;

/// <summary>
/// The backup catalogue in the browser at 1440 px and 390 px: the Import page's picker searches every backup of a folder
/// of more than 500, an upload shows its progress and ends in the list, the Backups page shows when the snapshot was
/// taken. Screenshots (80-…) go to the test artifacts.
/// </summary>
public sealed class CatalogBrowserTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    /// <summary>More than the 500 the old picker loaded, so the oldest is one it never offered.</summary>
    private const int Copies = 510;
    private const string Needle = "needle-from-march.tar.gz";
    private BrowserSession _session = null!;
    private string _nightly = null!;
    private DateTimeOffset _snapshot;
    private readonly string _scratch = Directory.CreateTempSubdirectory("crearis-catalog-").FullName;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(300, seed: 42);
        _session = await BrowserSession.StartAsync(database.ConnectionString);
        var operations = _session.App.Services.GetRequiredService<BackupOperations>();
        _nightly = Path.Combine(_session.App.BackupFolder, "nightly.tar.gz");
        await operations.ExportAsync(new ExportRequest(_nightly, new ExportOptions(), "nightly.tar.gz"), new Actor(CrearisAppFactory.AdminEmail), null, default);
        _snapshot = (await Storage.GetAsync("nightly.tar.gz", verify: true))!.CreatedAt!.Value;
        // Copied in later than the nightly's snapshot (a restore from tape, say): the list must still show the snapshot's time.
        File.SetLastWriteTimeUtc(_nightly, DateTime.UtcNow.AddHours(3));
        await Storage.GetAsync("nightly.tar.gz", verify: true);
        var now = DateTime.UtcNow;
        for (var i = 0; i < Copies; i++)
        {
            var copy = Path.Combine(_session.App.BackupFolder, i == 0 ? Needle : $"copy-{i:D4}.tar.gz");
            File.Copy(_nightly, copy);
            File.SetLastWriteTimeUtc(copy, now.AddDays(-30).AddMinutes(i));
        }
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    /// <summary>A backup large enough to arrive in several reads (the nightly arrives in one): from a database of its own.</summary>
    private async Task<string> LargeBackupAsync(string name)
    {
        var (_, other) = await TestPostgres.CreateCrearisDatabaseAsync("largedemo");
        try
        {
            await using (var conn = new Npgsql.NpgsqlConnection(other))
            {
                await conn.OpenAsync();
                await Crearis.Platform.Demo.DemoDataGenerator.GenerateAsync(conn, new Crearis.Platform.Demo.DemoDataOptions(3000, Seed: 7));
            }
            return await EngineHarness.ExportAsync(other, Path.Combine(_scratch, name));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(other);
        }
    }

    private BackupStorage Storage => _session.App.Services.GetRequiredService<BackupStorage>();

    [Theory]
    [InlineData(1440)]
    [InlineData(390)]
    public async Task The_import_picker_finds_a_backup_older_than_the_newest_500_by_typing_part_of_its_name(int width)
    {
        var page = await SignedInPageAsync(width);
        await page.GotoAsync(_session.BaseUrl + "/import");
        var input = page.Locator("[data-testid=backup-select]").Locator("xpath=descendant-or-self::input").First;
        var more = page.Locator(".mud-popover-open [data-testid=backup-more]");
        await OpenAsync(input, more);
        (await more.TextContentAsync()).Should().Contain($"newest {BackupPicker.Limit} of {Copies + 1:N0} matches", "the list says how many it does not show");
        await page.WaitForTimeoutAsync(400); // the list fades in
        await Shot(page, $"80-picker-open-{width}.png");
        (await LayoutBrowserTests.InViewportAsync(page, ".mud-popover-open .mud-list-item", width)).Should().BeTrue("the list's items are on screen");
        (await LayoutBrowserTests.OverflowAsync(page)).Should().BeFalse("the open picker fits the screen");

        await PickAsync(page, input, "needle", Needle);
        await page.WaitForSelectorAsync("[data-testid=backup-summary]", new() { Timeout = 60_000 });
        await Shot(page, $"81-picker-picked-{width}.png");

        (await input.InputValueAsync()).Should().Be(Needle);
        (await page.TextContentAsync("[data-testid=backup-summary]")).Should().Contain(database.DatabaseName);
        (await LayoutBrowserTests.OverflowAsync(page)).Should().BeFalse("the picked backup's summary fits the screen");
    }

    [Theory]
    [InlineData(1440)]
    [InlineData(390)]
    public async Task An_upload_shows_its_progress_and_ends_in_the_list(int width)
    {
        var upload = await LargeBackupAsync($"upload-{width}.tar.gz");
        var page = await SignedInPageAsync(width);
        await page.GotoAsync(_session.BaseUrl + "/backups");
        await page.WaitForSelectorAsync("[data-testid=upload-button]:enabled");
        // Every state of the progress the page shows, however briefly: an upload on loopback is quick.
        await page.EvaluateAsync("""
            () => { window.__progress = [];
                    new MutationObserver(() => { const p = document.querySelector('[data-testid=upload-progress]');
                                                 if (p && window.__progress.at(-1) !== p.textContent) window.__progress.push(p.textContent); })
                        .observe(document.body, { subtree: true, childList: true, characterData: true }); }
            """);

        // A slow line (the browser sends about 128 KiB a second), so the bar is seen moving between 0 and 100 %.
        var devtools = await page.Context.NewCDPSessionAsync(page);
        await devtools.SendAsync("Network.enable");
        await devtools.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = 128 * 1024,
        });
        await page.SetInputFilesAsync("input[type=file]", upload);
        try
        {
            await page.WaitForSelectorAsync("[data-testid=upload-progress] >> text=/Uploading.*\\b[1-9][0-9]? %/", new() { Timeout = 10_000 });
            await Shot(page, $"82-upload-progress-{width}.png");
        }
        catch (Exception e) when (e is PlaywrightException or System.TimeoutException) { }
        await page.Locator("[data-testid=backups-grid] >> text=" + Path.GetFileName(upload)).First.WaitForAsync(new() { Timeout = 60_000 });
        await Shot(page, $"83-uploaded-{width}.png");
        var seen = await page.EvaluateAsync<string[]>("window.__progress");

        seen.Should().Contain(t => t.Contains("Uploading " + Path.GetFileName(upload)) && t.Contains(" of ") && t.Contains('%')
                                   && !t.Contains("(0 %)") && !t.Contains("(100 %)"),
            $"the page says how much of the file has arrived while it arrives (it showed: {string.Join(" | ", seen)})");
        (await page.Locator("[data-testid=upload-progress]").CountAsync()).Should().Be(0, "the progress goes when the file is kept");
        (await LayoutBrowserTests.OverflowAsync(page)).Should().BeFalse();
    }

    [Theory]
    [InlineData(1440)]
    [InlineData(390)]
    public async Task The_backups_page_shows_when_the_snapshot_was_taken_and_the_file_time_beside_it(int width)
    {
        var page = await SignedInPageAsync(width);
        await page.GotoAsync(_session.BaseUrl + "/backups");
        await page.WaitForSelectorAsync("[data-testid=backups-grid] >> text=nightly.tar.gz");

        // Newest snapshot first: the nightly, though 510 files were copied in after its snapshot was taken.
        var firstRow = page.Locator("[data-testid=backups-grid] tbody tr").First;
        (await firstRow.TextContentAsync()).Should().Contain("nightly.tar.gz");
        (await firstRow.Locator("[data-testid=snapshot-time]").TextContentAsync()).Should().Be(
            _snapshot.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        (await firstRow.Locator("[data-testid=file-time]").TextContentAsync()).Should().StartWith("file written ");
        if (width > 600)
            (await page.Locator("[data-testid=backups-grid] th >> text=Snapshot (UTC)").CountAsync()).Should().Be(1, "the column says its zone");
        await Shot(page, $"84-backups-snapshot-time-{width}.png");
        (await LayoutBrowserTests.OverflowAsync(page)).Should().BeFalse();
    }

    /// <summary>
    /// Types into the picker and clicks the match. The list is re-rendered when the debounced search answers, and a
    /// click on a list about to be replaced picks nothing; so the pick is tried again until the field holds the name.
    /// </summary>
    private static async Task PickAsync(IPage page, ILocator input, string typed, string match)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await input.FillAsync("");
            await input.FillAsync(typed);
            var item = page.Locator(".mud-popover-open .mud-list-item", new() { HasText = match }).First;
            await item.WaitForAsync();
            await page.WaitForTimeoutAsync(400);
            await item.ClickAsync();
            try
            {
                await page.WaitForSelectorAsync("[data-testid=backup-summary]", new() { Timeout = 5_000 });
                return;
            }
            catch (Exception e) when (e is PlaywrightException or System.TimeoutException) { }
        }
        (await input.InputValueAsync()).Should().Be(match, $"picking {match} fills the field");
    }

    /// <summary>Opens the picker's list; a click before the page's circuit is interactive opens nothing, so it is tried again.</summary>
    private static async Task OpenAsync(ILocator input, ILocator shown)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            await input.ClickAsync();
            try
            {
                await shown.WaitForAsync(new() { Timeout = 2_000 });
                return;
            }
            catch (Exception e) when (e is PlaywrightException or System.TimeoutException)
            {
                await input.PressAsync("Escape");
            }
        }
        await shown.WaitForAsync();
    }

    private async Task<IPage> SignedInPageAsync(int width)
    {
        var page = await _session.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.SetViewportSizeAsync(width, width > 600 ? 900 : 844);
        await _session.SignInAsync(page);
        return page;
    }

    /// <summary>The screen alone: a page of 25 backups is too long to look at on a phone.</summary>
    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, name) });
}
