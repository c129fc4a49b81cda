using System.Text.Json;
using Crearis.Admin.Backups;
using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Crearis.Admin.Tests.Cli;

/// <summary>Encrypted backups on the command line and in the backup folder, opened by the stock age tool and by us.</summary>
public sealed class EncryptedBackupCommandsTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-cli-age-").FullName;

    public Task InitializeAsync() => source.ResetWithDemoDataAsync(120);

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Export_encrypt_writes_an_age_file_that_verify_and_import_open_only_with_the_identity()
    {
        var (identity, recipient) = await AgeTool.KeygenAsync(_folder, "cron");
        var output = Path.Combine(_folder, "nightly.tar.gz");
        var (_, target) = await TestPostgres.CreateCrearisDatabaseAsync("cli_age");
        try
        {
            var export = await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString, "--output", output,
                "--encrypt", "--recipient", recipient, "--json");
            var withoutKey = await CliRun.RunAsync("backup", "verify", output + ".age", "--json");
            var withKey = await CliRun.RunAsync("backup", "verify", output + ".age", "--identity", identity);
            var (ageExit, _, ageError) = await AgeTool.RunAsync(AgeTool.Age, ["-d", "-i", identity, "-o", Path.Combine(_folder, "plain.tar.gz"), output + ".age"]);
            var import = await CliRun.RunAsync("backup", "import", output + ".age", "--connection", target, "--mode", "new-only",
                "--identity", identity, "--json");

            export.ExitCode.Should().Be(ExitCodes.Ok, export.Output + export.Error);
            JsonDocument.Parse(export.Output).RootElement.GetProperty("file").GetString().Should().EndWith("nightly.tar.gz.age");
            File.Exists(output).Should().BeFalse("an encrypted backup is never written under a plain name");
            withoutKey.ExitCode.Should().Be(ExitCodes.BadArguments);
            withoutKey.Output.Should().Contain("KEY_REQUIRED");
            withKey.ExitCode.Should().Be(ExitCodes.Ok, withKey.Output + withKey.Error);
            ageExit.Should().Be(0, ageError);
            (await CliRun.RunAsync("backup", "verify", Path.Combine(_folder, "plain.tar.gz"))).ExitCode.Should().Be(ExitCodes.Ok);
            import.ExitCode.Should().Be(ExitCodes.Ok, import.Output + import.Error);
            CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(target), await CanonicalContent.ReadAsync(source.ConnectionString));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(target);
        }
    }

    [Fact]
    public async Task A_passphrase_comes_from_a_file_or_the_environment_and_never_with_recipients()
    {
        var passphraseFile = Path.Combine(_folder, "passphrase");
        await File.WriteAllTextAsync(passphraseFile, "a long passphrase for the nightly job\n");
        var (_, recipient) = await AgeTool.KeygenAsync(_folder, "other");
        var output = Path.Combine(_folder, "pw.tar.gz.age");

        var export = await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString, "--output", output,
            "--encrypt", "--passphrase-file", passphraseFile);
        var verify = await CliRun.RunAsync("backup", "verify", output, "--passphrase-file", passphraseFile);
        var both = await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString, "--output", Path.Combine(_folder, "x.tar.gz"),
            "--encrypt", "--recipient", recipient, "--passphrase-file", passphraseFile, "--json");
        var noKey = await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString, "--output", Path.Combine(_folder, "y.tar.gz"),
            "--encrypt");
        var noEncrypt = await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString, "--output", Path.Combine(_folder, "z.tar.gz"),
            "--recipient", recipient);
        var (ageExit, _, ageError) = await AgeTool.WithPassphraseAsync("a long passphrase for the nightly job", 1,
            "-d", "-o", Path.Combine(_folder, "pw-plain.tar.gz"), output);

        export.ExitCode.Should().Be(ExitCodes.Ok, export.Output + export.Error);
        verify.ExitCode.Should().Be(ExitCodes.Ok, verify.Output + verify.Error);
        ageExit.Should().Be(0, ageError);
        both.ExitCode.Should().Be(ExitCodes.BadArguments);
        both.Output.Should().Contain("not both");
        noKey.ExitCode.Should().Be(ExitCodes.BadArguments, "--encrypt without a recipient or passphrase has nothing to encrypt to");
        noEncrypt.ExitCode.Should().Be(ExitCodes.BadArguments);
        Directory.GetFiles(_folder, "?.tar.gz*").Should().BeEmpty("a refused export writes nothing");
    }

    [Fact]
    public async Task The_backup_folder_lists_verifies_and_accepts_uploads_of_encrypted_files_with_the_configured_identity()
    {
        var (identity, recipient) = await AgeTool.KeygenAsync(_folder, "app");
        var plain = Path.Combine(_folder, "plain.tar.gz");
        (await CliRun.RunAsync("backup", "export", "--connection", source.ConnectionString, "--output", plain)).ExitCode.Should().Be(ExitCodes.Ok);
        var (exit, _, error) = await AgeTool.RunAsync(AgeTool.Age, ["-r", recipient, "-o", plain + ".age", plain]);
        exit.Should().Be(0, error);
        var withKey = Path.Combine(_folder, "with-key");
        var withoutKey = Path.Combine(_folder, "without-key");
        var options = Options.Create(new BackupStorageOptions { Folder = withKey, IdentityFile = identity, Recipients = [recipient] });
        using var keyring = new BackupKeyring(options);
        var storage = new BackupStorage(options, keyring);
        var plainStorage = new BackupStorage(Options.Create(new BackupStorageOptions { Folder = withoutKey }));

        await using var upload = File.OpenRead(plain + ".age");
        var (saved, issues) = await storage.SaveUploadAsync("from ops.tar.gz.age", upload);
        await using var again = File.OpenRead(plain + ".age");
        var (refused, refusedIssues) = await plainStorage.SaveUploadAsync("from ops.tar.gz.age", again);

        issues.Should().BeEmpty();
        saved!.Name.Should().Be("from_ops.tar.gz.age");
        saved.Verified.Should().BeTrue();
        (await storage.ListAsync(0, 10, BackupSort.NameAsc, null)).Items.Select(i => i.Name).Should().Equal("from_ops.tar.gz.age");
        storage.NewExportPath("crearis").Should().EndWith(".tar.gz.age", "with recipients configured every export is encrypted");
        refused.Should().BeNull();
        refusedIssues.Should().ContainSingle().Which.Code.Should().Be(IssueCode.KeyRequired);
    }
}
