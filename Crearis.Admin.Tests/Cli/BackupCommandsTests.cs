using System.Text.Json;
using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Platform.Demo;
using Npgsql;

namespace Crearis.Admin.Tests.Cli;

public sealed class BackupCommandsTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-cli-").FullName;

    public async Task InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(300);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Export_then_dry_run_then_import_then_merge_through_the_command_line()
    {
        var file = Path.Combine(_folder, "cli.tar.gz");
        var (_, target) = await TestPostgres.CreateCrearisDatabaseAsync("cli");
        try
        {
            var export = await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString, "--output", file, "--json");
            export.ExitCode.Should().Be(ExitCodes.Ok, export.Error);
            JsonDocument.Parse(export.Output).RootElement.GetProperty("succeeded").GetBoolean().Should().BeTrue();

            var dry = await CliRun.RunAsync("backup", "import", file, "--connection", target, "--mode", "merge", "--dry-run", "--json");
            dry.ExitCode.Should().Be(ExitCodes.Ok, dry.Output + dry.Error);
            var dryJson = JsonDocument.Parse(dry.Output).RootElement;
            dryJson.GetProperty("dryRun").GetBoolean().Should().BeTrue();
            dryJson.GetProperty("format").GetInt32().Should().Be(2);
            dryJson.GetProperty("tables").GetProperty("users").GetProperty("inserted").GetInt64().Should().BeGreaterThan(0);
            (await EngineHarnessCount(target, "users")).Should().Be(0, "a dry run writes nothing");

            var import = await CliRun.RunAsync("backup", "import", file, "--connection", target, "--mode", "new-only", "--json");
            import.ExitCode.Should().Be(ExitCodes.Ok, import.Output + import.Error);
            var json = JsonDocument.Parse(import.Output).RootElement;
            json.GetProperty("mode").GetString().Should().Be("new-only");
            foreach (var name in new[] { "total", "inserted", "updated", "unchanged", "skipped", "failed" })
                json.GetProperty("tables").GetProperty("users").TryGetProperty(name, out _).Should().BeTrue(name);
            json.GetProperty("errors").GetArrayLength().Should().Be(0);
            json.TryGetProperty("warnings", out _).Should().BeTrue();
            json.TryGetProperty("durationMs", out _).Should().BeTrue();

            var merge = await CliRun.RunAsync("backup", "import", file, "--connection", target, "--mode", "merge");
            merge.ExitCode.Should().Be(ExitCodes.Ok, merge.Error);
            merge.Output.Should().Contain("Applied: merge");

            (await EngineHarnessCount(target, "crearis_admin.backup_runs")).Should().Be(3, "the dry run and both imports are in the history");
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(target);
        }
    }

    [Fact]
    public async Task Verify_and_inspect_describe_a_good_backup_and_refuse_a_damaged_one_with_exit_code_2()
    {
        var file = Path.Combine(_folder, "good.tar.gz");
        (await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString, "--output", file)).ExitCode.Should().Be(ExitCodes.Ok);
        var damaged = Path.Combine(_folder, "damaged.tar.gz");
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(damaged, bytes[..(bytes.Length / 2)]);
        var notABackup = Path.Combine(_folder, "notes.tar.gz");
        await File.WriteAllTextAsync(notABackup, "just some text");

        var verify = await CliRun.RunAsync("backup", "verify", file);
        var inspect = await CliRun.RunAsync("backup", "inspect", file, "--json");
        var verifyDamaged = await CliRun.RunAsync("backup", "verify", damaged);
        var verifyText = await CliRun.RunAsync("backup", "verify", notABackup, "--json");
        var importDamaged = await CliRun.RunAsync("backup", "import", damaged, "--connection", source.ConnectionString, "--mode", "merge");

        verify.ExitCode.Should().Be(ExitCodes.Ok);
        verify.Output.Should().Contain("checksums match");
        JsonDocument.Parse(inspect.Output).RootElement.GetProperty("tables").GetProperty("users").GetProperty("rows").GetInt64().Should().BeGreaterThan(0);
        verifyDamaged.ExitCode.Should().Be(ExitCodes.BadArguments);
        verifyDamaged.Error.Should().Contain("damaged.tar.gz");
        verifyText.ExitCode.Should().Be(ExitCodes.BadArguments);
        verifyText.Output.Should().Contain("NOT_A_BACKUP");
        importDamaged.ExitCode.Should().Be(ExitCodes.BadArguments);
    }

    [Fact]
    public async Task Unknown_tables_and_modes_are_bad_arguments()
    {
        var export = await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString, "--output",
            Path.Combine(_folder, "x.tar.gz"), "--tables", "users,rehearsals");
        var import = await CliRun.RunAsync("backup", "import", "x.tar.gz", "--connection", source.ConnectionString, "--mode", "replace");

        export.ExitCode.Should().Be(ExitCodes.BadArguments);
        export.Error.Should().Contain("rehearsals");
        import.ExitCode.Should().Be(ExitCodes.BadArguments);
    }

    private static async Task<long> EngineHarnessCount(string cs, string table) =>
        (long)(await EngineHarness.ScalarAsync(cs, $"SELECT count(*) FROM {table}"))!;
}
