using Bunit;
using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Admin.Components.Pages.Import;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Backup.Core.Import;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Admin.Tests.Components;

/// <summary>The Import page runs its dry run (and the job behind it) with the options the admin chose on it.</summary>
public sealed class ImportPageTests(CrearisDatabaseFixture database) : ComponentTestContext, IClassFixture<CrearisDatabaseFixture>
{
    private const string Backup = "demo.tar.gz";

    [Fact]
    public async Task A_dry_run_chosen_as_import_new_only_runs_as_import_new_only_with_the_chosen_tables_and_so_does_the_import_after_it()
    {
        await database.ResetWithDemoDataAsync(120, seed: 5);
        var folder = AppServices.AddBackupServices(Services, database.ConnectionString);
        await ExportAsync(database.ConnectionString, Path.Combine(folder, Backup));
        AddAuthorization().SetAuthorized(CrearisAppFactory.AdminEmail).SetRoles(Roles.Admin);
        SetRendererInfo(new RendererInfo("Server", true));
        var jobs = Services.GetRequiredService<BackupJobService>();
        var finished = System.Threading.Channels.Channel.CreateUnbounded<JobSnapshot>();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<Guid, bool>();
        using var watching = jobs.SubscribeAll(s =>
        {
            if (s.ImportResult is not null && !s.IsActive && seen.TryAdd(s.Id, true)) finished.Writer.TryWrite(s);
        });
        await jobs.StartAsync(CancellationToken.None);
        try
        {
            Services.GetRequiredService<NavigationManager>().NavigateTo($"/import?backup={Backup}");
            Render<MudPopoverProvider>();
            var dialogs = Render<MudDialogProvider>();
            var page = Render<ImportPage>();
            page.WaitForAssertion(() => page.Find("[data-testid=dry-run]").HasAttribute("disabled").Should().BeFalse(), TimeSpan.FromSeconds(60));

            await page.InvokeAsync(() => page.FindComponent<MudRadioGroup<ImportMode>>().Instance.ValueChanged.InvokeAsync(ImportMode.NewOnly));
            var panel = page.FindComponent<ImportOptionsPanel>();
            await panel.InvokeAsync(() => panel.Instance.ChoicesChanged.InvokeAsync(panel.Instance.Choices with { Tables = ["projects", "users"] }));
            await page.InvokeAsync(() => page.Find("[data-testid=dry-run]").Click());
            var done = await finished.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(120));

            done.Kind.Should().Be(JobKind.DryRun);
            done.ImportResult!.Mode.Should().Be(ImportMode.NewOnly);
            done.ImportResult.Outcome.Should().Be(ImportOutcome.DryRun, string.Join(" ", done.ImportResult.Errors.Select(e => e.Message)));
            done.ImportResult.Tables.Keys.Should().BeEquivalentTo(["projects", "users"]);

            // The import after it: the same tables, whatever the panel says by then.
            await panel.InvokeAsync(() => panel.Instance.ChoicesChanged.InvokeAsync(new ImportChoices()));
            page.WaitForAssertion(() => page.Find("[data-testid=import-new-only]"));
            await page.InvokeAsync(() => page.Find("[data-testid=import-new-only]").Click());
            dialogs.WaitForAssertion(() => dialogs.FindAll(".mud-dialog button").Should().Contain(b => b.TextContent.Contains("Import New Only")));
            await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog button").First(b => b.TextContent.Contains("Import New Only")).Click());
            var imported = await finished.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(120));

            imported.Kind.Should().Be(JobKind.Import);
            imported.ImportResult!.Mode.Should().Be(ImportMode.NewOnly);
            imported.ImportResult.Tables.Keys.Should().BeEquivalentTo(["projects", "users"]);
        }
        finally
        {
            await jobs.StopAsync(CancellationToken.None);
        }
    }
}
