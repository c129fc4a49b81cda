using System.Text.Json;
using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Cli;

/// <summary>
/// Differential backups on the command line, in the shape scripts use: export --base, inspect, combine, and importing
/// a differential (refused where the base was never seen, tombstones listed until --apply-deletes), with exit codes and --json.
/// </summary>
public sealed class DifferentialCommandsTests(CrearisDatabaseFixture a) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-cli-diff-").FullName;
    private string _b = "", _c = "";
    private string _user = "";

    public async Task InitializeAsync()
    {
        await a.ResetWithDemoDataAsync(150, seed: 7);
        await EngineHarness.ExecuteAsync(a.ConnectionString, "DROP SCHEMA IF EXISTS crearis_admin CASCADE");
        await EngineHarness.ExecuteAsync(a.ConnectionString, "INSERT INTO tags (name, description) VALUES ('cli-tag-gone', 'deleted after the base')");
        (_, _b) = await TestPostgres.CreateCrearisDatabaseAsync("cli_diff_b");
        (_, _c) = await TestPostgres.CreateCrearisDatabaseAsync("cli_diff_c");
        _user = (string)(await EngineHarness.ScalarAsync(a.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_b);
        await TestPostgres.DropDatabaseAsync(_c);
        Directory.Delete(_folder, recursive: true);
    }

    private string File(string name) => Path.Combine(_folder, name);

    [Fact]
    public async Task Export_base_inspect_combine_and_import_of_a_differential()
    {
        (await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("x.tar.gz"))).ExitCode.Should().Be(ExitCodes.Ok);
        var first = await CliRun.RunAsync("backup", "import", File("x.tar.gz"), "--connection", _b, "--mode", "new-only");
        first.ExitCode.Should().Be(ExitCodes.Ok, first.Output + first.Error);
        await EngineHarness.ExecuteAsync(a.ConnectionString, $"""
            UPDATE users SET username = 'cli-renamed' WHERE sysmail = '{_user}';
            DELETE FROM tags WHERE name = 'cli-tag-gone';
            """);

        var export = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("d.tar.gz"), "--base", File("x.tar.gz"), "--json");
        var unknownBase = await CliRun.RunAsync("backup", "export", "--connection", _c, "--output", File("c.tar.gz"), "--base", File("x.tar.gz"));
        var inspect = await CliRun.RunAsync("backup", "inspect", File("d.tar.gz"));
        var refused = await CliRun.RunAsync("backup", "import", File("d.tar.gz"), "--connection", _c, "--mode", "merge", "--json");
        var listed = await CliRun.RunAsync("backup", "import", File("d.tar.gz"), "--connection", _b, "--mode", "merge");
        var keptAfterListing = await EngineHarness.ScalarAsync(_b, "SELECT count(*) FROM tags WHERE name = 'cli-tag-gone'");
        var applied = await CliRun.RunAsync("backup", "import", File("d.tar.gz"), "--connection", _b, "--mode", "merge", "--apply-deletes", "--json");
        var full = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("full.tar.gz"));
        var combine = await CliRun.RunAsync("backup", "combine", File("x.tar.gz"), File("d.tar.gz"), "--output", File("combined.tar.gz"), "--json");
        var wrongOrder = await CliRun.RunAsync("backup", "combine", File("d.tar.gz"), File("x.tar.gz"), "--output", File("bad.tar.gz"));

        export.ExitCode.Should().Be(ExitCodes.Ok, export.Output + export.Error);
        var exported = JsonDocument.Parse(export.Output).RootElement;
        exported.GetProperty("tables").GetProperty("users").GetProperty("rows").GetInt64().Should().Be(1);
        exported.GetProperty("differential").GetProperty("tombstones").GetProperty("tags").GetInt64().Should().Be(1);
        unknownBase.ExitCode.Should().Be(ExitCodes.BadArguments);
        unknownBase.Error.Should().Contain("BASE_UNKNOWN").And.Contain("x.tar.gz");
        inspect.ExitCode.Should().Be(ExitCodes.Ok);
        inspect.Output.Should().Contain("Base:").And.Contain("1 tombstones");

        refused.ExitCode.Should().Be(ExitCodes.BadArguments, refused.Output + refused.Error);
        JsonDocument.Parse(refused.Output).RootElement.GetProperty("errors")[0].GetProperty("code").GetString().Should().Be("BASE_UNKNOWN");
        listed.ExitCode.Should().Be(ExitCodes.Ok, listed.Output + listed.Error);
        listed.Output.Should().Contain("tags: 1 deleted in the backup's instance since the base (kept; --apply-deletes deletes them)");
        keptAfterListing.Should().Be(1L, "without --apply-deletes a tombstone is only listed");
        applied.ExitCode.Should().Be(ExitCodes.Ok, applied.Output + applied.Error);
        JsonDocument.Parse(applied.Output).RootElement.GetProperty("tables").GetProperty("tags").GetProperty("deleted").GetInt64().Should().Be(1);
        (await EngineHarness.ScalarAsync(_b, "SELECT count(*) FROM tags WHERE name = 'cli-tag-gone'")).Should().Be(0L);
        (await EngineHarness.ScalarAsync(_b, $"SELECT username FROM users WHERE sysmail = '{_user}'")).Should().Be("cli-renamed");

        full.ExitCode.Should().Be(ExitCodes.Ok);
        combine.ExitCode.Should().Be(ExitCodes.Ok, combine.Output + combine.Error);
        JsonDocument.Parse(combine.Output).RootElement.GetProperty("succeeded").GetBoolean().Should().BeTrue();
        foreach (var table in new[] { "users", "tags", "events", "projects" })
        {
            var want = (await EngineHarness.ReadMemberAsync(File("full.tar.gz"), $"tables/{table}.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
            var got = (await EngineHarness.ReadMemberAsync(File("combined.tar.gz"), $"tables/{table}.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
            got.Should().Equal(want, table);
        }
        wrongOrder.ExitCode.Should().Be(ExitCodes.BadArguments);
        wrongOrder.Error.Should().Contain("BASE_MISMATCH");
    }
}
