using Bunit;
using Crearis.Admin.Backups;
using Crearis.Admin.Components.Pages.Import;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Profile;
using MudBlazor;

namespace Crearis.Admin.Tests.Components;

/// <summary>
/// The Import page's options over a real database's catalog: the mode in plain words, the merge-only options, and
/// what the chosen tables need, as the engine's own dependency check answers before a run.
/// </summary>
public sealed class ImportOptionsPanelTests(CrearisDatabaseFixture database) : ComponentTestContext, IClassFixture<CrearisDatabaseFixture>
{
    private static readonly IReadOnlyList<string> AllTables = [.. CrearisProfile.Default.TableNames];

    private ImportChoices _latest = new();

    private IRenderedComponent<ImportOptionsPanel> Render(ImportChoices choices, IReadOnlyList<string>? backupTables = null)
    {
        AppServices.AddBackupServices(Services, database.ConnectionString);
        _latest = choices;
        Render<MudPopoverProvider>();
        var panel = Render<ImportOptionsPanel>(p => p
            .Add(x => x.Choices, choices)
            .Add(x => x.ChoicesChanged, (ImportChoices next) => _latest = next)
            .Add(x => x.BackupTables, backupTables ?? AllTables));
        return panel;
    }

    private static async Task ExpandMoreOptionsAsync(IRenderedComponent<ImportOptionsPanel> panel) =>
        await panel.InvokeAsync(() => panel.Find("[data-testid=more-options] .mud-expand-panel-header").Click());

    [Fact]
    public async Task Events_chosen_alone_says_which_tables_they_need_until_the_switch_brings_those_along()
    {
        var panel = Render(new ImportChoices { Mode = ImportMode.NewOnly, Tables = ["events"] });

        panel.WaitForAssertion(() => panel.Find("[data-testid=dependency-need][data-tables~=events]").TextContent
            .Should().Contain("events").And.Contain("projects").And.Contain("not selected"));
        panel.Find("[data-testid=dependency-message]").TextContent.Should().Contain("Also bring the tables they need");

        await ExpandMoreOptionsAsync(panel);
        await panel.InvokeAsync(() => panel.FindComponent<MudSwitch<bool>>().Instance.ValueChanged.InvokeAsync(true));

        _latest.WithDependencies.Should().BeTrue();
        panel.FindAll("[data-testid=dependency-message]").Should().BeEmpty("the tables events needs are brought along");
        panel.Find("[data-testid=dependencies-brought]").TextContent.Should().Contain("projects");
    }

    [Fact]
    public async Task Leaving_out_a_table_others_need_names_the_tables_that_need_it()
    {
        var panel = Render(new ImportChoices());
        panel.WaitForAssertion(() => panel.Find("[data-testid=more-options]"));
        panel.FindAll("[data-testid=dependency-message]").Should().BeEmpty("every table is chosen");

        await ExpandMoreOptionsAsync(panel);
        await panel.InvokeAsync(() => panel.FindComponent<MudSelect<ImportOptionsPanel.TableScope>>().Instance.ValueChanged
            .InvokeAsync(ImportOptionsPanel.TableScope.AllBut));
        await panel.InvokeAsync(() => panel.FindComponent<MudChipSet<string>>().Instance.SelectedValuesChanged.InvokeAsync(["projects"]));

        _latest.Exclude.Should().Equal("projects");
        _latest.Tables.Should().BeEmpty();
        panel.WaitForAssertion(() => panel.Find("[data-testid=dependency-need][data-tables~=events]").TextContent
            .Should().Contain("projects"));
        panel.Find("[data-testid=more-options]").TextContent.Should().Contain("all tables but 1");
    }

    [Fact]
    public void A_backup_without_the_tables_its_tables_need_is_said_to_be_refused_before_the_run()
    {
        // A backup exported with --tables events: the import would be refused with DEPENDENCY_MISSING.
        var panel = Render(new ImportChoices(), backupTables: ["events"]);

        panel.WaitForAssertion(() => panel.Find("[data-testid=dependency-refused][data-table=events]").TextContent
            .Should().Contain("events needs").And.Contain("projects").And.Contain("which this backup does not hold").And.Contain("refused"));
        panel.FindAll("[data-testid=dependency-message]").Should().BeEmpty("nothing the backup holds is left out");
    }

    [Fact]
    public async Task The_conflict_and_deletion_options_show_for_a_merge_only()
    {
        var panel = Render(new ImportChoices { Mode = ImportMode.Merge });
        panel.WaitForAssertion(() => panel.Find("[data-testid=merge-options] [data-testid=strictness]"));
        panel.Find("[data-testid=import-mode]").TextContent.Should()
            .Contain("Import new only — add rows this database does not have; leave existing rows as they are")
            .And.Contain("Merge changes — add new rows and update changed ones");

        await panel.InvokeAsync(() => panel.FindComponent<MudRadioGroup<ImportMode>>().Instance.ValueChanged.InvokeAsync(ImportMode.NewOnly));

        _latest.Mode.Should().Be(ImportMode.NewOnly);
        panel.FindAll("[data-testid=merge-options]").Should().BeEmpty();
        panel.FindAll("[data-testid=strictness]").Should().BeEmpty();
    }
}
