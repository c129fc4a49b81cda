using System.Text.Json;
using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Cli;

/// <summary>
/// Filtered exports on the command line: export --project/--user/--since (comma lists like --tables), the per-table
/// rows and reasons in text and --json, inspect of a filtered file, and the typed refusals (exit 2).
/// </summary>
public sealed class FilteredExportCommandsTests(CrearisDatabaseFixture a) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-cli-filter-").FullName;
    private string _b = "";
    private string _project = "", _user = "";

    public async Task InitializeAsync()
    {
        await a.ResetWithDemoDataAsync(150, seed: 11);
        await EngineHarness.ExecuteAsync(a.ConnectionString, "DROP SCHEMA IF EXISTS crearis_admin CASCADE");
        (_, _b) = await TestPostgres.CreateCrearisDatabaseAsync("cli_filter_b");
        _project = (string)(await EngineHarness.ScalarAsync(a.ConnectionString,
            "SELECT p.domaincode FROM projects p JOIN events e ON e.project_id = p.id GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1"))!;
        _user = (string)(await EngineHarness.ScalarAsync(a.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_b);
        Directory.Delete(_folder, recursive: true);
    }

    private string File(string name) => Path.Combine(_folder, name);

    [Fact]
    public async Task Export_with_project_and_user_prints_rows_and_reasons_inspect_shows_them_and_the_file_imports_into_an_empty_database()
    {
        var export = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("p.tar.gz"),
            "--project", _project, "--user", _user);
        var json = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("pj.tar.gz"),
            "--project", _project, "--user", _user, "--json");
        var inspect = await CliRun.RunAsync("backup", "inspect", File("p.tar.gz"));
        var import = await CliRun.RunAsync("backup", "import", File("p.tar.gz"), "--connection", _b, "--mode", "new-only", "--json");

        export.ExitCode.Should().Be(ExitCodes.Ok, export.Output + export.Error);
        export.Output.Should().Contain($"Filtered:  projects {_project}; users {_user}")
            .And.Contain("child of projects (events.project_id)").And.Contain("pulled in by ").And.Contain("selected");
        var events = await EngineHarness.ScalarAsync(a.ConnectionString, $"SELECT count(*) FROM events e JOIN projects p ON p.id = e.project_id WHERE p.domaincode = '{_project}'");

        json.ExitCode.Should().Be(ExitCodes.Ok, json.Output + json.Error);
        var filter = JsonDocument.Parse(json.Output).RootElement.GetProperty("filter");
        filter.GetProperty("projects")[0].GetString().Should().Be(_project);
        var eventReasons = filter.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "events").GetProperty("reasons");
        eventReasons.EnumerateArray().Single(r => r.GetProperty("reason").GetString() == "child of projects (events.project_id)")
            .GetProperty("rows").GetInt64().Should().Be((long)events!);

        inspect.ExitCode.Should().Be(ExitCodes.Ok, inspect.Output + inspect.Error);
        inspect.Output.Should().Contain("Filtered:").And.Contain("child of projects (events.project_id)");

        import.ExitCode.Should().Be(ExitCodes.Ok, import.Output + import.Error);
        (await EngineHarness.ScalarAsync(_b, $"SELECT count(*) FROM events e JOIN projects p ON p.id = e.project_id WHERE p.domaincode = '{_project}'"))
            .Should().Be(events);
        (await EngineHarness.ScalarAsync(_b, $"SELECT count(*) FROM users WHERE sysmail = '{_user}'")).Should().Be(1L);
    }

    [Fact]
    public async Task Since_names_the_tables_it_cannot_filter()
    {
        var export = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("s.tar.gz"), "--since", "30d");

        export.ExitCode.Should().Be(ExitCodes.Ok, export.Output + export.Error);
        export.Output.Should().Contain("--since could not filter (written whole): ").And.Contain("tags");
        export.Error.Should().Contain("SINCE_UNFILTERED tags");
    }

    [Fact]
    public async Task Unknown_names_a_bad_since_and_a_base_are_refused_with_exit_2_and_nothing_is_written()
    {
        var unknown = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("u.tar.gz"),
            "--project", $"{_project},no_such_project", "--user", "nobody@example.com", "--json");
        var badSince = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("b.tar.gz"), "--since", "last week");
        (await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("x.tar.gz"))).ExitCode.Should().Be(ExitCodes.Ok);
        var withBase = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("d.tar.gz"),
            "--project", _project, "--base", File("x.tar.gz"));

        unknown.ExitCode.Should().Be(ExitCodes.BadArguments, unknown.Output + unknown.Error);
        var errors = JsonDocument.Parse(unknown.Output).RootElement.GetProperty("errors").EnumerateArray().ToList();
        errors.Select(e => e.GetProperty("code").GetString()).Should().AllBe("FILTER_UNKNOWN");
        errors.Select(e => e.GetProperty("key").GetString()).Should().BeEquivalentTo("no_such_project", "nobody@example.com");
        System.IO.File.Exists(File("u.tar.gz")).Should().BeFalse();
        badSince.ExitCode.Should().Be(ExitCodes.BadArguments);
        badSince.Error.Should().Contain("BAD_SINCE").And.Contain("last week");
        System.IO.File.Exists(File("b.tar.gz")).Should().BeFalse();
        withBase.ExitCode.Should().Be(ExitCodes.BadArguments);
        withBase.Error.Should().Contain("FILTER_WITH_BASE");
    }
}
