using Microsoft.Playwright;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Admin.Tests.Browser;

/// <summary>
/// The full preview as an admin uses it after a dry run, on a desktop (1440 px) and a phone (390 px): the changed rows
/// with each field before → after, the new rows, a filter by key, the downloads, buttons that say what they will do
/// and a confirmation that names the database. The backup comes from a second database made from the same demo data,
/// where one user was renamed and two tags added. Screenshots 66-69 go to the test artifacts.
/// </summary>
public sealed class RowPreviewBrowserTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string Backup = "same-demo-edited.tar.gz";
    private BrowserSession _session = null!;
    private readonly string _scratch = Directory.CreateTempSubdirectory("crearis-row-preview-").FullName;
    private string _sysmail = "";

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(300, seed: 42);
        var (_, other) = await TestPostgres.CreateCrearisDatabaseAsync("previewdemo");
        string exported;
        try
        {
            await GenerateDemoAsync(other, 300, 42);
            _sysmail = (string)(await ScalarAsync(other, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
            await ExecuteAsync(other, $"""
                UPDATE users SET username = 'renamed-over-there' WHERE sysmail = '{_sysmail}';
                INSERT INTO tags (name, description) VALUES ('preview-tag-one', 'new there'), ('preview-tag-two', 'new there');
                """);
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
        await _session.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    [Theory]
    [InlineData(1440, 900, "1440")]
    [InlineData(390, 844, "390")]
    public async Task After_a_dry_run_every_row_it_would_write_is_listed_with_its_fields_and_the_buttons_say_what_they_do(int width, int height, string size)
    {
        var page = await _session.SignedInPageAsync(width, height, acceptDownloads: true);
        await page.GotoAsync(_session.BaseUrl + "/import?backup=" + Backup);
        await page.WaitForSelectorAsync("[data-testid=dry-run]:enabled");

        await page.ClickAsync("[data-testid=dry-run]");
        var preview = page.Locator("[data-testid=row-preview]");
        await page.WaitForSelectorAsync("[data-testid=row-preview] [data-testid=row-change]", new() { Timeout = 120_000 });
        await preview.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, $"66-preview-changes-{size}.png") });

        // The changed row first: the user renamed over there, the one field, here → there.
        (await preview.Locator("[data-testid=row-key-cell]").AllTextContentsAsync()).Should().Equal(_sysmail);
        var here = (string)(await ScalarAsync(database.ConnectionString, $"SELECT username FROM users WHERE sysmail = '{_sysmail}'"))!;
        (await preview.Locator("[data-testid=row-change]").TextContentAsync()).Should().Contain("username").And.Contain(here).And.Contain("renamed-over-there");

        // The new rows, narrowed by key.
        await page.ClickAsync("[data-testid=row-action-insert]");
        await page.Locator("[data-testid=row-key]").Locator("xpath=descendant-or-self::input").First.FillAsync("preview-tag");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=row-key-cell]')].map(e => e.textContent).join() === 'preview-tag-one,preview-tag-two'");
        await preview.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, $"67-preview-new-rows-{size}.png") });

        // The download holds what is shown.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=rows-csv]"));
        var csv = await File.ReadAllLinesAsync((await download.PathAsync())!);
        csv.Skip(1).Select(l => l.Split(',')[3]).Should().Equal("preview-tag-one", "preview-tag-two");

        // What each button does, and the database the confirmation names.
        var steps = page.Locator("[data-testid=next-steps]");
        await steps.ScrollIntoViewIfNeededAsync();
        await steps.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, $"68-next-steps-{size}.png") });
        (await page.TextContentAsync("[data-testid=merge-changes-words]")).Should().Contain("Adds 2 new rows and writes the changed fields of 1 row;");
        await page.ClickAsync("[data-testid=merge-changes]");
        var dialog = page.Locator(".mud-dialog");
        await dialog.WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, $"69-confirm-merge-{size}.png");
        (await dialog.TextContentAsync()).Should().Contain(database.DatabaseName).And.Contain("127.0.0.1");
        await page.ClickAsync(".mud-dialog button:has-text('Cancel')");
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).Should().BeLessThanOrEqualTo(width, "the preview fits the screen");
        (await ScalarAsync(database.ConnectionString, "SELECT count(*) FROM tags WHERE name LIKE 'preview-tag%'")).Should().Be(0L, "nothing was written");
    }

    [Theory]
    [InlineData(1440, 900, "1440")]
    [InlineData(390, 844, "390")]
    public async Task A_merge_kept_with_its_safety_copy_is_undone_from_its_history_page_and_a_second_undo_is_refused(int width, int height, string size)
    {
        // Any update of a user makes the platform's triggers recompute its instructor's regio (derived: the undo, like the
        // import, leaves it to them); settled first, the comparison is of what the rows hold.
        await ExecuteAsync(database.ConnectionString, $"UPDATE users SET username = username WHERE sysmail = '{_sysmail}'");
        var before = await SnapshotAsync(database.ConnectionString, sequences: false);
        var page = await _session.SignedInPageAsync(width, height);
        await page.GotoAsync(_session.BaseUrl + "/import?backup=" + Backup);
        await page.WaitForSelectorAsync("[data-testid=dry-run]:enabled");
        await page.ClickAsync("[data-testid=dry-run]");
        await page.WaitForSelectorAsync("[data-testid=merge-changes]", new() { Timeout = 120_000 });
        (await page.Locator("[data-testid=safety-copy]").Locator("xpath=descendant-or-self::input").First.IsCheckedAsync()).Should().BeTrue("the safety copy is ticked by default");
        await page.ClickAsync("[data-testid=merge-changes]");
        await page.ClickAsync(".mud-dialog button:has-text('Merge Changes')");
        await page.WaitForSelectorAsync("[data-testid=job-outcome] >> text=Applied", new() { Timeout = 120_000 });
        (await ScalarAsync(database.ConnectionString, "SELECT count(*) FROM tags WHERE name LIKE 'preview-tag%'")).Should().Be(2L);

        await page.ClickAsync("[data-testid=history-link]");
        await page.WaitForSelectorAsync("[data-testid=undo]");
        await BrowserSession.ScreenshotAsync(page, $"69-undo-offered-{size}.png");
        await page.ClickAsync("[data-testid=undo]");
        await page.ClickAsync(".mud-dialog button:has-text('Undo this import')");
        await page.WaitForSelectorAsync("[data-testid=undone]");
        await BrowserSession.ScreenshotAsync(page, $"69-undone-{size}.png");

        (await SnapshotAsync(database.ConnectionString, sequences: false)).Should().Be(before, "the database holds again what it held before the merge");
        (await page.Locator("[data-testid=undo]").CountAsync()).Should().Be(0, "an import is undone once");
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).Should().BeLessThanOrEqualTo(width);
    }
}
