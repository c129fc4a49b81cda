using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Backup.Core.Format;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crearis.Admin.Tests.Web;

/// <summary>
/// What a verified backup said is kept in the admin database (<c>crearis_admin.backup_catalog</c>): an app started
/// again lists its source, rows, snapshot time and "verified" without reading the file whole again.
/// </summary>
public sealed class BackupCatalogTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _outside = Directory.CreateTempSubdirectory("crearis-catalog-").FullName;
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-backups-").FullName;
    private string _older = null!, _newer = null!;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(300);
        _older = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(_outside, "older.tar.gz"));
        await Task.Delay(1100);
        _newer = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(_outside, "newer.tar.gz"));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_outside, recursive: true);
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    private static BackupStorage StorageOf(CrearisAppFactory app) => app.Services.GetRequiredService<BackupStorage>();

    [Fact]
    public async Task A_verified_backup_is_still_known_after_a_restart_without_being_read_again()
    {
        File.Copy(_newer, Path.Combine(_folder, "nightly.tar.gz"));
        BackupFileInfo before;
        await using (var first = new CrearisAppFactory(database.ConnectionString, _folder))
        {
            before = (await StorageOf(first).GetAsync("nightly.tar.gz", verify: true))!;
            StorageOf(first).Verifications.Should().Be(1);
        }

        await using var again = new CrearisAppFactory(database.ConnectionString, _folder);
        var storage = StorageOf(again);
        var listed = (await storage.ListAsync(0, 25, BackupSort.CreatedDesc, null)).Items.Single();
        var described = (await storage.GetAsync("nightly.tar.gz", verify: true))!;

        storage.Verifications.Should().Be(0, "the catalogue says what the file holds; reading it whole again is what the catalogue saves");
        listed.Verified.Should().BeTrue("a file verified before the restart is not \"not yet verified\"");
        listed.SourceDatabase.Should().Be(database.DatabaseName);
        listed.TotalRows.Should().Be(before.TotalRows).And.BeGreaterThan(0);
        listed.CreatedAt.Should().Be(before.CreatedAt).And.NotBeNull();
        listed.Format.Should().Be(BackupFormat.Crearis);
        described.Summary!.Tables.Select(t => (t.Table, t.Rows)).Should().Equal(before.Summary!.Tables.Select(t => (t.Table, t.Rows)));
        described.Summary.ContentSha256.Should().Be(before.Summary.ContentSha256);
        described.Summary.Tables[0].Columns.Should().Equal(before.Summary.Tables[0].Columns!, "the columns the Import page compares come back too");
        described.Manifest!.Tables.Select(t => t.Sha256).Should().Equal(before.Manifest!.Tables.Select(t => t.Sha256));
        storage.Verifications.Should().Be(0);
    }

    [Fact]
    public async Task A_changed_file_is_verified_again_and_a_deleted_one_is_forgotten()
    {
        var path = Path.Combine(_folder, "nightly.tar.gz");
        File.Copy(_newer, path);
        await using (var first = new CrearisAppFactory(database.ConnectionString, _folder))
            await StorageOf(first).GetAsync("nightly.tar.gz", verify: true);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        await using var again = new CrearisAppFactory(database.ConnectionString, _folder);
        var storage = StorageOf(again);
        var listed = (await storage.ListAsync(0, 25, BackupSort.CreatedDesc, null)).Items.Single();
        var verified = await storage.GetAsync("nightly.tar.gz", verify: true);

        listed.Verified.Should().BeNull("the file changed since it was verified: what the catalogue says was about another file");
        verified!.Verified.Should().BeTrue();
        storage.Verifications.Should().Be(1, "a changed file is verified anew");
        storage.Delete("nightly.tar.gz").Should().BeTrue();
        await using var db = await again.Services.GetRequiredService<IDbContextFactory<AdminDbContext>>().CreateDbContextAsync();
        (await db.BackupCatalog.CountAsync()).Should().Be(0, "a deleted file's facts are removed with it");
    }

    [Fact]
    public async Task The_list_sorts_by_when_the_snapshot_was_taken_not_when_the_file_was_copied()
    {
        // Copied in the other order: the older snapshot is the newer file.
        File.Copy(_newer, Path.Combine(_folder, "b-newer-snapshot.tar.gz"));
        File.SetLastWriteTimeUtc(Path.Combine(_folder, "b-newer-snapshot.tar.gz"), DateTime.UtcNow.AddHours(-2));
        File.Copy(_older, Path.Combine(_folder, "a-older-snapshot.tar.gz"));
        await using var app = new CrearisAppFactory(database.ConnectionString, _folder);
        var storage = StorageOf(app);
        foreach (var name in new[] { "a-older-snapshot.tar.gz", "b-newer-snapshot.tar.gz" }) await storage.GetAsync(name, verify: true);

        var newestFirst = await storage.ListAsync(0, 25, BackupSort.CreatedDesc, null);
        var found = await storage.FindAsync(database.DatabaseName, 10);

        newestFirst.Items.Select(i => i.Name).Should().Equal("b-newer-snapshot.tar.gz", "a-older-snapshot.tar.gz");
        newestFirst.Items[0].Taken.Should().Be(newestFirst.Items[0].CreatedAt!.Value, "a verified file's time is its snapshot's");
        found.Items.Select(i => i.Name).Should().Equal(["b-newer-snapshot.tar.gz", "a-older-snapshot.tar.gz"], "the picker finds backups by their source database too");
    }
}
