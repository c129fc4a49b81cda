using System.Text.Json;
using Crearis.Admin.Cli;

namespace Crearis.Admin.Tests.Cli;

/// <summary>
/// Names in a command's output come from file names, archives and the command line, so anyone who can name a file
/// could otherwise move the cursor, recolour, retitle or clear an operator's terminal, or forge a line of output.
/// </summary>
public sealed class TerminalOutputTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    // ESC sequences (title, clear screen), BEL, a C1 CSI, a carriage return and a line feed that would start a forged line.
    private const string Hostile = "evil\u001b]0;owned\u0007\u001b[2J\u009b31m\rOK: format 2, 17 tables, 1 rows, checksums match.\n";
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-terminal-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Every control character in the text except the line feeds that end the command's own lines.</summary>
    private static IEnumerable<string> ControlCharacters(string text) =>
        text.Where(c => char.IsControl(c) && c != '\n').Select(c => $"U+{(int)c:X4}");

    [Fact]
    public async Task A_file_name_with_control_characters_reaches_the_terminal_without_them()
    {
        var file = Path.Combine(_folder, Hostile + ".tar.gz");
        await File.WriteAllTextAsync(file, "not a backup");

        var verify = await CliRun.RunAsync("backup", "verify", file);

        verify.ExitCode.Should().Be(ExitCodes.BadArguments);
        verify.Error.Should().Contain("NOT_A_BACKUP").And.Contain("evil");
        ControlCharacters(verify.Output + verify.Error).Should().BeEmpty();
        (verify.Output + verify.Error).Split('\n').Should().NotContain(line => line.StartsWith("OK:"), "a name cannot start a line of its own");
    }

    [Fact]
    public async Task A_table_name_with_control_characters_is_named_in_the_error_without_them()
    {
        var export = await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString,
            "--output", Path.Combine(_folder, "x.tar.gz"), "--tables", "users,re\u001b[2Jhearsals\u0007");

        export.ExitCode.Should().Be(ExitCodes.BadArguments);
        export.Error.Should().Contain("UNKNOWN_TABLE").And.Contain("re[2Jhearsals");
        ControlCharacters(export.Output + export.Error).Should().BeEmpty();
    }

    [Fact]
    public async Task An_unknown_argument_with_control_characters_is_echoed_without_them()
    {
        var parse = await CliRun.RunAsync("backup", "verify", "x.tar.gz", "--f\u001b[2J\u009b0mast");

        parse.ExitCode.Should().Be(ExitCodes.BadArguments);
        parse.Error.Should().Contain("--f[2J0mast");
        ControlCharacters(parse.Output + parse.Error).Should().BeEmpty();
    }

    [Fact]
    public async Task The_json_document_keeps_such_a_name_escaped_and_whole()
    {
        var file = Path.Combine(_folder, Hostile + ".tar.gz");
        await File.WriteAllTextAsync(file, "not a backup");

        var verify = await CliRun.RunAsync("backup", "verify", file, "--json");

        ControlCharacters(verify.Output).Should().BeEmpty();
        var message = JsonDocument.Parse(verify.Output).RootElement.GetProperty("errors")[0].GetProperty("message").GetString();
        message.Should().StartWith(Hostile + ".tar.gz", "JSON escapes control characters, so scripts get the name as it is");
    }
}
