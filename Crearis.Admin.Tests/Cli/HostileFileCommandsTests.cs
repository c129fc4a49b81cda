using System.Text.Json;
using Crearis.Admin.Backups;
using Crearis.Admin.Cli;
using Microsoft.Extensions.Options;

namespace Crearis.Admin.Tests.Cli;

/// <summary>
/// The hostile corpus (Crearis.Testing/HostileBackups.cs) through every door a file comes in by: verify, inspect and
/// import on the command line (exit 2, the typed code in --json, no row changed) and the web upload (refused, nothing
/// kept, no exception).
/// </summary>
public sealed class HostileFileCommandsTests(HostileCorpus corpus) : IClassFixture<HostileCorpus>
{
    public static TheoryData<string> Corpus => HostileCorpus.Names();

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Verify_inspect_and_import_refuse_the_file_with_exit_code_2_and_its_typed_error(string name)
    {
        var file = corpus[name];

        var verify = await CliRun.RunAsync("backup", "verify", file.Path, "--json");
        var inspect = await CliRun.RunAsync("backup", "inspect", file.Path, "--json");
        var import = await CliRun.RunAsync("backup", "import", file.Path, "--connection", corpus.Target, "--mode", "merge", "--json");

        foreach (var (command, run) in new[] { ("verify", verify), ("inspect", inspect), ("import", import) })
        {
            run.ExitCode.Should().Be(ExitCodes.BadArguments, $"{command}: {run.Output}{run.Error}");
            run.Error.Should().NotContain("   at ", $"{command} reports an error, not a stack trace");
            var errors = JsonDocument.Parse(run.Output).RootElement.GetProperty("errors").EnumerateArray()
                .Select(e => e.GetProperty("code").GetString()).ToList();
            errors.Should().Contain(file.Expected.Wire, command);
        }
        (await EngineHarness.SnapshotAsync(corpus.Target)).Should().Be(corpus.TargetSnapshot, "nothing is written");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task An_upload_of_the_file_is_refused_with_its_typed_error_and_nothing_is_kept(string name)
    {
        var file = corpus[name];
        var folder = Directory.CreateTempSubdirectory("crearis-upload-").FullName;
        try
        {
            var storage = new BackupStorage(Options.Create(new BackupStorageOptions { Folder = folder }));
            await using var content = File.OpenRead(file.Path);

            var (saved, issues) = await storage.SaveUploadAsync($"{name}.tar.gz", content);

            saved.Should().BeNull();
            issues.Select(i => i.Code).Should().Contain(file.Expected);
            Directory.GetFiles(folder).Should().BeEmpty("a refused upload leaves nothing behind");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Pages_loaded_at_once_by_several_users_verify_a_file_once_and_remember_the_result()
    {
        var folder = Directory.CreateTempSubdirectory("crearis-verify-").FullName;
        try
        {
            var storage = new BackupStorage(Options.Create(new BackupStorageOptions { Folder = folder }));
            File.Copy(corpus["pax-header-bomb"].Path, Path.Combine(folder, "bomb.tar.gz"));
            File.Copy(corpus.GoodBackup, Path.Combine(folder, "good.tar.gz"));

            var loads = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => storage.GetAsync(i % 2 == 0 ? "bomb.tar.gz" : "good.tar.gz", verify: true)));
            var again = await storage.GetAsync("bomb.tar.gz", verify: true);

            storage.Verifications.Should().Be(2, "each file is read once, however many pages ask at the same time");
            loads.Where((_, i) => i % 2 == 0).Should().OnlyContain(f => f!.Verified == false);
            loads.Where((_, i) => i % 2 == 1).Should().OnlyContain(f => f!.Verified == true);
            again!.Issues.Should().Contain(i => i.Code == IssueCode.TooLarge);

            File.SetLastWriteTimeUtc(Path.Combine(folder, "good.tar.gz"), DateTime.UtcNow.AddMinutes(1));
            (await storage.GetAsync("good.tar.gz", verify: true))!.Verified.Should().BeTrue();
            storage.Verifications.Should().Be(3, "a changed file is verified anew");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
