using Bunit;
using Crearis.Admin.Components.Pages.Dashboard;
using Crearis.Admin.Security;
using Crearis.Admin.Services;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Platform.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Crearis.Admin.Tests.Components;

public sealed class DashboardTests(CrearisDatabaseFixture database) : ComponentTestContext, IClassFixture<CrearisDatabaseFixture>
{
    private void UseDatabase(string connectionString)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Crearis"] = connectionString })
            .Build();
        Services.AddSingleton<IConfiguration>(configuration);
        // The activity cards offer an admin the next step and tell a viewer who takes it.
        AddAuthorization().SetAuthorized("admin@crearis.test").SetRoles(Roles.Admin);
        Services.AddScoped<DatabaseInfoService>();
        AppServices.AddBackupServices(Services, database.ConnectionString);
    }

    [Fact]
    public async Task The_dashboard_shows_the_connected_database_and_a_row_count_per_content_table()
    {
        await database.ResetAsync();
        await using (var conn = new NpgsqlConnection(database.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                "INSERT INTO tags (name) VALUES ('clownerie'), ('tanztheater'), ('figurentheater')", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        UseDatabase(database.ConnectionString);

        var page = Render<Dashboard>();

        page.WaitForElement("[data-testid=row-counts]");
        page.Find("[data-testid=db-name]").TextContent.Should().Be(database.DatabaseName);
        page.Find("[data-testid=db-host]").TextContent.Should().StartWith("127.0.0.1:");
        page.FindAll("[data-testid=row-counts] tbody tr").Should().HaveCount(17);
        page.Find("td[data-table=tags]").TextContent.Trim().Should().Be("3");
        page.Find("td[data-table=status]").TextContent.Trim().Should().Be("81");
        page.Find("td[data-table=users]").TextContent.Trim().Should().Be("0");
    }

    [Fact]
    public void The_dashboard_says_when_the_database_cannot_be_read()
    {
        UseDatabase("Host=127.0.0.1;Port=1;Database=nowhere;Username=x;Password=y;Timeout=2");

        var page = Render<Dashboard>();

        page.WaitForElement("[data-testid=dashboard-error]", TimeSpan.FromSeconds(10))
            .TextContent.Should().Contain("cannot be read");
    }

    [Fact]
    public void The_row_count_table_marks_tables_the_database_lacks()
    {
        var page = Render<RowCountsTable>(p => p.Add(c => c.Tables, new List<TableRowCount>
        {
            new("users", true, 1234),
            new("tasks", false, 0),
        }));

        page.Find("td[data-table=users]").TextContent.Trim().Should().Be(1234.ToString("N0"));
        page.Find("td[data-table=tasks]").TextContent.Trim().Should().Be("missing");
    }
}
