using Bunit;
using Crearis.Admin.Backups;
using Crearis.Admin.Components.Pages.Backups;
using Crearis.Admin.Components.Pages.Import;
using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crearis.Admin.Tests.Components;

public sealed class BackupComponentsTests(CrearisDatabaseFixture database) : ComponentTestContext, IClassFixture<CrearisDatabaseFixture>
{
    [Fact]
    public void The_dry_run_summary_renders_counts_per_table_and_the_errors_with_key_and_suggestion()
    {
        var result = new ImportResult(ImportOutcome.DryRun, ImportMode.Merge, true, BackupFormat.Crearis, TimeSpan.FromSeconds(2),
            new Dictionary<string, TableCounts>
            {
                ["users"] = new() { Total = 10, Inserted = 3, Updated = 2, Unchanged = 5 },
                ["events"] = new() { Total = 4, Inserted = 0, Updated = 0, Unchanged = 3, Skipped = 1 },
            },
            [BackupIssue.Error(IssueCode.RefUnresolved, "events x: location points nowhere", "Import locations too", "events", "theater.event_x", "location")],
            [BackupIssue.Warning(IssueCode.LossyTextNumber, "zip lost a zero", "Check it", "locations", null, "zip")],
            new Dictionary<string, IReadOnlyList<string>>());

        var view = Render<ImportResultView>(p => p.Add(c => c.Result, result));

        view.Find("[data-cell=users-inserted]").TextContent.Should().Be("3");
        view.Find("[data-cell=users-updated]").TextContent.Should().Be("2");
        view.Markup.Should().Contain("Would insert").And.Contain("REF_UNRESOLVED").And.Contain("theater.event_x").And.Contain("Import locations too");
        view.Markup.Should().Contain("Warnings (1)");
    }

    [Fact]
    public void A_failed_dry_run_says_where_it_stopped_and_which_tables_it_never_reached()
    {
        var result = new ImportResult(ImportOutcome.Failed, ImportMode.NewOnly, true, BackupFormat.Crearis, TimeSpan.FromSeconds(1),
            new Dictionary<string, TableCounts> { ["users"] = new() { Total = 10, Inserted = 10 } },
            [BackupIssue.Error(IssueCode.TriggerRefused, "projects: a platform rule refused the value of regio", "Correct it", "projects", null, "regio")],
            [], new Dictionary<string, IReadOnlyList<string>>())
        {
            StoppedAt = new ImportStop(BackupPhase.LateSeed, "projects"),
            NotReached = ["events", "tasks"],
        };

        var view = Render<ImportResultView>(p => p.Add(c => c.Result, result));

        var stopped = view.Find("[data-testid=stopped-at]").TextContent;
        stopped.Should().Contain("at table projects").And.Contain("events, tasks");
        view.FindAll("[data-cell=events-inserted]").Should().BeEmpty("a table never reached shows no zeros");
        view.Find("[data-cell=events-state]").TextContent.Trim().Should().Be("not reached");
        view.Find("[data-cell=projects-state]").TextContent.Trim().Should().Be("stopped here — no counts");
        var error = view.Find("[data-testid=issues-errors] [data-testid=issue]").TextContent;
        error.Should().Contain("A rule of this database refused a row").And.Contain("table projects · column regio")
            .And.Contain("What to do: Correct it");
    }

    [Fact]
    public async Task A_viewer_gets_the_backup_list_without_upload_export_download_or_delete()
    {
        Services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?> { ["ConnectionStrings:Crearis"] = database.ConnectionString }).Build());
        var folder = AppServices.AddBackupServices(Services, database.ConnectionString);
        await File.WriteAllTextAsync(Path.Combine(folder, "some-backup.tar.gz"), "placeholder");
        AddAuthorization().SetAuthorized("viewer@crearis.test").SetRoles(Roles.Viewer);

        var page = Render<BackupsPage>();

        page.WaitForAssertion(() => page.Markup.Should().Contain("some-backup.tar.gz"));
        page.FindAll("[data-testid=export-now]").Should().BeEmpty();
        page.FindAll("[data-testid=upload-button]").Should().BeEmpty();
        page.Markup.Should().NotContain("/download");
        page.Markup.Should().Contain("Import…", "viewers may open the import page to look");
    }

    [Fact]
    public async Task An_upload_that_is_not_a_backup_is_rejected_and_not_kept()
    {
        var folder = AppServices.AddBackupServices(Services, database.ConnectionString);
        var storage = Services.GetRequiredService<BackupStorage>();

        var (file, issues) = await storage.SaveUploadAsync("notes.txt", new MemoryStream("hello"u8.ToArray()));
        var (gz, gzIssues) = await storage.SaveUploadAsync("fake.tar.gz", new MemoryStream("hello"u8.ToArray()));

        file.Should().BeNull();
        issues.Should().ContainSingle(i => i.Code == IssueCode.NotTarGz);
        gz.Should().BeNull();
        gzIssues.Should().ContainSingle(i => i.Code == IssueCode.NotABackup).Which.Message.Should().Contain("fake.tar.gz");
        Directory.GetFiles(folder).Should().BeEmpty("nothing half-written or rejected stays in the folder");
    }
}
