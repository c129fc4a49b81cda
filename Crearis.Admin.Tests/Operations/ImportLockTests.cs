using System.Net;
using System.Net.Http.Json;
using Crearis.Admin.Cli;
using Crearis.Admin.Operations;
using Crearis.Admin.Tests.Cli;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Operations;

/// <summary>The import lock across hosts: whoever holds the database is named to whoever asks, web or command line.</summary>
public sealed class ImportLockTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-lock-").FullName;

    public Task InitializeAsync() => database.ResetWithDemoDataAsync(100);

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_api_import_while_a_command_line_import_holds_the_database_is_refused_naming_the_command_line_user()
    {
        await using var app = new CrearisAppFactory(database.ConnectionString);
        await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(app.BackupFolder, "demo.tar.gz"));
        using var admin = app.CreateBrowserLikeClient();
        await CrearisAppFactory.SignInAsync(admin, CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword);
        await using var cron = await ImportLock.AcquireAsync(database.ConnectionString, new Actor("cli:cron"), "/srv/nightly.tar.gz", TimeSpan.Zero);
        cron.Acquired.Should().BeTrue();

        var dryRun = await admin.PostAsJsonAsync("/api/imports", new { backup = "demo.tar.gz", mode = "merge", dryRun = true });
        var import = await admin.PostAsJsonAsync("/api/imports", new { backup = "demo.tar.gz", mode = "merge" });

        dryRun.StatusCode.Should().Be(HttpStatusCode.Conflict, "a dry run writes and rolls back, so it waits its turn too");
        import.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await import.Content.ReadAsStringAsync()).Should().Contain("started by cli:cron").And.Contain("nightly.tar.gz");
    }

    [Fact]
    public async Task A_command_line_import_while_the_web_app_imports_is_refused_with_exit_code_3_naming_the_web_user()
    {
        var file = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(_folder, "demo.tar.gz"));
        await using var web = await ImportLock.AcquireAsync(database.ConnectionString, new Actor("ops@crearis.test", "10.0.0.7"), "big.tar.gz", TimeSpan.Zero);

        var cli = await CliRun.RunAsync("backup", "import", file, "--connection", database.ConnectionString, "--mode", "merge", "--dry-run");

        cli.ExitCode.Should().Be(ExitCodes.Busy);
        cli.Error.Should().Contain("IMPORT_RUNNING").And.Contain("started by ops@crearis.test").And.Contain("(big.tar.gz)");
    }
}
