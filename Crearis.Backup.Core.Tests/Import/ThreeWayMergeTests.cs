using System.Text.Json;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Ledger;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Import;

/// <summary>
/// The admins' workflow, production → dev → production, with edits on both sides in between: a merge compares base
/// (the last backup the two instances exchanged), this database and the backup field by field, takes one-sided edits
/// silently and stops on the edits that collide. Two real databases play the two instances; what each holds is read
/// from them, never from the engine's report alone.
/// </summary>
public sealed class ThreeWayMergeTests(CrearisDatabaseFixture a) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-3way-").FullName;
    private string _b = "";
    private string _user1 = "", _user2 = "", _event1 = "", _event2 = "", _event3 = "";

    public async Task InitializeAsync()
    {
        await a.ResetWithDemoDataAsync(300, seed: 23);
        await ExecuteAsync(a.ConnectionString, "DROP SCHEMA IF EXISTS crearis_admin CASCADE");
        (_, _b) = await TestPostgres.CreateCrearisDatabaseAsync("instance_b");
        var users = await ColumnAsync(a.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 2");
        (_user1, _user2) = (users[0], users[1]);
        var events = await ColumnAsync(a.ConnectionString, "SELECT xmlid FROM events ORDER BY id LIMIT 3");
        (_event1, _event2, _event3) = (events[0], events[1], events[2]);
        // A tag nothing links to, so that one side can delete it.
        await ExecuteAsync(a.ConnectionString, "INSERT INTO tags (name, description) VALUES ('tag-shared', 'as exchanged')");
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_b);
        Directory.Delete(_folder, recursive: true);
    }

    private string File(string name) => Path.Combine(_folder, name);

    /// <summary>A exports X, B imports X; then both sides edit (the issue's scenario, one case per kind).</summary>
    private async Task ExchangeThenEditBothSidesAsync()
    {
        var x = await ExportAsync(a.ConnectionString, File("x.tar.gz"));
        (await ImportAsync(_b, x, new ImportOptions(ImportMode.NewOnly))).Outcome.Should().Be(ImportOutcome.Applied);

        await ExecuteAsync(a.ConnectionString, $"""
            UPDATE users SET username = 'name-from-a' WHERE sysmail = '{_user1}';
            UPDATE events SET name = 'Titel aus A' WHERE xmlid = '{_event1}';
            UPDATE events SET name = 'Gleicher Titel' WHERE xmlid = '{_event2}';
            UPDATE events SET teaser = 'Nur in A geändert' WHERE xmlid = '{_event3}';
            DELETE FROM tags WHERE name = 'tag-shared';
            INSERT INTO tags (name, description) VALUES ('tag-new-in-a', 'from A');
            """);
        await ExecuteAsync(_b, $"""
            UPDATE users SET username = 'name-from-b' WHERE sysmail = '{_user1}';
            UPDATE users SET username = 'only-b-renamed' WHERE sysmail = '{_user2}';
            UPDATE events SET teaser = 'Teaser aus B' WHERE xmlid = '{_event1}';
            UPDATE events SET name = 'Gleicher Titel' WHERE xmlid = '{_event2}';
            UPDATE tags SET description = 'edited in B' WHERE name = 'tag-shared';
            """);
    }

    [Fact]
    public async Task A_merge_finds_exactly_the_edits_that_collide_and_writes_nothing_until_they_are_decided()
    {
        await ExchangeThenEditBothSidesAsync();
        var y = await ExportAsync(a.ConnectionString, File("y.tar.gz"));
        // Rows only: a rolled-back insert leaves its sequence moved (never wound back).
        var before = await SnapshotAsync(_b, sequences: false);

        var merge = await ImportAsync(_b, y, new ImportOptions(ImportMode.Merge));

        merge.Outcome.Should().Be(ImportOutcome.Conflicts, string.Join("\n", merge.Errors));
        merge.MergeBase.Should().NotBeNull("B imported X from A: that is the base");
        merge.Conflicts.Select(c => (c.Table, c.Key, c.Column, c.Kind)).Should().BeEquivalentTo(new[]
        {
            ("users", _user1, (string?)"username", ConflictKind.BothChanged),
            ("tags", "tag-shared", (string?)null, ConflictKind.ChangedHereDeletedThere),
        });
        var username = merge.Conflicts.Single(c => c.Table == "users");
        (username.Target, username.Backup).Should().Be(("name-from-b", "name-from-a"));
        merge.Tables["users"].Conflicts.Should().Be(1);
        merge.Tables["tags"].Conflicts.Should().Be(1);
        (await SnapshotAsync(_b, sequences: false)).Should().Be(before, "a merge with undecided conflicts writes nothing");
    }

    [Fact]
    public async Task After_the_conflicts_are_decided_B_holds_the_chosen_values_and_every_other_edit_of_both_sides()
    {
        await ExchangeThenEditBothSidesAsync();
        var y = await ExportAsync(a.ConnectionString, File("y.tar.gz"));
        var decisions = new[]
        {
            new ConflictResolution("users", _user1, "username", ConflictTake.Backup),
            new ConflictResolution("tags", "tag-shared", null, ConflictTake.Target),
        };

        var merge = await ImportAsync(_b, y, new ImportOptions(ImportMode.Merge, Resolutions: decisions));

        merge.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", merge.Errors));
        merge.Conflicts.Should().HaveCount(2).And.OnlyContain(c => c.Taken != null, "the decisions are kept with the run");
        (await ScalarAsync(_b, $"SELECT username FROM users WHERE sysmail = '{_user1}'")).Should().Be("name-from-a");
        (await ScalarAsync(_b, $"SELECT username FROM users WHERE sysmail = '{_user2}'")).Should().Be("only-b-renamed", "an edit made only here stays");
        (await ScalarAsync(_b, $"SELECT name FROM events WHERE xmlid = '{_event1}'")).Should().Be("Titel aus A", "an edit made only there arrives");
        (await ScalarAsync(_b, $"SELECT teaser FROM events WHERE xmlid = '{_event1}'")).Should().Be("Teaser aus B", "the other field's edit here stays");
        (await ScalarAsync(_b, $"SELECT name FROM events WHERE xmlid = '{_event2}'")).Should().Be("Gleicher Titel");
        (await ScalarAsync(_b, $"SELECT teaser FROM events WHERE xmlid = '{_event3}'")).Should().Be("Nur in A geändert", "a row edited only there arrives");
        (await ScalarAsync(_b, "SELECT description FROM tags WHERE name = 'tag-shared'")).Should().Be("edited in B");
        (await ScalarAsync(_b, "SELECT count(*) FROM tags WHERE name = 'tag-new-in-a'")).Should().Be(1L);
    }

    [Fact]
    public async Task Keep_target_and_take_backup_decide_every_conflict_at_once()
    {
        await ExchangeThenEditBothSidesAsync();
        var y = await ExportAsync(a.ConnectionString, File("y.tar.gz"));

        var dry = await ImportAsync(_b, y, new ImportOptions(ImportMode.Merge, DryRun: true, OnConflict: ConflictPolicy.TakeBackup));
        var merge = await ImportAsync(_b, y, new ImportOptions(ImportMode.Merge, OnConflict: ConflictPolicy.KeepTarget));

        dry.Outcome.Should().Be(ImportOutcome.DryRun);
        dry.Conflicts.Should().HaveCount(2);
        merge.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", merge.Errors));
        (await ScalarAsync(_b, $"SELECT username FROM users WHERE sysmail = '{_user1}'")).Should().Be("name-from-b");
        (await ScalarAsync(_b, $"SELECT name FROM events WHERE xmlid = '{_event1}'")).Should().Be("Titel aus A");
        (await ScalarAsync(_b, "SELECT count(*) FROM tags WHERE name = 'tag-shared'")).Should().Be(1L);
    }

    [Fact]
    public async Task The_reverse_direction_finds_the_same_conflicts_through_the_exchange_the_file_names()
    {
        await ExchangeThenEditBothSidesAsync();
        // B exports Z; its manifest says B imported X from A, which A exported: X is the base on A's side too.
        var z = await ExportAsync(_b, File("z.tar.gz"));
        var before = await SnapshotAsync(a.ConnectionString, sequences: false);

        var merge = await ImportAsync(a.ConnectionString, z, new ImportOptions(ImportMode.Merge));

        merge.Outcome.Should().Be(ImportOutcome.Conflicts, string.Join("\n", merge.Errors));
        merge.Conflicts.Select(c => (c.Table, c.Key, c.Column, c.Kind)).Should().BeEquivalentTo(new[]
        {
            ("users", _user1, (string?)"username", ConflictKind.BothChanged),
            ("tags", "tag-shared", (string?)null, ConflictKind.DeletedHereChangedThere),
        });
        (await SnapshotAsync(a.ConnectionString, sequences: false)).Should().Be(before);
    }

    [Fact]
    public async Task Row_strictness_makes_any_edit_on_both_sides_of_one_row_a_conflict()
    {
        await ExchangeThenEditBothSidesAsync();
        var y = await ExportAsync(a.ConnectionString, File("y.tar.gz"));

        var merge = await ImportAsync(_b, y, new ImportOptions(ImportMode.Merge, DryRun: true, Conflicts: ConflictStrictness.Row));

        merge.Conflicts.Where(c => c.Table == "events").Select(c => (c.Key, c.Column)).Should().Contain((_event1, "name"),
            "the event's name changed in A and its teaser in B");
    }

    [Fact]
    public async Task Rows_deleted_there_and_untouched_here_are_deleted_only_when_asked()
    {
        var x = await ExportAsync(a.ConnectionString, File("x.tar.gz"));
        await ImportAsync(_b, x, new ImportOptions(ImportMode.NewOnly));
        await ExecuteAsync(a.ConnectionString, "DELETE FROM tags WHERE name = 'tag-shared'");
        var y = await ExportAsync(a.ConnectionString, File("y.tar.gz"));

        var listed = await ImportAsync(_b, y, new ImportOptions(ImportMode.Merge));
        (await ScalarAsync(_b, "SELECT count(*) FROM tags WHERE name = 'tag-shared'")).Should().Be(1L);
        listed.Tables["tags"].DeletedThere.Should().Be(1);

        var applied = await ImportAsync(_b, y, new ImportOptions(ImportMode.Merge, ApplyDeletes: true));
        applied.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", applied.Errors));
        applied.Tables["tags"].Deleted.Should().Be(1);
        (await ScalarAsync(_b, "SELECT count(*) FROM tags WHERE name = 'tag-shared'")).Should().Be(0L);
    }

    [Fact]
    public async Task A_first_exchange_merges_as_before_and_says_it_had_no_base()
    {
        await ExecuteAsync(_b, "DROP SCHEMA IF EXISTS crearis_admin CASCADE");
        var x = await ExportAsync(a.ConnectionString, File("x.tar.gz"));
        var merge = await ImportAsync(_b, x, new ImportOptions(ImportMode.Merge, DryRun: true));

        merge.MergeBase.Should().BeNull();
        merge.Conflicts.Should().BeEmpty();
        merge.Warnings.Should().Contain(w => w.Code == Crearis.Backup.Core.Results.IssueCode.NoMergeBase);
    }

    [Fact]
    public async Task A_base_whose_rows_a_crash_emptied_is_never_used_and_the_merge_says_it_had_none()
    {
        await ExchangeThenEditBothSidesAsync();
        var y = await ExportAsync(a.ConnectionString, File("y.tar.gz"));
        // The base rows are an unlogged table: after a crash PostgreSQL starts it empty, which TRUNCATE reproduces.
        await ExecuteAsync(_b, "TRUNCATE crearis_admin.sync_base_rows");

        var merge = await ImportAsync(_b, y, new ImportOptions(ImportMode.Merge, DryRun: true));

        merge.MergeBase.Should().BeNull("an empty base would make every row look new on both sides");
        merge.Conflicts.Should().BeEmpty();
        merge.Warnings.Should().Contain(w => w.Code == Crearis.Backup.Core.Results.IssueCode.NoMergeBase);
    }

    [Fact]
    public async Task Every_backup_names_its_instance_and_the_exchanges_it_knows()
    {
        var x = await ExportAsync(a.ConnectionString, File("x.tar.gz"));
        await ImportAsync(_b, x, new ImportOptions(ImportMode.NewOnly));
        var z = await ExportAsync(_b, File("z.tar.gz"));

        var manifest = await ReadManifestAsync(z);
        var instanceOfA = (Guid)(await ScalarAsync(a.ConnectionString, "SELECT instance_id FROM crearis_admin.sync_instance"))!;
        var instanceOfB = (Guid)(await ScalarAsync(_b, "SELECT instance_id FROM crearis_admin.sync_instance"))!;
        instanceOfA.Should().NotBe(instanceOfB);
        manifest.GetProperty("instance").GetProperty("id").GetGuid().Should().Be(instanceOfB);
        var imported = manifest.GetProperty("exchanges").EnumerateArray().Should().ContainSingle().Subject;
        imported.GetProperty("direction").GetString().Should().Be("imported");
        imported.GetProperty("peer").GetGuid().Should().Be(instanceOfA);
        imported.GetProperty("sha256").GetString().Should().Be(SyncLedger.ContentSha256(await ReadManifestObjectAsync(x)),
            "a backup is named by the SHA-256 of its content (the manifest's table checksums), encrypted or not");
    }

    private static async Task<JsonElement> ReadManifestAsync(string file) =>
        JsonDocument.Parse(await ReadMemberAsync(file, "manifest.json")).RootElement.Clone();

    private static async Task<Crearis.Backup.Core.Format.Crearis.BackupManifest> ReadManifestObjectAsync(string file) =>
        JsonSerializer.Deserialize<Crearis.Backup.Core.Format.Crearis.BackupManifest>(await ReadMemberAsync(file, "manifest.json"),
            Crearis.Backup.Core.Format.Crearis.BackupManifest.Json)!;
}
