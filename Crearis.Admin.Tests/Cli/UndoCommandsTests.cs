using System.Text.Json;
using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Cli;

/// <summary>
/// `backup import --safety-copy` then `backup undo RUN`: the database is as it was before the import (compared with
/// itself as it was, not with what the tool says), a second undo is refused, and an import without the copy cannot be undone.
/// </summary>
public sealed class UndoCommandsTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-cli-undo-").FullName;
    private string _target = "";

    public async Task InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(150, seed: 12);
        (_, _target) = await TestPostgres.CreateCrearisDatabaseAsync("cli_undo");
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_target);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task An_import_kept_with_a_safety_copy_is_undone_once_and_one_without_cannot_be()
    {
        var backup = Path.Combine(_folder, "demo.tar.gz");
        (await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString, "--output", backup)).ExitCode.Should().Be(ExitCodes.Ok);
        var before = await EngineHarness.SnapshotAsync(_target, sequences: false);

        var import = await CliRun.RunAsync("backup", "import", backup, "--connection", _target, "--mode", "new-only", "--safety-copy", "--json");
        import.ExitCode.Should().Be(ExitCodes.Ok, import.Output + import.Error);
        var run = JsonDocument.Parse(import.Output).RootElement.GetProperty("runId").GetInt64();
        (await EngineHarness.SnapshotAsync(_target, sequences: false)).Should().NotBe(before);

        var undo = await CliRun.RunAsync("backup", "undo", run.ToString(), "--connection", _target);

        undo.ExitCode.Should().Be(ExitCodes.Ok, undo.Output + undo.Error);
        undo.Output.Should().StartWith("Undone: ");
        (await EngineHarness.SnapshotAsync(_target, sequences: false)).Should().Be(before, "every row the import added is gone");
        var again = await CliRun.RunAsync("backup", "undo", run.ToString(), "--connection", _target);
        again.ExitCode.Should().Be(ExitCodes.Failed);
        (again.Output + again.Error).Should().Contain("was undone already");

        var plain = await CliRun.RunAsync("backup", "import", backup, "--connection", _target, "--mode", "new-only");
        plain.Output.Should().MatchRegex(@"History: run \d+\r?\n");
        var plainRun = System.Text.RegularExpressions.Regex.Match(plain.Output, @"History: run (\d+)").Groups[1].Value;
        var refused = await CliRun.RunAsync("backup", "undo", plainRun, "--connection", _target);
        refused.ExitCode.Should().Be(ExitCodes.Failed);
        (refused.Output + refused.Error).Should().Contain("kept no record of the rows it changed");
    }
}
