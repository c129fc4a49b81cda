using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Platform.Database;

namespace Crearis.Admin.Tests.Cli;

/// <summary>The CLI keeps its history and audit trail where the web app keeps them: ConnectionStrings:CrearisAdmin.</summary>
public sealed class CliAdminDatabaseTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-cli-admin-").FullName;
    private string _content = "";
    private string _admin = "";

    public async Task InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(100);
        // The platform's database: content schema only, none of our admin tables.
        _content = await TestPostgres.CreateEmptyDatabaseAsync("platform");
        (await new ContentDatabase(_content).CreateSchemaAsync()).Should().Be(CreateSchemaOutcome.Created);
        _admin = await TestPostgres.CreateEmptyDatabaseAsync("admin");
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_content);
        await TestPostgres.DropDatabaseAsync(_admin);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Command_line_exports_imports_and_dry_runs_are_recorded_and_audited_in_the_admin_database_not_in_the_content_database()
    {
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:CrearisAdmin"] = _admin };
        var file = Path.Combine(_folder, "from-source.tar.gz");

        var export = await CliRun.RunWithSettingsAsync(settings, "backup", "export", "--connection", source.ConnectionString, "--output", file);
        var dryRun = await CliRun.RunWithSettingsAsync(settings, "backup", "import", file, "--connection", _content, "--mode", "merge", "--dry-run");
        var import = await CliRun.RunWithSettingsAsync(settings, "backup", "import", file, "--connection", _content, "--mode", "new-only");

        export.ExitCode.Should().Be(ExitCodes.Ok, export.Error);
        dryRun.ExitCode.Should().Be(ExitCodes.Ok, dryRun.Error);
        import.ExitCode.Should().Be(ExitCodes.Ok, import.Error);
        var user = "cli:" + Environment.UserName;
        (await ScalarAsync(_admin, $"SELECT string_agg(\"Kind\", ',' ORDER BY \"Id\") FROM crearis_admin.backup_runs WHERE \"StartedBy\" = '{user}'"))
            .Should().Be("export,dry-run,import");
        (await ScalarAsync(_admin, $"SELECT string_agg(\"Action\", ',' ORDER BY \"Id\") FROM crearis_admin.audit_events WHERE \"User\" = '{user}'"))
            .Should().Be("export,dry-run,import");
        foreach (var table in new[] { "backup_runs", "audit_events", "backup_jobs" })
        {
            (await ScalarAsync(_content, $"SELECT to_regclass('crearis_admin.{table}')::text")).Should().BeNull($"{table} belongs to the admin database");
            (await ScalarAsync(source.ConnectionString, $"SELECT count(*) FROM crearis_admin.{table}")).Should().Be(0L, $"the export source's {table} is not the admin database");
        }
    }

    private static Task<object?> ScalarAsync(string cs, string sql) => EngineHarness.ScalarAsync(cs, sql)
        .ContinueWith(t => t.Result is DBNull ? null : t.Result);
}
