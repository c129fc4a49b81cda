using Bunit;
using Crearis.Admin.Backups;
using Crearis.Admin.Components.Pages.Import;
using Crearis.Admin.Data;
using Crearis.Admin.Operations;
using Crearis.Admin.Security;
using Crearis.Backup.Core.Import;
using Microsoft.Extensions.DependencyInjection;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Admin.Tests.Components;

/// <summary>
/// The full preview of a dry run, paged by the server: a real dry run of a demo backup into an empty database, through
/// the app's one operation path, and its pages compared with the source database itself.
/// </summary>
public sealed class RowPreviewTests(CrearisDatabaseFixture source) : ComponentTestContext, IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-row-preview-").FullName;
    private string _target = "";

    async Task IAsyncLifetime.InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(120, seed: 3);
        (_, _target) = await TestPostgres.CreateCrearisDatabaseAsync("preview");
        AddAuthorization().SetAuthorized("admin@crearis.test").SetRoles(Roles.Admin);
        AppServices.AddBackupServices(Services, _target);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_target);
        Directory.Delete(_folder, recursive: true);
        await DisposeAsync();
    }

    private async Task<BackupRun> DryRunAsync(ImportMode mode)
    {
        var file = await ExportAsync(source.ConnectionString, Path.Combine(_folder, "demo.tar.gz"));
        var done = await Services.GetRequiredService<BackupOperations>().ImportAsync(
            new ImportRequest(file, new ImportOptions(mode, DryRun: true), "demo.tar.gz") { KeepJournal = true },
            new Actor("admin@crearis.test"), null, CancellationToken.None);
        done.Result.Outcome.Should().Be(ImportOutcome.DryRun, string.Join("\n", done.Result.Errors));
        return (await Services.GetRequiredService<HistoryService>().GetAsync(done.RunId!.Value))!;
    }

    [Fact]
    public async Task Paging_through_the_rows_a_dry_run_would_add_lists_every_row_of_the_source_once()
    {
        var run = await DryRunAsync(ImportMode.NewOnly);

        var preview = Render<RowPreview>(p => p.Add(c => c.Run, run));
        preview.WaitForElement("[data-testid=row-action-insert]");

        var tables = await ColumnAsync(source.ConnectionString,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
        // The new database holds only what the schema seeds (the status list), the same rows as the source.
        long sourceRows = 0;
        foreach (var table in tables)
            sourceRows += (long)(await ScalarAsync(source.ConnectionString, $"SELECT count(*) FROM public.\"{table}\""))!
                          - (long)(await ScalarAsync(_target, $"SELECT count(*) FROM public.\"{table}\""))!;
        preview.Find("[data-testid=row-action-insert]").TextContent.Should().Contain(sourceRows.ToString("N0"),
            "an empty database gets every row of the backup");

        // Page by page (25 each), as the server hands them out: every tag of the source exactly once.
        var seen = new List<(string Table, string Key)>();
        for (var page = 0; ; page++)
        {
            preview.WaitForAssertion(() => preview.FindAll("[data-testid=row-key-cell]").Should().NotBeEmpty());
            var before = preview.FindAll("tbody tr").Select(r => r.TextContent).ToList();
            seen.AddRange(preview.FindAll("tbody tr").Select(r => (r.QuerySelector("td")!.TextContent.Trim(), r.QuerySelector("[data-testid=row-key-cell]")!.TextContent)));
            before.Should().HaveCountLessThanOrEqualTo(25, "a page holds 25 rows");
            var next = preview.FindAll("button[aria-label='Next page']").FirstOrDefault();
            if (next is null || next.HasAttribute("disabled")) break;
            next.Click();
            preview.WaitForAssertion(() => preview.FindAll("tbody tr").Select(r => r.TextContent).Should().NotEqual(before));
        }
        seen.Should().HaveCount((int)sourceRows).And.OnlyHaveUniqueItems();
        seen.Where(s => s.Table == "tags").Select(s => s.Key).Should().BeEquivalentTo(await ColumnAsync(source.ConnectionString, "SELECT name FROM tags"));
        seen.Where(s => s.Table == "users").Select(s => s.Key).Should().BeEquivalentTo(await ColumnAsync(source.ConnectionString, "SELECT sysmail FROM users"));
    }

    [Fact]
    public async Task A_merge_dry_run_shows_the_changed_rows_first_with_each_field_before_and_after()
    {
        var file = await ExportAsync(source.ConnectionString, Path.Combine(_folder, "first.tar.gz"));
        await BackupImporter.ImportFileAsync(_target, file, new ImportOptions(ImportMode.NewOnly));
        // The source renames one user after the exchange: the merge would write that one field of that one row.
        var sysmail = (string)(await ScalarAsync(source.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
        var here = (string)(await ScalarAsync(_target, $"SELECT username FROM users WHERE sysmail = '{sysmail}'"))!;
        await ExecuteAsync(source.ConnectionString, $"UPDATE users SET username = 'changed-in-source' WHERE sysmail = '{sysmail}'");
        var run = await DryRunAsync(ImportMode.Merge);

        var preview = Render<RowPreview>(p => p.Add(c => c.Run, run));

        preview.WaitForElement("[data-testid=row-change]");
        preview.Find("[data-testid=row-action-update]").TextContent.Should().Contain("Would be changed · 1");
        preview.Find("[data-testid=row-key-cell]").TextContent.Should().Be(sysmail);
        var change = preview.Find("[data-testid=row-change]").TextContent;
        change.Should().StartWith("username").And.Contain(here + " → ").And.EndWith("changed-in-source");
        preview.Find("[data-testid=rows-csv]").GetAttribute("href").Should().Be($"history/{run.Id}/rows.csv?action=update");
    }

    [Fact]
    public async Task The_rows_of_an_import_that_failed_are_said_to_be_rolled_back_never_added()
    {
        var dryRun = await DryRunAsync(ImportMode.NewOnly);
        // The same rows, as an import that failed after handling them would have kept them.
        var failed = new BackupRun { Id = dryRun.Id, Kind = JobKind.Import, Outcome = nameof(ImportOutcome.Failed), Mode = dryRun.Mode, Journal = dryRun.Journal };

        var preview = Render<RowPreview>(p => p.Add(c => c.Run, failed));

        preview.WaitForElement("[data-testid=row-action-insert]");
        preview.Find("[data-testid=row-preview-heading]").TextContent.Should().Contain("rolled back").And.Contain("none of them was written");
        preview.Find("[data-testid=row-action-insert]").TextContent.Should().StartWith("Would be added");
    }
}
