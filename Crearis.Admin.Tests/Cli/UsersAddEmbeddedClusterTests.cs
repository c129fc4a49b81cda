using Crearis.Admin.Cli;
using Crearis.Admin.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Crearis.Admin.Tests.Cli;

public sealed class UsersAddEmbeddedClusterTests
{
    [Fact]
    public async Task Users_add_without_a_connection_leaves_the_running_apps_embedded_cluster_running()
    {
        var folder = Path.Combine(Path.GetTempPath(), "crearis-embedded-cli-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new EmbeddedDatabaseOptions { DataDirectory = folder, DemoRows = 0 };
        try
        {
            // The running app's cluster: started by this "app", not by the command.
            await using var app = await EmbeddedDatabase.StartAsync(options, NullLogger.Instance);

            var add = await CliRun.RunWithSettingsAsync(
                new Dictionary<string, string?> { ["Crearis:EmbeddedDatabase:DataDirectory"] = folder },
                "users", "add", "--email", "cron@crearis.test", "--role", "Viewer", "--password", "Cron-Passw0rd!");

            add.ExitCode.Should().Be(ExitCodes.Ok, add.Error);
            await using var conn = new NpgsqlConnection(app.ConnectionString + ";Pooling=false;Timeout=5");
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM crearis_admin.\"AspNetUsers\" WHERE \"Email\" = 'cron@crearis.test'", conn);
            ((long)(await cmd.ExecuteScalarAsync())!).Should().Be(1, "the user is there and the cluster still accepts connections");
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
