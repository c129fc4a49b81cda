using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Format;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Export;

/// <summary>
/// What an export leaves on disk: backups hold every row of the platform, so only their owner may read them, and a
/// killed export must leave nothing that holds rows where no one will look.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are a Unix matter
public sealed class ExportFileSafetyTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-export-files-").FullName;

    public async Task InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(300);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_finished_backup_is_readable_and_writable_by_its_owner_only()
    {
        var file = Path.Combine(_folder, "private.tar.gz");

        await ExportAsync(source.ConnectionString, file);

        File.GetUnixFileMode(file).Should().Be(OwnerOnly);
    }

    [Fact]
    public async Task Every_file_an_export_has_in_its_folder_while_it_runs_is_readable_by_its_owner_only()
    {
        var file = Path.Combine(_folder, "running.tar.gz");
        var seen = new Dictionary<string, UnixFileMode>();
        var progress = new Import.SynchronousProgress<BackupProgress>(p =>
        {
            if (p.Phase != BackupPhase.Export) return;
            foreach (var path in Directory.GetFiles(_folder)) seen[Path.GetFileName(path)] = File.GetUnixFileMode(path);
        });

        var result = await BackupExporter.ExportAsync(source.ConnectionString, file, new ExportOptions(), progress: progress);

        result.Succeeded.Should().BeTrue();
        seen.Should().NotBeEmpty("the archive is written in the folder while the export runs");
        seen.Should().AllSatisfy(f => f.Value.Should().Be(OwnerOnly, $"{f.Key} holds rows of the platform"));
    }

    [Fact]
    public async Task While_an_export_runs_its_rows_are_in_no_file_that_a_killed_export_would_leave_behind_unnoticed()
    {
        // Enough rows that the table's rows reach the disk before the table is done (buffers are 64 KiB).
        var marker = "scratch-marker-" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(source.ConnectionString,
            $"INSERT INTO tags (name) SELECT '{marker}-' || n FROM generate_series(1, 3000) n");
        var startedAt = DateTime.UtcNow.AddSeconds(-1);
        var holding = new List<string>();
        var progress = new Import.SynchronousProgress<BackupProgress>(p =>
        {
            // At the table's last row every row before it has been written wherever the export keeps them.
            if (p is not { Phase: BackupPhase.Export, Table: "tags" } || p.TableDone != p.TableTotal) return;
            holding.AddRange(FilesHolding(Path.GetTempPath(), marker, startedAt));
            holding.AddRange(FilesHolding(_folder, marker, startedAt));
        });

        var result = await BackupExporter.ExportAsync(source.ConnectionString, Path.Combine(_folder, "rows.tar.gz"),
            new ExportOptions(Tables: ["tags"]), progress: progress);

        result.Succeeded.Should().BeTrue();
        holding.Should().BeEmpty("rows waiting to go into the archive are kept in a file without a name, which vanishes with the process");
    }

    [Fact]
    public async Task An_export_removes_the_partial_files_killed_exports_left_in_its_folder_and_keeps_those_in_use()
    {
        var file = Path.Combine(_folder, "nightly.tar.gz");
        var killed = Path.Combine(_folder, $".nightly.tar.gz.{Guid.NewGuid():N}.partial");
        var killedOther = Path.Combine(_folder, $".crearis_demo_20261201_020000.tar.gz.{Guid.NewGuid():N}.partial");
        var running = Path.Combine(_folder, $".weekly.tar.gz.{Guid.NewGuid():N}.partial");
        var justStarted = Path.Combine(_folder, $".nightly.tar.gz.{Guid.NewGuid():N}.partial");
        var anotherProgram = Path.Combine(_folder, ".download.partial");
        foreach (var path in new[] { killed, killedOther, running, justStarted, anotherProgram }) await File.WriteAllTextAsync(path, "rows");
        var longAgo = DateTime.UtcNow.AddDays(-1);
        foreach (var path in new[] { killed, killedOther, running, anotherProgram }) File.SetLastWriteTimeUtc(path, longAgo);
        // Another export (another process, e.g. a cron job) is still writing this one: it holds the file open.
        await using var writer = new FileStream(running, FileMode.Open, FileAccess.Write, FileShare.Read);

        var result = await BackupExporter.ExportAsync(source.ConnectionString, file, new ExportOptions());

        result.Succeeded.Should().BeTrue();
        File.Exists(killed).Should().BeFalse("nobody writes it any more");
        File.Exists(killedOther).Should().BeFalse("nobody writes it any more");
        File.Exists(running).Should().BeTrue("an export that is still running holds it");
        File.Exists(justStarted).Should().BeTrue("it may belong to an export that is starting");
        File.Exists(anotherProgram).Should().BeTrue("only names this tool gives are its own");
        (await BackupFiles.VerifyAsync(file)).IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task A_cancelled_export_leaves_nothing_in_the_folder()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new Import.SynchronousProgress<BackupProgress>(p =>
        {
            if (p is { Phase: BackupPhase.Export, TableDone: 10 }) cancel.Cancel();
        });

        var export = () => BackupExporter.ExportAsync(source.ConnectionString, Path.Combine(_folder, "cancelled.tar.gz"),
            new ExportOptions(), progress: progress, ct: cancel.Token);

        await export.Should().ThrowAsync<OperationCanceledException>();
        Directory.GetFiles(_folder).Should().BeEmpty();
    }

    /// <summary>Files directly in the folder, changed since the test began, whose bytes contain the marker.</summary>
    private static IEnumerable<string> FilesHolding(string folder, string marker, DateTime since)
    {
        var candidates = new DirectoryInfo(folder).EnumerateFiles()
            .Where(f => f.LinkTarget is null && f.LastWriteTimeUtc >= since && f.Length is > 0 and <= 64 << 20)
            .Select(f => f.FullName).ToList();
        if (candidates.Count == 0) return [];
        // grep, not File.ReadAllBytes: .NET takes an advisory lock to read, and a writer's exclusive lock would
        // make the file look unreadable here although any other program reads it.
        var psi = new System.Diagnostics.ProcessStartInfo("grep", ["-l", "-F", "--", marker, .. candidates])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var grep = System.Diagnostics.Process.Start(psi)!;
        var found = grep.StandardOutput.ReadToEnd();
        grep.WaitForExit();
        return found.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
