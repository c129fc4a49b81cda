using System.Text.Json;
using Crearis.Admin.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Crearis.Admin.Tests.Browser;

/// <summary>
/// The export dialog in Chromium, end to end through a web job: a base picked in the dialog gives a differential (read
/// from the file's own manifest), which the list marks and the inspect dialog explains; at 1440 and 390 px.
/// </summary>
public sealed partial class ExportDialogBrowserTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string ScrubKeyText = "browser test scrub key, long enough to use";
    private BrowserSession _session = null!;
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"crearis-scrub-{Guid.NewGuid():N}.key");

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(300, seed: 21);
        await File.WriteAllTextAsync(_keyFile, ScrubKeyText);
        _session = await BrowserSession.StartAsync(database.ConnectionString,
            new Dictionary<string, string?> { ["Crearis:Backups:ScrubKeyFile"] = _keyFile });
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        File.Delete(_keyFile);
    }

    private string Folder => _session.App.BackupFolder;

    /// <summary>The page at 1440 px and at a phone's 390 px; at 390 the dialog stays on the screen.</summary>
    private static async Task BothWidthsAsync(IPage page, string name, string dialog)
    {
        await page.SetViewportSizeAsync(1440, 900);
        // A dialog grows into place when it opens: wait for the end of its animation.
        await page.WaitForTimeoutAsync(600);
        await BrowserSession.ScreenshotAsync(page, $"{name}-1440.png");
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300);
        await BrowserSession.ScreenshotAsync(page, $"{name}-390.png");
        var box = await page.Locator(dialog).BoundingBoxAsync();
        box!.X.Should().BeGreaterThanOrEqualTo(0, $"{name} starts on the screen");
        (box.X + box.Width).Should().BeLessThanOrEqualTo(390, $"{name} fits a phone's width");
        await page.SetViewportSizeAsync(1440, 900);
    }

    /// <summary>Clicks Export in the open dialog and waits for the job's "Wrote …" line naming a new file; that file.</summary>
    private async Task<string> ExportAsync(IPage page)
    {
        var before = Directory.GetFiles(Folder).Select(Path.GetFileName).ToHashSet();
        await page.ClickAsync("[data-testid=export-start]");
        for (var i = 0; i < 360; i++)
        {
            var text = await page.Locator("[data-testid=export-status]").TextContentAsync() ?? "";
            if (System.Text.RegularExpressions.Regex.Match(text, @"Wrote (\S+?\.tar\.gz)") is { Success: true } wrote && !before.Contains(wrote.Groups[1].Value))
                return Path.Combine(Folder, wrote.Groups[1].Value);
            if (text.Contains("BASE_UNKNOWN", StringComparison.Ordinal)) throw new InvalidOperationException(text);
            await page.WaitForTimeoutAsync(250);
        }
        throw new TimeoutException("The export did not finish.");
    }

    private static async Task<JsonElement> ManifestAsync(string file) =>
        JsonDocument.Parse(await EngineHarness.ReadMemberAsync(file, "manifest.json")).RootElement;

    /// <summary>A signed-in admin's page on /backups, ready to export.</summary>
    private async Task<IPage> BackupsPageAsync()
    {
        var page = await _session.NewPageAsync();
        page.SetDefaultTimeout(90_000);
        await _session.SignInAsync(page);
        await page.GotoAsync(_session.BaseUrl + "/backups");
        await page.WaitForSelectorAsync("[data-testid=export-now]:enabled");
        return page;
    }

    [Fact]
    public async Task A_base_picked_in_the_dialog_gives_a_differential_that_the_list_marks_and_the_inspect_dialog_explains()
    {
        await EngineHarness.ExecuteAsync(database.ConnectionString, "INSERT INTO tags (name, description) VALUES ('browser-tag-gone', 'deleted after the base')");
        var user = (string)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
        var page = await BackupsPageAsync();

        // A full export first: the base.
        await page.ClickAsync("[data-testid=export-now]");
        await page.WaitForSelectorAsync("[data-testid=export-dialog]");
        var full = await ExportAsync(page);
        await EngineHarness.ExecuteAsync(database.ConnectionString, $"""
            UPDATE users SET username = 'browser-renamed' WHERE sysmail = '{user}';
            DELETE FROM tags WHERE name = 'browser-tag-gone';
            """);

        // The differential: the base chosen from this database's exports in the folder.
        await page.ClickAsync("[data-testid=export-now]");
        await page.WaitForSelectorAsync("[data-testid=export-dialog]");
        await page.Locator("[data-testid=export-base]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = Path.GetFileName(full) }).ClickAsync();
        await page.WaitForSelectorAsync($"[data-testid=export-dialog] >> text={Path.GetFileName(full)}");
        await BothWidthsAsync(page, "50-export-dialog", "[data-testid=export-dialog]");
        var diff = await ExportAsync(page);

        var manifest = await ManifestAsync(diff);
        var baseManifest = await ManifestAsync(full);
        manifest.GetProperty("differential").GetProperty("baseCreatedAt").GetDateTimeOffset()
            .Should().BeCloseTo(baseManifest.GetProperty("createdAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1), "the ledger keeps microseconds");
        (await EngineHarness.ReadMemberAsync(diff, "tables/users.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Should().ContainSingle().Which.Should().Contain("browser-renamed");
        (await EngineHarness.ReadMemberAsync(diff, "tables/tags.deleted.jsonl")).Should().Contain("browser-tag-gone");
        (await page.TextContentAsync("[data-testid=export-status]")).Should().Contain("(differential)");

        // The list marks it, and the inspect dialog names the base and counts the tombstones.
        var row = page.Locator("[data-testid=backups-grid] tr", new() { HasText = Path.GetFileName(diff) });
        await row.Locator("[data-testid=kind-differential]").WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "51-backups-differential-1440.png");
        await row.Locator("[data-testid=inspect]").ClickAsync();
        await page.WaitForSelectorAsync("[data-testid=inspect-dialog] [data-testid=differential-base]");
        var shownBase = await page.TextContentAsync("[data-testid=differential-base]");
        shownBase.Should().Contain(baseManifest.GetProperty("createdAt").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss"));
        (await page.TextContentAsync("[data-testid=inspect-dialog] tr[data-table=tags] [data-cell=tombstones]"))!.Trim().Should().Be("1");
        (await page.TextContentAsync("[data-testid=inspect-dialog] tr[data-table=users] [data-cell=rows]"))!.Trim().Should().Be("1");
        await BothWidthsAsync(page, "52-inspect-differential", "[data-testid=inspect-dialog]");
    }
}
