using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Cli;

/// <summary>
/// Scrubbed copies on the command line: export --scrub with the key from a file or the environment (never an option
/// value), what export, --json and inspect say about it, and backup instance --mark, whose production mark makes
/// import and dry run refuse the scrubbed file.
/// </summary>
[Collection(ScrubKeyEnvironment.Name)]
public sealed class ScrubCommandsTests(CrearisDatabaseFixture a) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string KeyText = "cli-scrub-key-0123456789abcdef";
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-cli-scrub-").FullName;
    private string _b = "";

    public async Task InitializeAsync()
    {
        await a.ResetWithDemoDataAsync(120, seed: 11);
        (_, _b) = await TestPostgres.CreateCrearisDatabaseAsync("cli_scrub_b");
        await System.IO.File.WriteAllTextAsync(File("scrub.key"), KeyText + "\n");
        await System.IO.File.WriteAllTextAsync(File("short.key"), "too-short");
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_b);
        Directory.Delete(_folder, recursive: true);
    }

    private string File(string name) => Path.Combine(_folder, name);

    /// <summary>The key's public fingerprint as specified: SHA-256 over "crearis-scrub-key\n" and the key, 16 hex digits.</summary>
    private static string Fingerprint(string key) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("crearis-scrub-key\n" + key)))[..16].ToLowerInvariant();

    [Fact]
    public async Task Export_with_scrub_says_so_with_the_keys_fingerprint_in_text_json_and_inspect()
    {
        var text = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("s.tar.gz"),
            "--scrub", "--scrub-key-file", File("scrub.key"));
        var json = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("s2.tar.gz"),
            "--scrub", "--scrub-key-file", File("scrub.key"), "--json");
        var inspect = await CliRun.RunAsync("backup", "inspect", File("s.tar.gz"));
        var inspectJson = await CliRun.RunAsync("backup", "inspect", File("s.tar.gz"), "--json");

        text.ExitCode.Should().Be(ExitCodes.Ok, text.Output + text.Error);
        text.Output.Should().Contain("Scrubbed:").And.Contain(Fingerprint(KeyText));
        json.ExitCode.Should().Be(ExitCodes.Ok, json.Output + json.Error);
        var scrub = JsonDocument.Parse(json.Output).RootElement.GetProperty("scrub");
        scrub.GetProperty("keyFingerprint").GetString().Should().Be(Fingerprint(KeyText));
        scrub.GetProperty("columns").GetProperty("users.sysmail").GetString().Should().Be("email");
        inspect.ExitCode.Should().Be(ExitCodes.Ok, inspect.Output + inspect.Error);
        inspect.Output.Should().Contain($"Scrubbed:  yes, key fingerprint {Fingerprint(KeyText)}");
        JsonDocument.Parse(inspectJson.Output).RootElement.GetProperty("scrub").GetProperty("keyFingerprint").GetString().Should().Be(Fingerprint(KeyText));
    }

    [Fact]
    public async Task Scrub_without_a_usable_key_is_exit_2_and_a_key_cannot_be_given_on_the_command_line()
    {
        var before = Environment.GetEnvironmentVariable("CREARIS_SCRUB_KEY");
        Environment.SetEnvironmentVariable("CREARIS_SCRUB_KEY", null);
        try
        {
            var missing = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("m.tar.gz"), "--scrub", "--json");
            var shortKey = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("m.tar.gz"),
                "--scrub", "--scrub-key-file", File("short.key"));
            var onTheLine = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("m.tar.gz"),
                "--scrub", "--scrub-key", KeyText);
            var fileWithoutScrub = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("m.tar.gz"),
                "--scrub-key-file", File("scrub.key"));
            Environment.SetEnvironmentVariable("CREARIS_SCRUB_KEY", KeyText);
            var fromEnvironment = await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("env.tar.gz"), "--scrub", "--json");

            missing.ExitCode.Should().Be(ExitCodes.BadArguments);
            JsonDocument.Parse(missing.Output).RootElement.GetProperty("errors")[0].GetProperty("code").GetString().Should().Be("SCRUB_KEY_INVALID");
            shortKey.ExitCode.Should().Be(ExitCodes.BadArguments);
            shortKey.Error.Should().Contain("SCRUB_KEY_INVALID").And.Contain("shorter than 16 bytes");
            onTheLine.ExitCode.Should().Be(ExitCodes.BadArguments, "there is no option that takes the key itself");
            fileWithoutScrub.ExitCode.Should().Be(ExitCodes.BadArguments);
            System.IO.File.Exists(File("m.tar.gz")).Should().BeFalse();
            fromEnvironment.ExitCode.Should().Be(ExitCodes.Ok, fromEnvironment.Output + fromEnvironment.Error);
            JsonDocument.Parse(fromEnvironment.Output).RootElement.GetProperty("scrub").GetProperty("keyFingerprint").GetString()
                .Should().Be(Fingerprint(KeyText), "the same key from the environment as from the file");
        }
        finally
        {
            Environment.SetEnvironmentVariable("CREARIS_SCRUB_KEY", before);
        }
    }

    [Fact]
    public async Task Instance_mark_round_trip_and_a_production_database_refuses_the_scrubbed_file()
    {
        (await CliRun.RunAsync("backup", "export", "--connection", a.ConnectionString, "--output", File("p.tar.gz"),
            "--scrub", "--scrub-key-file", File("scrub.key"))).ExitCode.Should().Be(ExitCodes.Ok);

        var shown = await CliRun.RunAsync("backup", "instance", "--connection", _b, "--json");
        var marked = await CliRun.RunAsync("backup", "instance", "--connection", _b, "--mark", "production");
        var shownAgain = await CliRun.RunAsync("backup", "instance", "--connection", _b, "--json");
        var dryRun = await CliRun.RunAsync("backup", "import", File("p.tar.gz"), "--connection", _b, "--mode", "merge", "--dry-run", "--json");
        var import = await CliRun.RunAsync("backup", "import", File("p.tar.gz"), "--connection", _b, "--mode", "new-only");
        var usersWhileProduction = await ScalarAsync(_b, "SELECT count(*) FROM users");
        var badMark = await CliRun.RunAsync("backup", "instance", "--connection", _b, "--mark", "staging");
        var development = await CliRun.RunAsync("backup", "instance", "--connection", _b, "--mark", "development");
        var imported = await CliRun.RunAsync("backup", "import", File("p.tar.gz"), "--connection", _b, "--mode", "new-only");

        shown.ExitCode.Should().Be(ExitCodes.Ok, shown.Output + shown.Error);
        var first = JsonDocument.Parse(shown.Output).RootElement;
        first.TryGetProperty("mark", out _).Should().BeFalse("a new instance has no mark");
        var instance = first.GetProperty("instance").GetGuid();
        (await ScalarAsync(_b, "SELECT instance_id FROM crearis_admin.sync_instance")).Should().Be(instance);
        marked.ExitCode.Should().Be(ExitCodes.Ok, marked.Output + marked.Error);
        marked.Output.Should().Contain("production").And.Contain("scrubbed copies are refused here");
        var again = JsonDocument.Parse(shownAgain.Output).RootElement;
        again.GetProperty("mark").GetString().Should().Be("production");
        again.GetProperty("instance").GetGuid().Should().Be(instance);

        dryRun.ExitCode.Should().Be(ExitCodes.BadArguments, dryRun.Output + dryRun.Error);
        JsonDocument.Parse(dryRun.Output).RootElement.GetProperty("errors")[0].GetProperty("code").GetString().Should().Be("SCRUBBED_INTO_PRODUCTION");
        import.ExitCode.Should().Be(ExitCodes.BadArguments);
        import.Error.Should().Contain("SCRUBBED_INTO_PRODUCTION").And.Contain("--mark development");
        usersWhileProduction.Should().Be(0L, "nothing was written");
        badMark.ExitCode.Should().Be(ExitCodes.BadArguments);

        development.ExitCode.Should().Be(ExitCodes.Ok, development.Output + development.Error);
        imported.ExitCode.Should().Be(ExitCodes.Ok, imported.Output + imported.Error);
        (await ScalarAsync(_b, "SELECT count(*) FROM users")).Should().Be(await ScalarAsync(a.ConnectionString, "SELECT count(*) FROM users"));
        (await ScalarAsync(_b, "SELECT string_agg(\"Detail\", ' / ' ORDER BY \"Id\") FROM crearis_admin.audit_events WHERE \"Action\" = 'instance-mark'"))
            .Should().Be("unmarked → production / production → development");
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var conn = new Npgsql.NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }
}
