using System.Security.Cryptography;
using System.Text;
using Crearis.Admin.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Crearis.Admin.Tests.Browser;

public sealed partial class ExportDialogBrowserTests
{
    [Fact]
    public async Task A_project_and_a_user_found_by_typing_give_a_filtered_export_and_the_scrub_switch_a_scrubbed_copy_marked_as_such()
    {
        var (project, projectName) = await ProjectAsync();
        var user = (string)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT sysmail FROM users ORDER BY id DESC LIMIT 1"))!;
        var page = await BackupsPageAsync();

        // Filtered: a project by a part of its name, a user by a part of the address, each picked from what the search found.
        await page.ClickAsync("[data-testid=export-now]");
        await page.WaitForSelectorAsync("[data-testid=export-dialog]");
        await PickAsync(page, "project-search", projectName[..Math.Min(6, projectName.Length)], project, $"[data-testid=project-chip] >> text={projectName}");
        await PickAsync(page, "user-search", user.Split('@')[0], user, "[data-testid=user-chip]");
        await BothWidthsAsync(page, "53-export-dialog-filtered", "[data-testid=export-dialog]");
        var filtered = await ExportAsync(page);

        var filter = (await ManifestAsync(filtered)).GetProperty("filter");
        filter.GetProperty("projects").EnumerateArray().Select(p => p.GetString()).Should().Equal(project);
        filter.GetProperty("users").EnumerateArray().Select(u => u.GetString()).Should().Equal(user);
        (await page.TextContentAsync("[data-testid=export-status]")).Should().Contain("(filtered)");
        var filteredRow = page.Locator("[data-testid=backups-grid] tr", new() { HasText = Path.GetFileName(filtered) });
        await filteredRow.Locator("[data-testid=kind-filtered]").WaitForAsync();
        await filteredRow.Locator("[data-testid=inspect]").ClickAsync();
        await page.WaitForSelectorAsync("[data-testid=inspect-dialog] [data-testid=filter-selection]");
        (await page.TextContentAsync("[data-testid=filter-selection]")).Should().Contain(project).And.Contain(user);
        await BothWidthsAsync(page, "54-inspect-filtered", "[data-testid=inspect-dialog]");
        await page.Locator(".mud-dialog-actions button", new() { HasText = "Close" }).ClickAsync();
        await page.Locator("[data-testid=inspect-dialog]").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });

        // Scrubbed: the switch, and the inspect dialog's mark with the key's fingerprint.
        await page.ClickAsync("[data-testid=export-now]");
        await page.WaitForSelectorAsync("[data-testid=export-dialog]");
        await page.Locator("[data-testid=scrub-switch]").Locator("xpath=descendant-or-self::input").First.CheckAsync();
        var scrubbed = await ExportAsync(page);

        var scrub = (await ManifestAsync(scrubbed)).GetProperty("scrub");
        var fingerprint = Convert.ToHexString(SHA256.HashData([.. "crearis-scrub-key\n"u8, .. Encoding.UTF8.GetBytes(ScrubKeyText)]))[..16].ToLowerInvariant();
        scrub.GetProperty("keyFingerprint").GetString().Should().Be(fingerprint);
        var scrubbedRow = page.Locator("[data-testid=backups-grid] tr", new() { HasText = Path.GetFileName(scrubbed) });
        await scrubbedRow.Locator("[data-testid=kind-scrubbed]").WaitForAsync();
        await scrubbedRow.Locator("[data-testid=inspect]").ClickAsync();
        var marker = await page.WaitForSelectorAsync("[data-testid=inspect-dialog] [data-testid=scrubbed-marker]");
        (await marker!.TextContentAsync()).Should().Contain("not for production").And.Contain(fingerprint);
        await BothWidthsAsync(page, "55-inspect-scrubbed", "[data-testid=inspect-dialog]");
    }

    /// <summary>A project with a name of its own (the search shows names), and its domaincode.</summary>
    private async Task<(string Domaincode, string Name)> ProjectAsync()
    {
        var row = (string)(await EngineHarness.ScalarAsync(database.ConnectionString,
            "SELECT domaincode || E'\\t' || name FROM projects WHERE length(name) >= 3 ORDER BY id LIMIT 1"))!;
        var parts = row.Split('\t');
        return (parts[0], parts[1]);
    }

    /// <summary>
    /// Types into a search field and clicks the match. The list is re-rendered when the debounced search answers, and a
    /// click that lands on a list about to be replaced picks nothing; so the pick is tried again (three times at most)
    /// until its chip shows.
    /// </summary>
    private static async Task PickAsync(IPage page, string field, string typed, string match, string chip)
    {
        var input = page.Locator($"[data-testid={field}]").Locator("xpath=descendant-or-self::input").First;
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
                await page.WaitForSelectorAsync(chip, new() { Timeout = 5_000 });
                return;
            }
            catch (PlaywrightException) { }
        }
        (await page.Locator(chip).CountAsync()).Should().BeGreaterThan(0, $"picking {match} in {field} shows its chip");
    }
}
