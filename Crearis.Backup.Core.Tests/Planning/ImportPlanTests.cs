using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Npgsql;

namespace Crearis.Backup.Core.Tests.Planning;

public sealed class ImportPlanTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>
{
    private async Task<ImportPlan> PlanAsync()
    {
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        var (models, issues) = TableModelBuilder.Build(await DatabaseCatalog.ReadAsync(conn), CrearisProfile.Default);
        issues.Should().BeEmpty();
        return ImportPlanner.Plan(models);
    }

    [Fact]
    public async Task The_order_follows_the_reference_graph_and_every_table_comes_after_what_it_needs()
    {
        var plan = await PlanAsync();
        var position = plan.Order.Select((t, i) => (t.Name, i)).ToDictionary(x => x.Name, x => x.i);

        foreach (var table in plan.Order)
            foreach (var reference in table.References.Where(r => !plan.IsDeferred(table.Name, r.Column)))
                foreach (var target in reference.TargetTables.Where(position.ContainsKey))
                    position[target].Should().BeLessThan(position[table.Name], $"{table.Name}.{reference.Column} needs {target} first");
        position["instructors"].Should().BeLessThan(position["events"], "published events need their instructor linked to a user");
    }

    [Fact]
    public async Task The_cycles_are_broken_by_deferring_nullable_links_only()
    {
        var plan = await PlanAsync();

        plan.Deferred.Select(d => $"{d.Table}.{d.Reference.Column}").Should().Contain(["users.instructor_id", "users.img_id", "projects.regio", "images.root_id"]);
        foreach (var deferred in plan.Deferred)
            plan.Order.Single(t => t.Name == deferred.Table).Schema.Column(deferred.Reference.Column)!.IsNullable.Should().BeTrue();
    }

    [Fact]
    public async Task The_profile_names_what_the_live_schema_lacks_instead_of_crashing()
    {
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        var catalog = await DatabaseCatalog.ReadAsync(conn);
        var profile = CrearisProfile.Default with
        {
            Tables = [.. CrearisProfile.Default.Tables, new TableProfile("rehearsals", [new KeyPart("xmlid")], [], [])],
        };

        var (_, issues) = TableModelBuilder.Build(catalog, profile);

        issues.Should().ContainSingle(i => i.Code == IssueCode.SchemaTableMissing && i.Table == "rehearsals");
    }
}
