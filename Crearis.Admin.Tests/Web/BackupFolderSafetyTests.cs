using System.Net;
using Crearis.Admin.Backups;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Platform.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace Crearis.Admin.Tests.Web;

/// <summary>
/// The backup folder holds files only this app should read: what it lists, serves, keeps and cleans up.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are a Unix matter
public sealed class BackupFolderSafetyTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _outside = Directory.CreateTempSubdirectory("crearis-outside-").FullName;
    private CrearisAppFactory _app = null!;
    private string _backup = null!;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(300);
        _backup = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(_outside, "demo.tar.gz"));
        _app = new CrearisAppFactory(database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_app.BackupFolder, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    private BackupStorage Storage => _app.Services.GetRequiredService<BackupStorage>();

    private async Task<HttpClient> SignedInAdminAsync()
    {
        var client = _app.CreateBrowserLikeClient();
        (await CrearisAppFactory.SignInAsync(client, CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);
        return client;
    }

    [Fact]
    public async Task A_link_in_the_backup_folder_is_not_listed_not_downloaded_and_not_deleted()
    {
        // A valid backup and a secret outside the folder, reached through links with plain backup names.
        var secret = Path.Combine(_outside, "secret.tar.gz");
        await File.WriteAllTextAsync(secret, "superuser password: hunter2");
        File.CreateSymbolicLink(Path.Combine(_app.BackupFolder, "leak.tar.gz"), secret);
        File.CreateSymbolicLink(Path.Combine(_app.BackupFolder, "linked.tar.gz"), _backup);
        File.Copy(_backup, Path.Combine(_app.BackupFolder, "real.tar.gz"));
        using var admin = await SignedInAdminAsync();

        var leak = await admin.GetAsync("/backups/leak.tar.gz/download");
        var linked = await admin.GetAsync("/backups/linked.tar.gz/download");
        var real = await admin.GetAsync("/backups/real.tar.gz/download");
        var listed = await Storage.ListAsync(0, 50, BackupSort.NameAsc, null);

        leak.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await leak.Content.ReadAsStringAsync()).Should().NotContain("hunter2");
        linked.StatusCode.Should().Be(HttpStatusCode.NotFound);
        real.StatusCode.Should().Be(HttpStatusCode.OK, "a plain file in the folder is served as before");
        listed.Items.Select(i => i.Name).Should().Equal("real.tar.gz");
        (await Storage.GetAsync("linked.tar.gz", verify: true)).Should().BeNull();
        Storage.Delete("leak.tar.gz").Should().BeFalse();
        File.Exists(secret).Should().BeTrue();
        new FileInfo(Path.Combine(_app.BackupFolder, "leak.tar.gz")).LinkTarget.Should().Be(secret, "a link is left alone");
    }

    [Fact]
    public async Task A_named_pipe_in_the_backup_folder_is_listed_but_never_opened_so_nothing_waits_on_it()
    {
        var pipe = Path.Combine(_app.BackupFolder, "pipe.tar.gz");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [pipe])!) await mkfifo.WaitForExitAsync();
        using var admin = await SignedInAdminAsync();
        var patience = TimeSpan.FromSeconds(20);

        // Opening a pipe to read waits for a writer that never comes; the calls are on their own threads so that a
        // wait shows as a timeout here.
        var listed = await Task.Run(() => Storage.ListAsync(0, 50, BackupSort.NameAsc, null)).WaitAsync(patience);
        var inspected = await Task.Run(() => Storage.GetAsync("pipe.tar.gz", verify: true)).WaitAsync(patience);
        var download = await admin.GetAsync("/backups/pipe.tar.gz/download").WaitAsync(patience);

        listed.Items.Should().ContainSingle(i => i.Name == "pipe.tar.gz").Which.Format.Should().BeNull();
        inspected!.Verified.Should().BeFalse();
        inspected.Issues.Should().ContainSingle(i => i.Code == IssueCode.NotABackup);
        download.StatusCode.Should().Be(HttpStatusCode.NotFound);
        Storage.Delete("pipe.tar.gz").Should().BeTrue("whatever a file of the folder is, an admin can delete it");
    }

    [Fact]
    public async Task An_uploaded_backup_is_readable_and_writable_by_its_owner_only()
    {
        await using var content = File.OpenRead(_backup);

        var (saved, issues) = await Storage.SaveUploadAsync("upload.tar.gz", content);

        issues.Should().BeEmpty();
        File.GetUnixFileMode(Path.Combine(_app.BackupFolder, saved!.Name)).Should().Be(OwnerOnly);
    }

    public static TheoryData<string> UploadNames() => new()
    {
        // 121 characters before .tar.gz, a dot where a 120-character cut ends: stored as "a…a..tar.gz" today.
        new string('a', 119) + ".b.tar.gz",
        new string('x', 300) + ".tar.gz",
        new string('x', 180) + "..." + new string('y', 40) + ".tar.gz",
        "Sicherung vom März – Produktion.tar.gz",
        "...tar.gz",
        "-_.-.TAR.GZ",
    };

    [Theory]
    [MemberData(nameof(UploadNames))]
    public async Task An_upload_is_kept_under_a_name_the_folder_lists_finds_and_deletes(string uploadName)
    {
        await using var content = File.OpenRead(_backup);

        var (saved, issues) = await Storage.SaveUploadAsync(uploadName, content);

        issues.Should().BeEmpty();
        BackupStorage.IsValidName(saved!.Name).Should().BeTrue(saved.Name);
        (await Storage.ListAsync(0, 50, BackupSort.NameAsc, null)).Items.Select(i => i.Name).Should().Equal(saved.Name);
        (await Storage.GetAsync(saved.Name, verify: true))!.Verified.Should().BeTrue();
        Storage.Delete(saved.Name).Should().BeTrue();
        Directory.GetFileSystemEntries(_app.BackupFolder).Should().BeEmpty();
    }

    [Fact]
    public async Task Partial_files_a_killed_export_or_upload_left_are_removed_at_start_and_those_in_use_are_kept()
    {
        var folder = Directory.CreateTempSubdirectory("crearis-backups-").FullName;
        var killedExport = Path.Combine(folder, $".crearis_demo_20261201_020000.tar.gz.{Guid.NewGuid():N}.partial");
        var killedUpload = Path.Combine(folder, $".upload-{Guid.NewGuid():N}.partial");
        var runningExport = Path.Combine(folder, $".nightly.tar.gz.{Guid.NewGuid():N}.partial");
        var startingExport = Path.Combine(folder, $".crearis_demo_20261202_090000.tar.gz.{Guid.NewGuid():N}.partial");
        var backup = Path.Combine(folder, "kept.tar.gz");
        File.Copy(_backup, backup);
        foreach (var path in new[] { killedExport, killedUpload, runningExport, startingExport })
            await File.WriteAllTextAsync(path, "rows of the platform");
        var longAgo = DateTime.UtcNow.AddHours(-3);
        foreach (var path in new[] { killedExport, killedUpload, runningExport, backup }) File.SetLastWriteTimeUtc(path, longAgo);
        // A command-line export in another process is still writing this one, slowly: it holds the file open.
        await using var writer = new FileStream(runningExport, FileMode.Open, FileAccess.Write, FileShare.Read);
        try
        {
            await using var app = new CrearisAppFactory(database.ConnectionString, folder);
            using var client = app.CreateBrowserLikeClient();
            (await client.GetAsync("/Account/Login")).StatusCode.Should().Be(HttpStatusCode.OK);

            File.Exists(killedExport).Should().BeFalse();
            File.Exists(killedUpload).Should().BeFalse();
            File.Exists(runningExport).Should().BeTrue("a running export holds its file");
            File.Exists(startingExport).Should().BeTrue("a file written moments ago may belong to an export that is starting");
            File.Exists(backup).Should().BeTrue("finished backups are never touched, however old");
        }
        finally
        {
            await writer.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }
}
