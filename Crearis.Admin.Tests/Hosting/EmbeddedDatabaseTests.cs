using Crearis.Admin.Hosting;
using Crearis.Platform.Database;
using Crearis.Platform.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crearis.Admin.Tests.Hosting;

public sealed class EmbeddedDatabaseTests
{
    [Fact]
    public async Task The_first_start_creates_a_cluster_with_schema_and_demo_data_and_the_next_start_keeps_it()
    {
        var folder = Path.Combine(Path.GetTempPath(), "crearis-embedded-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new EmbeddedDatabaseOptions { DataDirectory = folder, DemoRows = 300 };
        try
        {
            long usersAfterFirstStart;
            await using (var first = await EmbeddedDatabase.StartAsync(options, NullLogger.Instance))
            {
                first.Cluster.CreatedNow.Should().BeTrue();
                var summary = await new ContentDatabase(first.ConnectionString).GetSummaryAsync();
                summary.Database.Should().Be("crearis");
                summary.Host.Should().Be("127.0.0.1");
                summary.Tables.Should().OnlyContain(t => t.Exists && t.Rows > 0);
                usersAfterFirstStart = summary.Tables.Single(t => t.Table == "users").Rows;
                File.Exists(Path.Combine(folder, "superuser.password")).Should().BeTrue();
            }

            await using var second = await EmbeddedDatabase.StartAsync(options, NullLogger.Instance);
            second.Cluster.CreatedNow.Should().BeFalse();
            var again = await new ContentDatabase(second.ConnectionString).GetSummaryAsync();
            again.Tables.Single(t => t.Table == "users").Rows.Should().Be(usersAfterFirstStart, "nothing is generated twice");
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void Without_postgresql_binaries_the_error_says_what_to_install()
    {
        var nowhere = Path.Combine(Path.GetTempPath(), "no-postgres-here");

        var find = () => PostgresCluster.FindBinDirectory([nowhere]);

        find.Should().Throw<PostgresClusterException>()
            .WithMessage("*No PostgreSQL server binaries*apt-get install -y postgresql*ConnectionStrings:Crearis*");
    }
}
