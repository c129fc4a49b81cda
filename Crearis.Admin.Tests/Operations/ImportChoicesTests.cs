using Crearis.Admin.Backups;
using Crearis.Backup.Core.Import;

namespace Crearis.Admin.Tests.Operations;

/// <summary>The Import page's choices become the engine's options, field by field.</summary>
public sealed class ImportChoicesTests
{
    [Fact]
    public void A_merge_takes_every_choice_to_the_engine()
    {
        var choices = new ImportChoices
        {
            Mode = ImportMode.Merge, Strictness = ConflictStrictness.Row, ApplyDeletes = true,
            Tables = ["events", "projects"], WithDependencies = true, ContinueOnError = true,
        };

        var options = choices.ToOptions(dryRun: true);

        options.Should().BeEquivalentTo(new ImportOptions(ImportMode.Merge, DryRun: true, Tables: ["events", "projects"], Exclude: null,
            WithDependencies: true, ContinueOnError: true, Conflicts: ConflictStrictness.Row, ApplyDeletes: true));
    }

    [Fact]
    public void Import_new_only_leaves_the_merge_options_out_and_excluded_tables_go_as_exclude()
    {
        var choices = new ImportChoices
        {
            Mode = ImportMode.NewOnly, Strictness = ConflictStrictness.Row, ApplyDeletes = true, Exclude = ["users"],
        };

        var options = choices.ToOptions(dryRun: false);

        options.Should().BeEquivalentTo(new ImportOptions(ImportMode.NewOnly, DryRun: false, Tables: null, Exclude: ["users"],
            WithDependencies: false, ContinueOnError: false, Conflicts: ConflictStrictness.Cell, ApplyDeletes: false));
    }

    [Fact]
    public void No_tables_chosen_is_every_table()
    {
        var options = new ImportChoices().ToOptions(dryRun: true);

        options.Tables.Should().BeNull();
        options.Exclude.Should().BeNull();
        options.Mode.Should().Be(ImportMode.Merge, "a merge's dry run also finds the changed rows and conflicts");
    }
}
