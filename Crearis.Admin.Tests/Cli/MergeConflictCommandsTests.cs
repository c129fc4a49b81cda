using System.Text.Json;
using System.Text.Json.Nodes;
using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Cli;

/// <summary>
/// The three-way merge on the command line, in the shape scripts use: undecided conflicts exit 3 and write nothing,
/// --json lists them, and the same list with a "take" added is the resolutions file.
/// </summary>
public sealed class MergeConflictCommandsTests(CrearisDatabaseFixture a) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-cli-3way-").FullName;
    private string _b = "";
    private string _user = "", _event = "";

    public async Task InitializeAsync()
    {
        await a.ResetWithDemoDataAsync(150, seed: 5);
        await EngineHarness.ExecuteAsync(a.ConnectionString, "DROP SCHEMA IF EXISTS crearis_admin CASCADE");
        (_, _b) = await TestPostgres.CreateCrearisDatabaseAsync("cli_3way");
        _user = (string)(await EngineHarness.ScalarAsync(a.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
        _event = (string)(await EngineHarness.ScalarAsync(a.ConnectionString, "SELECT xmlid FROM events ORDER BY id LIMIT 1"))!;
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_b);
        Directory.Delete(_folder, recursive: true);
    }

    private string File(string name) => Path.Combine(_folder, name);

    /// <summary>A → B, then the same user renamed on both sides and an event renamed in A; A exports Y.</summary>
    private async Task<string> EditBothSidesAsync()
    {
        (await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("x.tar.gz"))).ExitCode.Should().Be(ExitCodes.Ok);
        var first = await CliRun.RunAsync("backup", "import", File("x.tar.gz"), "--connection", _b, "--mode", "new-only");
        first.ExitCode.Should().Be(ExitCodes.Ok, first.Output + first.Error);
        await EngineHarness.ExecuteAsync(a.ConnectionString, $"""
            UPDATE users SET username = 'renamed-in-a' WHERE sysmail = '{_user}';
            UPDATE events SET name = 'Neu in A' WHERE xmlid = '{_event}';
            """);
        await EngineHarness.ExecuteAsync(_b, $"UPDATE users SET username = 'renamed-in-b' WHERE sysmail = '{_user}'");
        (await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("y.tar.gz"))).ExitCode.Should().Be(ExitCodes.Ok);
        return File("y.tar.gz");
    }

    [Fact]
    public async Task A_merge_with_undecided_conflicts_exits_3_lists_them_and_writes_nothing()
    {
        var y = await EditBothSidesAsync();

        var merge = await CliRun.RunAsync("backup", "import", y, "--connection", _b, "--mode", "merge", "--json");
        var text = await CliRun.RunAsync("backup", "import", y, "--connection", _b, "--mode", "merge", "--dry-run");

        merge.ExitCode.Should().Be(ExitCodes.Conflicts, merge.Output + merge.Error);
        var json = JsonDocument.Parse(merge.Output).RootElement;
        json.GetProperty("tables").GetProperty("users").GetProperty("conflicts").GetInt64().Should().Be(1);
        json.GetProperty("tables").GetProperty("events").GetProperty("conflicts").GetInt64().Should().Be(0);
        var conflict = json.GetProperty("conflicts").EnumerateArray().Should().ContainSingle().Subject;
        conflict.GetProperty("table").GetString().Should().Be("users");
        conflict.GetProperty("key").GetString().Should().Be(_user);
        conflict.GetProperty("column").GetString().Should().Be("username");
        conflict.GetProperty("kind").GetString().Should().Be("both-changed");
        conflict.GetProperty("target").GetString().Should().Be("renamed-in-b");
        conflict.GetProperty("backup").GetString().Should().Be("renamed-in-a");
        conflict.GetProperty("base").GetString().Should().NotBeNullOrEmpty();
        (await EngineHarness.ScalarAsync(_b, $"SELECT name FROM events WHERE xmlid = '{_event}'")).Should().NotBe("Neu in A", "nothing is written");
        text.ExitCode.Should().Be(ExitCodes.Conflicts);
        text.Output.Should().Contain("Conflicts: 1").And.Contain("username").And.Contain("renamed-in-b");
    }

    [Fact]
    public async Task The_dry_runs_conflicts_with_a_take_added_are_the_resolutions_file()
    {
        var y = await EditBothSidesAsync();
        var dry = await CliRun.RunAsync("backup", "import", y, "--connection", _b, "--mode", "merge", "--dry-run", "--json");
        var decisions = JsonNode.Parse(dry.Output)!["conflicts"]!.AsArray();
        foreach (var entry in decisions)
        {
            entry!["take"] = "value";
            entry["value"] = "chosen-by-the-admin";
        }
        await System.IO.File.WriteAllTextAsync(File("decisions.json"), new JsonObject { ["conflicts"] = decisions.DeepClone() }.ToJsonString());

        var merge = await CliRun.RunAsync("backup", "import", y, "--connection", _b, "--mode", "merge", "--resolutions", File("decisions.json"), "--json");

        merge.ExitCode.Should().Be(ExitCodes.Ok, merge.Output + merge.Error);
        (await EngineHarness.ScalarAsync(_b, $"SELECT username FROM users WHERE sysmail = '{_user}'")).Should().Be("chosen-by-the-admin");
        (await EngineHarness.ScalarAsync(_b, $"SELECT name FROM events WHERE xmlid = '{_event}'")).Should().Be("Neu in A");
        var kept = JsonDocument.Parse(merge.Output).RootElement.GetProperty("conflicts").EnumerateArray().Should().ContainSingle().Subject;
        kept.GetProperty("taken").GetString().Should().Be("value");
        kept.GetProperty("target").GetString().Should().Be("renamed-in-b", "the value that lost stays in the run's record");
    }

    [Fact]
    public async Task A_resolutions_file_that_does_not_say_what_to_take_is_refused_naming_the_entry()
    {
        var y = await EditBothSidesAsync();
        await System.IO.File.WriteAllTextAsync(File("bad.json"), $$"""[{"table":"users","key":"{{_user}}","column":"username","take":"mine"}]""");

        var merge = await CliRun.RunAsync("backup", "import", y, "--connection", _b, "--mode", "merge", "--resolutions", File("bad.json"), "--json");

        merge.ExitCode.Should().Be(ExitCodes.BadArguments);
        var error = JsonDocument.Parse(merge.Output).RootElement.GetProperty("errors")[0];
        error.GetProperty("code").GetString().Should().Be("BAD_RESOLUTIONS");
        error.GetProperty("message").GetString().Should().Contain("entry 1").And.Contain("\"take\"");
        (await EngineHarness.ScalarAsync(_b, $"SELECT username FROM users WHERE sysmail = '{_user}'")).Should().Be("renamed-in-b");
    }

    [Fact]
    public async Task Keep_target_merges_every_other_edit_and_exits_0()
    {
        var y = await EditBothSidesAsync();

        var merge = await CliRun.RunAsync("backup", "import", y, "--connection", _b, "--mode", "merge", "--on-conflict", "keep-target");

        merge.ExitCode.Should().Be(ExitCodes.Ok, merge.Output + merge.Error);
        (await EngineHarness.ScalarAsync(_b, $"SELECT username FROM users WHERE sysmail = '{_user}'")).Should().Be("renamed-in-b");
        (await EngineHarness.ScalarAsync(_b, $"SELECT name FROM events WHERE xmlid = '{_event}'")).Should().Be("Neu in A");
    }
}
