using System.Text.Json;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Export;

/// <summary>
/// Differential backups (issue 11, point 1): A exports X, edits (updates, inserts, deletes), then exports D against X.
/// What D holds is checked against what was done to A; B, which imported X, takes D as a merge; combine(X, D) equals a
/// full export taken at the same moment. Two real databases play the two instances.
/// </summary>
public sealed class DifferentialBackupTests(CrearisDatabaseFixture a) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-diff-").FullName;
    private string _b = "";
    private string _user1 = "", _event1 = "", _event2 = "", _event3 = "";

    public async Task InitializeAsync()
    {
        await a.ResetWithDemoDataAsync(300, seed: 29);
        await ExecuteAsync(a.ConnectionString, "DROP SCHEMA IF EXISTS crearis_admin CASCADE");
        (_, _b) = await TestPostgres.CreateCrearisDatabaseAsync("instance_diff_b");
        _user1 = (await ColumnAsync(a.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))[0];
        var events = await ColumnAsync(a.ConnectionString, "SELECT xmlid FROM events ORDER BY id LIMIT 3");
        (_event1, _event2, _event3) = (events[0], events[1], events[2]);
        // Tags nothing links to: one side can delete them.
        await ExecuteAsync(a.ConnectionString, $"""
            INSERT INTO tags (name, description) VALUES ('tag-gone', 'deleted after the base'), ('tag-stays', 'untouched');
            INSERT INTO events_tags (event_id, tag_id) SELECT e.id, t.id FROM events e, tags t WHERE e.xmlid = '{_event1}' AND t.name = 'tag-gone';
            """);
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_b);
        Directory.Delete(_folder, recursive: true);
    }

    private string File(string name) => Path.Combine(_folder, name);

    /// <summary>A exports X; then A updates a user and an event, writes another event without changing it, inserts a tag
    /// and deletes one, links a third event to the new tag (its tag cache changes with it) and removes a project member
    /// (a tombstone whose key runs through references to unchanged rows).</summary>
    private async Task<string> BaseThenEditAsync()
    {
        var x = await ExportAsync(a.ConnectionString, File("x.tar.gz"));
        await ExecuteAsync(a.ConnectionString, $"""
            UPDATE users SET username = 'renamed-in-a' WHERE sysmail = '{_user1}';
            UPDATE events SET name = 'Neuer Titel' WHERE xmlid = '{_event1}';
            UPDATE events SET name = name, updated_at = updated_at WHERE xmlid = '{_event3}';
            INSERT INTO tags (name, description) VALUES ('tag-new', 'after the base');
            DELETE FROM events_tags WHERE tag_id = (SELECT id FROM tags WHERE name = 'tag-gone');
            DELETE FROM tags WHERE name = 'tag-gone';
            INSERT INTO events_tags (event_id, tag_id) SELECT e.id, t.id FROM events e, tags t WHERE e.xmlid = '{_event2}' AND t.name = 'tag-new';
            DELETE FROM project_members WHERE (project_id, user_id) = (SELECT project_id, user_id FROM project_members ORDER BY project_id, user_id LIMIT 1);
            """);
        return x;
    }

    private static async Task<List<JsonElement>> LinesAsync(string file, string member) =>
        (await ReadMemberAsync(file, member)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task A_differential_holds_exactly_the_rows_changed_since_the_base_and_a_tombstone_per_deleted_row()
    {
        var x = await BaseThenEditAsync();

        var result = await BackupExporter.ExportAsync(a.ConnectionString, File("d.tar.gz"), new ExportOptions { Base = x });

        result.Succeeded.Should().BeTrue(string.Join("\n", result.Issues));
        var manifest = result.Manifest!;
        var baseManifest = (await CrearisBackupReader.VerifyAsync(x)).Manifest!;
        manifest.Differential!.BaseSha256.Should().Be(Ledger.SyncLedger.ContentSha256(baseManifest));
        (await CrearisBackupReader.VerifyAsync(result.File!)).IsValid.Should().BeTrue("the differential's files are checked like table files");
        // What was done to A: one user, the renamed event and the one whose tag cache the new link changed (not the
        // one written with its own values), one tag new.
        (await LinesAsync(result.File!, "tables/users.jsonl")).Select(r => r.GetProperty("sysmail").GetString()).Should().Equal(_user1);
        (await LinesAsync(result.File!, "tables/events.jsonl")).Select(r => r.GetProperty("xmlid").GetString()).Should().Equal(_event1, _event2);
        (await ScalarAsync(a.ConnectionString, $"SELECT to_jsonb(tags_ids)::text FROM events WHERE xmlid = '{_event2}'"))
            .Should().Be((await LinesAsync(result.File!, "tables/events.jsonl"))[1].GetProperty("tags_ids").GetRawText());
        (await LinesAsync(result.File!, "tables/tags.jsonl")).Select(r => r.GetProperty("name").GetString()).Should().Equal("tag-new");
        (await LinesAsync(result.File!, "tables/tags.deleted.jsonl")).Select(r => r.GetProperty("name").GetString()).Should().Equal("tag-gone");
        (await LinesAsync(result.File!, "tables/events_tags.jsonl")).Should().ContainSingle();
        manifest.Tables.Where(t => t.Name is not ("users" or "events" or "tags" or "events_tags")).Should().OnlyContain(t => t.Rows == 0,
            "no other row changed");
        manifest.Differential.Tables.Where(t => t.Name is not ("tags" or "project_members" or "events_tags")).Should().OnlyContain(t => t.DeletedRows == 0);
        // The link deleted with its tag names the tag by the id it had, as the tag's tombstone does.
        var link = (await LinesAsync(result.File!, "tables/events_tags.deleted.jsonl")).Should().ContainSingle().Subject;
        var tag = (await LinesAsync(result.File!, "tables/tags.deleted.jsonl")).Single();
        link.GetProperty("tag_id").GetRawText().Should().Be(tag.GetProperty("id").GetRawText());
        manifest.Differential.Tables.Single(t => t.Name == "project_members").DeletedRows.Should().Be(1);
        // The unchanged project and user the removed member's key names are identified (id and natural key only).
        var member = await LinesAsync(result.File!, "tables/project_members.deleted.jsonl");
        (await LinesAsync(result.File!, "tables/projects.context.jsonl")).Should().ContainSingle(r => r.GetProperty("id").GetRawText() == member[0].GetProperty("project_id").GetRawText())
            .Which.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("id", "domaincode");
        // (The user may be the renamed one: then its written row identifies it.)
        (await LinesAsync(result.File!, "tables/users.context.jsonl")).Concat(await LinesAsync(result.File!, "tables/users.jsonl"))
            .Should().ContainSingle(r => r.GetProperty("id").GetRawText() == member[0].GetProperty("user_id").GetRawText());
    }

    [Fact]
    public async Task Importing_the_differential_into_B_that_imported_the_base_gives_B_the_content_of_A_and_deletes_only_when_asked()
    {
        var x = await BaseThenEditAsync();
        (await ImportAsync(_b, x, new ImportOptions(ImportMode.NewOnly))).Outcome.Should().Be(ImportOutcome.Applied);
        var d = await ExportAsync(a.ConnectionString, File("d.tar.gz"), new ExportOptions { Base = x });

        var listed = await ImportAsync(_b, d, new ImportOptions(ImportMode.Merge));

        listed.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", listed.Errors));
        listed.Tables["tags"].DeletedThere.Should().Be(1);
        listed.Tables["tags"].Deleted.Should().Be(0);
        listed.Tables["project_members"].DeletedThere.Should().Be(1);
        listed.Warnings.Should().Contain(w => w.Code == IssueCode.DeletedThereKept);
        (await ScalarAsync(_b, "SELECT count(*) FROM tags WHERE name = 'tag-gone'")).Should().Be(1L, "without apply-deletes a tombstone is only listed");
        (await ScalarAsync(_b, $"SELECT username FROM users WHERE sysmail = '{_user1}'")).Should().Be("renamed-in-a");

        var applied = await ImportAsync(_b, d, new ImportOptions(ImportMode.Merge, ApplyDeletes: true));

        applied.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", applied.Errors));
        applied.Tables["tags"].Deleted.Should().Be(1);
        applied.Tables["project_members"].Deleted.Should().Be(1);
        applied.Tables["events_tags"].Deleted.Should().Be(1, "the link deleted with its tag resolves through the tag's tombstone");
        CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(_b), await CanonicalContent.ReadAsync(a.ConnectionString));
    }

    [Fact]
    public async Task The_second_differential_of_a_chain_merges_three_ways_so_an_edit_made_here_since_the_first_survives()
    {
        var x = await BaseThenEditAsync();
        (await ImportAsync(_b, x, new ImportOptions(ImportMode.NewOnly))).Outcome.Should().Be(ImportOutcome.Applied);
        var d1 = await ExportAsync(a.ConnectionString, File("d1.tar.gz"), new ExportOptions { Base = x });
        (await ImportAsync(_b, d1, new ImportOptions(ImportMode.Merge, ApplyDeletes: true))).Outcome.Should().Be(ImportOutcome.Applied);
        // Since D1: B edits one field of an event, A another field of the same event (and its name, which D1 carried).
        await ExecuteAsync(_b, $"UPDATE events SET teaser = 'teaser from B' WHERE xmlid = '{_event1}'");
        await ExecuteAsync(a.ConnectionString, $"UPDATE events SET rectitle = 'rectitle from A', name = 'Titel von A' WHERE xmlid = '{_event1}'");
        var d2 = await ExportAsync(a.ConnectionString, File("d2.tar.gz"), new ExportOptions { Base = d1 });

        var merged = await ImportAsync(_b, d2, new ImportOptions(ImportMode.Merge));

        merged.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", merged.Errors));
        merged.Warnings.Should().NotContain(w => w.Code == IssueCode.NoMergeBase, "D1, imported here, is the base of D2");
        merged.MergeBase.Should().NotBeNull();
        (await ScalarAsync(_b, $"SELECT teaser FROM events WHERE xmlid = '{_event1}'")).Should().Be("teaser from B", "B's edit since D1 is kept");
        (await ScalarAsync(_b, $"SELECT rectitle FROM events WHERE xmlid = '{_event1}'")).Should().Be("rectitle from A");
        (await ScalarAsync(_b, $"SELECT name FROM events WHERE xmlid = '{_event1}'")).Should().Be("Titel von A");
        // Everything else is A's content: the rows D1 did not carry came from X, through D1's merge base.
        var teaserInA = await ScalarAsync(a.ConnectionString, $"SELECT teaser FROM events WHERE xmlid = '{_event1}'");
        await using (var conn = new Npgsql.NpgsqlConnection(_b))
        {
            await conn.OpenAsync();
            await using var put = new Npgsql.NpgsqlCommand($"UPDATE events SET teaser = $1 WHERE xmlid = '{_event1}'", conn) { Parameters = { new() { Value = teaserInA ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } } };
            await put.ExecuteNonQueryAsync();
        }
        CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(_b), await CanonicalContent.ReadAsync(a.ConnectionString));
    }

    [Fact]
    public async Task A_differential_against_a_base_the_target_never_saw_is_refused_and_nothing_is_written()
    {
        var x = await BaseThenEditAsync();
        var d = await ExportAsync(a.ConnectionString, File("d.tar.gz"), new ExportOptions { Base = x });
        var before = await SnapshotAsync(_b, sequences: false);

        var merge = await ImportAsync(_b, d, new ImportOptions(ImportMode.Merge, ApplyDeletes: true));
        var newOnly = await ImportAsync(_b, d, new ImportOptions(ImportMode.NewOnly));

        merge.Outcome.Should().Be(ImportOutcome.Refused);
        merge.Errors.Should().ContainSingle(e => e.Code == IssueCode.BaseUnknown).Which.Message.Should().Contain("never imported or exported");
        newOnly.Outcome.Should().Be(ImportOutcome.Refused);
        newOnly.Errors.Should().Contain(e => e.Code == IssueCode.DifferentialNeedsMerge);
        (await SnapshotAsync(_b, sequences: false)).Should().Be(before);
    }

    [Fact]
    public async Task Exporting_against_a_base_this_database_did_not_export_is_refused()
    {
        (await ImportAsync(_b, await ExportAsync(a.ConnectionString, File("seed.tar.gz")), new ImportOptions(ImportMode.NewOnly))).Succeeded.Should().BeTrue();
        var fromB = await ExportAsync(_b, File("from-b.tar.gz"));

        var result = await BackupExporter.ExportAsync(a.ConnectionString, File("d.tar.gz"), new ExportOptions { Base = fromB });

        result.Succeeded.Should().BeFalse();
        result.Issues.Should().ContainSingle(i => i.Code == IssueCode.BaseUnknown).Which.Message.Should().Contain("from-b.tar.gz");
        System.IO.File.Exists(File("d.tar.gz")).Should().BeFalse();
    }

    [Fact]
    public async Task A_base_whose_rows_a_crash_emptied_is_refused_rather_than_missing_every_deletion()
    {
        var x = await BaseThenEditAsync();
        // The base rows are an unlogged table: after a crash PostgreSQL starts it empty, which TRUNCATE reproduces.
        await ExecuteAsync(a.ConnectionString, "TRUNCATE crearis_admin.sync_base_rows");

        var result = await BackupExporter.ExportAsync(a.ConnectionString, File("d.tar.gz"), new ExportOptions { Base = x });

        result.Succeeded.Should().BeFalse();
        result.Issues.Should().ContainSingle(i => i.Code == IssueCode.BaseUnknown);
    }

    [Fact]
    public async Task Combining_the_base_and_differentials_equals_a_full_export_taken_at_the_same_moment()
    {
        var x = await BaseThenEditAsync();
        var d1 = await ExportAsync(a.ConnectionString, File("d1.tar.gz"), new ExportOptions { Base = x });
        await ExecuteAsync(a.ConnectionString, $"UPDATE users SET username = 'renamed-again' WHERE sysmail = '{_user1}'; DELETE FROM tags WHERE name = 'tag-stays';");
        var d2 = await ExportAsync(a.ConnectionString, File("d2.tar.gz"), new ExportOptions { Base = d1 });
        var full = await ExportAsync(a.ConnectionString, File("full.tar.gz"));

        var wrongOrder = await BackupCombiner.CombineAsync(x, [d2, d1], File("bad.tar.gz"));
        var combined = await BackupCombiner.CombineAsync(x, [d1, d2], File("combined.tar.gz"));

        wrongOrder.Succeeded.Should().BeFalse();
        wrongOrder.Issues.Should().Contain(i => i.Code == IssueCode.BaseMismatch);
        combined.Succeeded.Should().BeTrue(string.Join("\n", combined.Issues));
        (await CrearisBackupReader.VerifyAsync(combined.File!)).IsValid.Should().BeTrue();
        var expected = (await CrearisBackupReader.VerifyAsync(full)).Manifest!;
        foreach (var table in expected.Tables)
        {
            var want = (await ReadMemberAsync(full, table.File)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
            var got = (await ReadMemberAsync(combined.File!, table.File)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
            got.Should().Equal(want, $"table {table.Name} row for row");
        }
    }

    [Fact]
    public async Task A_changed_tombstone_or_context_file_and_a_missing_one_fail_verification()
    {
        var x = await BaseThenEditAsync();
        var d = await ExportAsync(a.ConnectionString, File("d.tar.gz"), new ExportOptions { Base = x });

        var tombstone = await RewriteMemberAsync(d, File("t.tar.gz"), "tables/tags.deleted.jsonl", t => t.Replace("tag-gone", "tag-stays"));
        var context = await RewriteMemberAsync(d, File("c.tar.gz"), "tables/projects.context.jsonl", t => t + "{\"id\": 999999}\n");
        var manifest = await RewriteMemberAsync(d, File("m.tar.gz"), "manifest.json", m => m.Replace("tables/tags.deleted.jsonl", "tables/other.deleted.jsonl"));

        (await CrearisBackupReader.VerifyAsync(tombstone)).Issues.Should().Contain(i => i.Code == IssueCode.BadChecksum && i.Key == "tables/tags.deleted.jsonl");
        (await CrearisBackupReader.VerifyAsync(context)).Issues.Should().Contain(i => i.Code == IssueCode.BadChecksum && i.Key == "tables/projects.context.jsonl");
        (await CrearisBackupReader.VerifyAsync(manifest)).Issues.Should().Contain(i => i.Code == IssueCode.BadManifest);
        (await ImportAsync(_b, tombstone, new ImportOptions(ImportMode.Merge, ApplyDeletes: true))).Outcome.Should().Be(ImportOutcome.Refused);
    }

    [Fact]
    public async Task A_tombstone_for_a_row_changed_here_since_the_base_is_a_conflict_the_policy_or_a_decision_settles()
    {
        var x = await BaseThenEditAsync();
        (await ImportAsync(_b, x, new ImportOptions(ImportMode.NewOnly))).Outcome.Should().Be(ImportOutcome.Applied);
        await ExecuteAsync(_b, "UPDATE tags SET description = 'edited in B' WHERE name = 'tag-gone'");
        var d = await ExportAsync(a.ConnectionString, File("d.tar.gz"), new ExportOptions { Base = x });

        var undecided = await ImportAsync(_b, d, new ImportOptions(ImportMode.Merge, ApplyDeletes: true));
        var kept = await ImportAsync(_b, d, new ImportOptions(ImportMode.Merge, ApplyDeletes: true, OnConflict: ConflictPolicy.KeepTarget));
        var stillThere = await ScalarAsync(_b, "SELECT description FROM tags WHERE name = 'tag-gone'");
        var taken = await ImportAsync(_b, d, new ImportOptions(ImportMode.Merge, ApplyDeletes: true,
            Resolutions: [new ConflictResolution("tags", "tag-gone", null, ConflictTake.Backup)]));

        undecided.Outcome.Should().Be(ImportOutcome.Conflicts, string.Join("\n", undecided.Errors));
        undecided.Conflicts.Select(c => (c.Table, c.Key, c.Column, c.Kind)).Should().Equal(("tags", "tag-gone", (string?)null, ConflictKind.ChangedHereDeletedThere));
        kept.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", kept.Errors));
        kept.Tables["project_members"].Deleted.Should().Be(1, "the untouched deleted rows go with apply-deletes");
        stillThere.Should().Be("edited in B");
        taken.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", taken.Errors));
        (await ScalarAsync(_b, "SELECT count(*) FROM tags WHERE name = 'tag-gone'")).Should().Be(0L);
    }

    [Fact]
    public async Task An_encrypted_base_is_opened_with_its_keys_and_combine_reads_encrypted_files()
    {
        // An X25519 identity: a passphrase's scrypt would cost seconds per opening.
        using var identity = Crearis.Backup.Core.Encryption.AgeIdentity.Generate();
        var encryption = new Crearis.Backup.Core.Encryption.BackupEncryption([identity.Recipient]);
        var keys = new Crearis.Backup.Core.Encryption.BackupKeys([identity]);
        var x = await ExportAsync(a.ConnectionString, File("x.tar.gz.age"), new ExportOptions(Encryption: encryption));
        await ExecuteAsync(a.ConnectionString, $"UPDATE users SET username = 'renamed-in-a' WHERE sysmail = '{_user1}'");

        var withoutKeys = await BackupExporter.ExportAsync(a.ConnectionString, File("d0.tar.gz"), new ExportOptions { Base = x });
        var d = await ExportAsync(a.ConnectionString, File("d.tar.gz.age"), new ExportOptions(Encryption: encryption) { Base = x, BaseKeys = keys });
        var combined = await BackupCombiner.CombineAsync(x, [d], File("combined.tar.gz"), keys);

        withoutKeys.Succeeded.Should().BeFalse();
        withoutKeys.Issues.Should().Contain(i => i.Code == IssueCode.KeyRequired);
        (await CrearisBackupReader.VerifyAsync(d, keys: keys)).Manifest!.Tables.Single(t => t.Name == "users").Rows.Should().Be(1);
        combined.Succeeded.Should().BeTrue(string.Join("\n", combined.Issues));
        (await ReadMemberAsync(combined.File!, "tables/users.jsonl")).Should().Contain("renamed-in-a");
    }

    [Fact]
    public async Task Rows_whose_key_repeats_go_as_a_group_and_combine_still_equals_a_full_export()
    {
        // Interactions without user or project: the natural key (user, project, name, time) repeats.
        await ExecuteAsync(a.ConnectionString, """
            INSERT INTO interactions (user_id, project_id, name, "timestamp", status_id, subject)
            SELECT NULL, NULL, n, '2026-01-01 10:00', (SELECT min(status_id) FROM interactions), s
            FROM (VALUES ('dup-a', 'one'), ('dup-a', 'two'), ('dup-b', 'one'), ('dup-b', 'two'), ('dup-c', 'one'), ('dup-c', 'two')) v(n, s);
            """);
        var x = await ExportAsync(a.ConnectionString, File("x.tar.gz"));
        await ExecuteAsync(a.ConnectionString, """
            UPDATE interactions SET subject = 'changed' WHERE name = 'dup-a' AND subject = 'two';
            DELETE FROM interactions WHERE name = 'dup-b' AND subject = 'two';
            DELETE FROM interactions WHERE name = 'dup-c';
            """);

        var d = await ExportAsync(a.ConnectionString, File("d.tar.gz"), new ExportOptions { Base = x });
        var full = await ExportAsync(a.ConnectionString, File("full.tar.gz"));
        var combined = await BackupCombiner.CombineAsync(x, [d], File("combined.tar.gz"));

        (await LinesAsync(d, "tables/interactions.jsonl")).Select(r => (r.GetProperty("name").GetString(), r.GetProperty("subject").GetString()))
            .Should().BeEquivalentTo(new[] { ("dup-a", "one"), ("dup-a", "changed"), ("dup-b", "one") }, "a changed group goes whole");
        // One tombstone per deleted row (each with the id it had); dup-b lost a row but keeps its key: its group is written.
        (await LinesAsync(d, "tables/interactions.deleted.jsonl")).Select(r => r.GetProperty("name").GetString()).Should().Equal("dup-c", "dup-c");
        combined.Succeeded.Should().BeTrue(string.Join("\n", combined.Issues));
        var want = (await ReadMemberAsync(full, "tables/interactions.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        var got = (await ReadMemberAsync(combined.File!, "tables/interactions.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        got.Should().Equal(want);
    }
}
