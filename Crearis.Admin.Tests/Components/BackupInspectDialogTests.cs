using System.Text.Json;
using Bunit;
using Crearis.Admin.Backups;
using Crearis.Admin.Components.Pages.Backups;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Backup.Core.Export;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Crearis.Admin.Tests.Components;

/// <summary>
/// The inspect dialog over files the engine wrote: what a differential, a filtered and a scrubbed backup hold and why,
/// checked against the file's own manifest read straight from the archive.
/// </summary>
public sealed partial class BackupInspectDialogTests(CrearisDatabaseFixture database) : ComponentTestContext, IClassFixture<CrearisDatabaseFixture>
{
    private async Task<(string Folder, BackupStorage Storage)> FolderAsync()
    {
        await database.ResetWithDemoDataAsync(200, seed: 31);
        var folder = AppServices.AddBackupServices(Services, database.ConnectionString);
        return (folder, Services.GetRequiredService<BackupStorage>());
    }

    /// <summary>The dialog as the page opens it, for the file as the backup manager describes it after verifying it.</summary>
    private async Task<IRenderedComponent<MudDialogProvider>> InspectAsync(BackupStorage storage, string name)
    {
        var info = await storage.GetAsync(name, verify: true);
        info!.Verified.Should().BeTrue(string.Join(" ", info.Issues.Select(i => i.Message)));
        Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        await provider.InvokeAsync(() => { _ = BackupInspectDialog.ShowAsync(Services.GetRequiredService<IDialogService>(), info); });
        provider.WaitForAssertion(() => provider.Find("[data-testid=inspect-dialog]"));
        return provider;
    }

    private static async Task<JsonElement> ManifestAsync(string file) =>
        JsonDocument.Parse(await EngineHarness.ReadMemberAsync(file, "manifest.json")).RootElement;

    [Fact]
    public async Task A_differential_shows_its_base_and_per_table_the_new_or_changed_rows_and_the_tombstones()
    {
        var (folder, storage) = await FolderAsync();
        await EngineHarness.ExecuteAsync(database.ConnectionString, "INSERT INTO tags (name, description) VALUES ('inspect-tag-gone', 'deleted after the base')");
        var user = (string)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
        var full = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(folder, "full.tar.gz"));
        await EngineHarness.ExecuteAsync(database.ConnectionString, $"""
            UPDATE users SET username = 'inspect-renamed' WHERE sysmail = '{user}';
            DELETE FROM tags WHERE name = 'inspect-tag-gone';
            """);
        var diff = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(folder, "diff.tar.gz"), new ExportOptions { Base = full });
        var baseManifest = await ManifestAsync(full);
        var manifest = await ManifestAsync(diff);

        var dialog = await InspectAsync(storage, "diff.tar.gz");

        var shownBase = dialog.Find("[data-testid=differential-base]").TextContent;
        shownBase.Should().Contain(baseManifest.GetProperty("createdAt").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss"))
            .And.Contain(manifest.GetProperty("differential").GetProperty("baseSha256").GetString()![..12]);
        dialog.Find("[data-testid=kind-differential]").TextContent.Should().Be("Differential");
        dialog.Find("tr[data-table=users] [data-cell=rows]").TextContent.Should().Be("1", "one user was renamed since the base");
        dialog.Find("tr[data-table=tags] [data-cell=tombstones]").TextContent.Should().Be("1", "one tag was deleted since the base");
        dialog.Find("tr[data-table=events] [data-cell=tombstones]").TextContent.Should().Be("0");
        dialog.FindAll("[data-testid=scrubbed-marker]").Should().BeEmpty();
        dialog.FindAll("[data-testid=filter-selection]").Should().BeEmpty();
    }

    [Fact]
    public async Task A_full_backup_is_shown_without_marks()
    {
        var (folder, storage) = await FolderAsync();
        await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(folder, "full.tar.gz"));

        var dialog = await InspectAsync(storage, "full.tar.gz");

        dialog.FindAll("[data-testid^=kind-]").Should().BeEmpty();
        dialog.FindAll("[data-testid=differential-base]").Should().BeEmpty();
        dialog.FindAll("[data-cell=tombstones]").Should().BeEmpty();
        dialog.Find("tr[data-table=users] [data-cell=rows]").TextContent.Should().Be(
            ((long)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT count(*) FROM users"))!).ToString("N0"));
    }
}
