using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Format;

/// <summary>Tests that measure this process's allocations run alone, so no other test's allocations count.</summary>
[CollectionDefinition(nameof(AloneCollection), DisableParallelization = true)]
public sealed class AloneCollection;

/// <summary>
/// Files an outsider (or a damaged copy) hands us: each is refused by verification with a typed issue, within bounded
/// memory, and an import of it writes nothing.
/// </summary>
[Collection(nameof(AloneCollection))]
public sealed class HostileFileTests(HostileCorpus corpus) : IClassFixture<HostileCorpus>
{
    /// <summary>What verifying one file may allocate: the rows of a small backup, never what a header claims.</summary>
    private const long AllocationBound = 48L << 20;

    public static TheoryData<string> Corpus => HostileCorpus.Names();

    [Fact]
    public void The_corpus_holds_every_file_the_theories_name() =>
        corpus.Files.Select(f => f.Name).Should().BeEquivalentTo(HostileCorpus.Names().Cast<object[]>().Select(n => (string)n[0]));

    [Fact]
    public async Task The_good_backup_the_corpus_is_made_from_verifies()
    {
        var verification = await BackupFiles.VerifyAsync(corpus.GoodBackup);

        verification.IsValid.Should().BeTrue(string.Join("\n", verification.Issues));
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Verification_refuses_the_file_with_a_typed_issue_in_bounded_memory(string name)
    {
        var file = corpus[name];
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var verification = await BackupFiles.VerifyAsync(file.Path);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        verification.IsValid.Should().BeFalse();
        verification.Issues.Select(i => i.Code).Should().Contain(file.Expected, string.Join("\n", verification.Issues));
        verification.Issues.Should().OnlyContain(i => i.Severity == IssueSeverity.Error && i.Suggestion != null && i.Message.Contains(Path.GetFileName(file.Path)));
        allocated.Should().BeLessThan(AllocationBound, "a file's claims are checked before memory is spent on them");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task An_import_of_the_file_is_refused_and_the_target_is_unchanged(string name)
    {
        var file = corpus[name];

        var result = await ImportAsync(corpus.Target, file.Path, new ImportOptions(ImportMode.Merge));

        result.Outcome.Should().Be(ImportOutcome.Refused, string.Join("\n", result.Errors));
        result.Errors.Select(i => i.Code).Should().Contain(file.Expected);
        (await SnapshotAsync(corpus.Target)).Should().Be(corpus.TargetSnapshot);
    }

    [Fact]
    public async Task A_gzip_bomb_is_stopped_at_the_unpacked_budget_of_its_packed_size()
    {
        // 64 MiB of zeros pack to a few hundred KB; with a 1 MiB allowance and 200x the packed size the budget is far lower.
        var limits = BackupLimits.Default with { RatioAllowanceBytes = 1 << 20 };
        var bomb = Path.Combine(corpus.Folder, "gzip-bomb.tar.gz");
        await using (var output = File.Create(bomb))
        await using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.SmallestSize))
        await using (var tar = new System.Formats.Tar.TarWriter(gzip))
            await tar.WriteEntryAsync(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "tables/users.jsonl")
                { DataStream = new MemoryStream(new byte[64 << 20]) });

        var verification = await CrearisBackupReader.VerifyAsync(bomb, limits: limits);

        verification.Issues.Should().ContainSingle().Which.Code.Should().Be(IssueCode.TooLarge);
    }

    [Fact]
    public async Task A_file_changed_after_verification_stops_the_import_and_nothing_stays_written()
    {
        // The file is verified, then swapped for a copy with an extra row before the rows are read.
        var swapped = Path.Combine(corpus.Folder, "swapped.tar.gz");
        File.Copy(corpus.GoodBackup, swapped, overwrite: true);
        var verification = await CrearisBackupReader.VerifyAsync(swapped);
        verification.IsValid.Should().BeTrue();
        File.Copy(corpus["bare-carriage-return"].Path, swapped, overwrite: true);
        await using var source = CrearisBackupReader.Open(swapped, verification.Manifest!);

        var result = await BackupImporter.ImportAsync(corpus.Target, source, new ImportOptions(ImportMode.Merge));

        result.Outcome.Should().Be(ImportOutcome.Failed);
        result.Errors.Select(e => e.Code).Should().Contain(IssueCode.BadRow);
        (await SnapshotAsync(corpus.Target)).Should().Be(corpus.TargetSnapshot);
    }
}
