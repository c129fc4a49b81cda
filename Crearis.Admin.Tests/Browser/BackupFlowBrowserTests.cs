using Crearis.Admin.Tests.Infrastructure;
using Crearis.Platform.Demo;
using Crearis.Backup.Core.Import;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Admin.Tests.Browser;

/// <summary>An admin's whole round in the browser: export, download, upload, dry run, merge, history, dashboard.</summary>
public sealed class BackupFlowBrowserTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private BrowserSession _session = null!;
    private string _otherBackup = "";
    private readonly string _scratch = Directory.CreateTempSubdirectory("crearis-flow-").FullName;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(300, seed: 42);
        // A backup made from other demo data, to upload and merge.
        var (_, other) = await TestPostgres.CreateCrearisDatabaseAsync("otherdemo");
        try
        {
            await using (var conn = new NpgsqlConnection(other))
            {
                await conn.OpenAsync();
                await DemoDataGenerator.GenerateAsync(conn, new DemoDataOptions(400, Seed: 99));
            }
            _otherBackup = await ExportAsync(other, Path.Combine(_scratch, "other-demo.tar.gz"));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(other);
        }
        _session = await BrowserSession.StartAsync(database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    private CrearisAppFactory _app => _session.App;
    private string _baseUrl => _session.BaseUrl;

    private static Task Shot(IPage page, string name) => BrowserSession.ScreenshotAsync(page, name);

    /// <summary>The same page at a phone's width (390 px), to look at; the desktop size is restored after.</summary>
    private static async Task PhoneShot(IPage page, string name)
    {
        await page.SetViewportSizeAsync(390, 844);
        await BrowserSession.ScreenshotAsync(page, name);
        await page.SetViewportSizeAsync(1400, 900);
    }

    [Fact]
    public async Task An_admin_exports_downloads_uploads_previews_merges_and_sees_it_in_the_history()
    {
        var usersBefore = (long)(await ScalarAsync(database.ConnectionString, "SELECT count(*) FROM users"))!;
        var page = await _session.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await _session.SignInAsync(page);

        // Export now → the new backup appears in the list.
        await page.GotoAsync(_baseUrl + "/backups");
        await page.WaitForSelectorAsync("text=No backups yet");
        await page.WaitForSelectorAsync("[data-testid=export-now]:enabled");
        await Shot(page, "10-backups-empty.png");
        await page.ClickAsync("[data-testid=export-now]");
        await page.WaitForSelectorAsync("[data-testid=export-dialog]");
        await Shot(page, "11-export-dialog.png");
        await page.ClickAsync("[data-testid=export-start]");
        try
        {
            await page.WaitForSelectorAsync("[data-testid=export-status] >> text=Wrote");
        }
        finally
        {
            await Shot(page, "12-backups-export-status.png");
        }
        await page.WaitForSelectorAsync("[data-testid=backups-grid] >> text=crearis_");
        await Shot(page, "12-backups-exported.png");
        var exported = Directory.GetFiles(_app.BackupFolder, "*.tar.gz").Single();

        // Download it through the authorized endpoint.
        var download = await page.Context.APIRequest.GetAsync($"{_baseUrl}/backups/{Path.GetFileName(exported)}/download");
        download.Status.Should().Be(200);
        (await download.BodyAsync()).Length.Should().Be((int)new FileInfo(exported).Length);

        // Upload a backup made from other demo data; it is verified on arrival.
        await page.SetInputFilesAsync("input[type=file]", _otherBackup);
        await page.WaitForSelectorAsync("[data-testid=backups-grid] >> text=other-demo.tar.gz");
        await Shot(page, "13-backups-uploaded.png");

        // Dry run: the preview shows what the engine itself says the merge would do.
        var expected = await ImportAsync(database.ConnectionString, Path.Combine(_app.BackupFolder, "other-demo.tar.gz"),
            new ImportOptions(ImportMode.Merge, DryRun: true));
        await page.GotoAsync(_baseUrl + "/import?backup=other-demo.tar.gz");
        await page.WaitForSelectorAsync("[data-testid=backup-summary]");
        await page.WaitForSelectorAsync("[data-testid=dry-run]:enabled");
        await page.ClickAsync("[data-testid=dry-run]");
        await page.WaitForSelectorAsync("[data-testid=result-table]");
        await Shot(page, "14-dry-run.png");
        (await page.TextContentAsync("[data-cell=users-inserted]"))!.Trim().Should().Be(expected.Tables["users"].Inserted.ToString("N0"));
        (await page.TextContentAsync("[data-cell=users-updated]"))!.Trim().Should().Be(expected.Tables["users"].Updated.ToString("N0"));

        // Merge Changes, confirmed; progress runs to the end.
        await page.ClickAsync("[data-testid=merge-changes]");
        await page.WaitForSelectorAsync(".mud-dialog >> text=Go ahead?");
        await Shot(page, "15-confirm-merge.png");
        await page.ClickAsync(".mud-dialog button:has-text('Merge Changes')");
        await page.WaitForSelectorAsync("[data-testid=job-outcome] >> text=Applied");
        await Shot(page, "16-merged.png");

        // The history shows the run.
        await page.ClickAsync("[data-testid=history-link]");
        await page.WaitForSelectorAsync("[data-testid=run-outcome]");
        (await page.TextContentAsync("[data-testid=run-outcome]"))!.Should().Contain("Applied");
        await Shot(page, "17-history-details.png");
        await page.GotoAsync(_baseUrl + "/history");
        await page.WaitForSelectorAsync("[data-testid=history-grid] >> text=other-demo.tar.gz");
        await Shot(page, "18-history.png");

        // And the dashboard counts changed.
        await page.GotoAsync(_baseUrl + "/");
        await page.WaitForSelectorAsync("[data-testid=row-counts]");
        var users = long.Parse((await page.TextContentAsync("td[data-table=users]"))!.Trim().Replace(",", ""));
        users.Should().Be(usersBefore + expected.Tables["users"].Inserted);
        await Shot(page, "19-dashboard-after.png");

        // Last, so that no later click lands on a page laid out for another width: the history at a phone's width.
        await page.GotoAsync(_baseUrl + "/history");
        await page.WaitForSelectorAsync("[data-testid=history-grid] >> text=other-demo.tar.gz");
        await PhoneShot(page, "18-history-390.png");
    }

    [Fact]
    public async Task A_file_that_is_not_a_backup_is_rejected_on_upload_with_a_clear_message()
    {
        var bogus = Path.Combine(_scratch, "holiday-photos.tar.gz");
        await File.WriteAllTextAsync(bogus, "these are not the rows you are looking for");
        var page = await _session.NewPageAsync();
        await _session.SignInAsync(page);
        await page.GotoAsync(_baseUrl + "/backups");
        // The page is usable once its circuit is interactive; the buttons say so by becoming enabled.
        await page.WaitForSelectorAsync("[data-testid=upload-button]:enabled");

        await page.SetInputFilesAsync("input[type=file]", bogus);

        var error = await page.WaitForSelectorAsync("[data-testid=upload-error]");
        (await error!.TextContentAsync()).Should().Contain("holiday-photos.tar.gz").And.Contain("not a backup");
        Directory.GetFiles(_app.BackupFolder).Should().NotContain(f => f.Contains("holiday"));
        await Shot(page, "20-upload-rejected.png");
    }

    [Fact]
    public async Task A_backup_uploaded_under_a_name_too_long_for_the_folder_is_kept_under_a_shorter_one_the_page_names()
    {
        // 121 characters before .tar.gz, with a dot where the cut falls.
        var upload = Path.Combine(_scratch, new string('a', 119) + ".b.tar.gz");
        File.Copy(_otherBackup, upload);
        var kept = new string('a', 119) + ".tar.gz";
        var page = await _session.NewPageAsync();
        await _session.SignInAsync(page);
        await page.GotoAsync(_baseUrl + "/backups");
        // Interactive, and the (empty) list loaded: the page has settled before the file is chosen.
        await page.WaitForSelectorAsync("[data-testid=upload-button]:enabled");
        await page.WaitForSelectorAsync("text=No backups yet");

        await page.SetInputFilesAsync("input[type=file]", upload);

        var note = await page.WaitForSelectorAsync("[data-testid=upload-renamed]");
        (await note!.TextContentAsync()).Should().Contain($"is kept as {kept}");
        await page.WaitForSelectorAsync($"[data-testid=backups-grid] >> text={kept}");
        File.Exists(Path.Combine(_app.BackupFolder, kept)).Should().BeTrue();
    }
}
