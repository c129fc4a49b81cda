using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Cli;

/// <summary>Two imports of one backup into one database at the same time (cron twice, or cron and the web app).</summary>
public sealed class ConcurrentImportTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-concurrent-").FullName;
    private string _backup = "";
    private string _target = "";

    public async Task InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(300);
        _backup = await EngineHarness.ExportAsync(source.ConnectionString, Path.Combine(_folder, "demo.tar.gz"));
        (_, _target) = await TestPostgres.CreateCrearisDatabaseAsync("concurrent");
        // Everything but the interactions is there already: both imports would see every interaction as new, and
        // interactions have no unique key to stop the second copy.
        var first = await CliRun.RunAsync("backup", "import", _backup, "--connection", _target, "--mode", "new-only", "--exclude", "interactions");
        first.ExitCode.Should().Be(ExitCodes.Ok, first.Output + first.Error);
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_target);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Two_command_line_imports_started_at_once_never_duplicate_a_row_and_the_second_is_told_who_holds_the_database()
    {
        var imports = await Task.WhenAll(
            CliRun.RunAsync("backup", "import", _backup, "--connection", _target, "--mode", "new-only"),
            CliRun.RunAsync("backup", "import", _backup, "--connection", _target, "--mode", "new-only"));

        (await CountAsync(_target, "interactions")).Should().Be(await source.CountAsync("interactions"), "no interaction is written twice");
        imports.Should().ContainSingle(r => r.ExitCode == ExitCodes.Ok, string.Join("\n", imports.Select(r => r.Output + r.Error)));
        var refused = imports.Single(r => r.ExitCode != ExitCodes.Ok);
        refused.ExitCode.Should().Be(ExitCodes.Busy);
        refused.Error.Should().Contain("IMPORT_RUNNING").And.Contain("cli:" + Environment.UserName).And.Contain("demo.tar.gz")
            .And.MatchRegex(@"\d{4}-\d\d-\d\d \d\d:\d\d", "the refusal says since when");
    }

    [Fact]
    public async Task With_wait_the_second_import_waits_for_the_first_and_then_finds_every_row_present()
    {
        var imports = await Task.WhenAll(
            CliRun.RunAsync("backup", "import", _backup, "--connection", _target, "--mode", "new-only", "--wait", "120", "--json"),
            CliRun.RunAsync("backup", "import", _backup, "--connection", _target, "--mode", "new-only", "--wait", "120", "--json"));

        imports.Should().OnlyContain(r => r.ExitCode == ExitCodes.Ok, string.Join("\n", imports.Select(r => r.Output + r.Error)));
        (await CountAsync(_target, "interactions")).Should().Be(await source.CountAsync("interactions"));
        var inserted = imports.Select(r => System.Text.Json.JsonDocument.Parse(r.Output).RootElement
            .GetProperty("tables").GetProperty("interactions").GetProperty("inserted").GetInt64()).Order().ToList();
        inserted[0].Should().Be(0, "the one that waited found them all present");
    }

    internal static async Task<long> CountAsync(string cs, string table) =>
        (long)(await EngineHarness.ScalarAsync(cs, $"SELECT count(*) FROM {table}"))!;
}
