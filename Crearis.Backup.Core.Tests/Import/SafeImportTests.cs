using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using Npgsql;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Import;

/// <summary>
/// Imports into a live platform: two databases made independently, the platform writing while a dry run runs, and
/// errors an admin can act on.
/// </summary>
public sealed class SafeImportTests() : ImportTestBed("safe")
{
    [Theory]
    [InlineData(ImportMode.Merge)]
    [InlineData(ImportMode.NewOnly)]
    public async Task One_demo_database_merges_into_another_of_different_size_and_every_backup_row_arrives(ImportMode mode)
    {
        var big = await DemoDatabaseAsync("big", 2000, seed: 42);
        var small = await DemoDatabaseAsync("small", 500, seed: 42);
        var backup = await ExportAsync(big, File($"big-{mode}.tar.gz"));

        var dryRun = await ImportAsync(small, backup, new ImportOptions(mode, DryRun: true));
        var result = await ImportAsync(small, backup, new ImportOptions(mode));

        dryRun.Outcome.Should().Be(ImportOutcome.DryRun, string.Join("\n", dryRun.Errors));
        dryRun.Tables.Values.Sum(t => t.Inserted + t.Updated).Should().BeGreaterThan(0, "the dry run reports the changes it would make");
        result.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", result.Errors));
        result.Tables.ToDictionary(t => t.Key, t => t.Value.Inserted + t.Value.Updated)
            .Should().BeEquivalentTo(dryRun.Tables.ToDictionary(t => t.Key, t => t.Value.Inserted + t.Value.Updated));
        // Every row of the backup is now in the target, recognised by its natural key (pages by project and type,
        // whatever text id the target had to give them).
        var source = await CanonicalContent.ReadRowsAsync(big);
        var target = await CanonicalContent.ReadRowsAsync(small);
        foreach (var (table, rows) in source)
            target[table].Select(r => r.Key).Should().Contain(rows.Select(r => r.Key), $"every {table} row of the backup arrives");
        if (mode == ImportMode.Merge)
        {
            var pages = target["pages"].ToDictionary(r => r.Key, r => r.Object.ToJsonString());
            foreach (var (key, page) in source["pages"])
            {
                var expected = (System.Text.Json.Nodes.JsonObject)page.DeepClone();
                var actual = System.Text.Json.Nodes.JsonNode.Parse(pages[key])!.AsObject();
                expected.Remove("id");
                actual.Remove("id");
                actual.ToJsonString().Should().Be(expected.ToJsonString(), "a merged page holds the backup's values");
            }
        }
    }

    [Fact]
    public async Task After_a_merge_every_tag_cache_equals_the_rows_tag_links_as_the_platform_computes_them()
    {
        var source = await DemoDatabaseAsync("cache_src", 300, seed: 8);
        var target = await DemoDatabaseAsync("cache_dst", 0, seed: 0);
        var backup = await ExportAsync(source, File("cache.tar.gz"));
        (await ImportAsync(target, backup, new ImportOptions(ImportMode.NewOnly))).Succeeded.Should().BeTrue();
        // Work done in the target since: an event and a post get a tag the backup does not link them to.
        await ExecuteAsync(target, """
            INSERT INTO tags (name) VALUES ('added-in-the-target');
            INSERT INTO events_tags (event_id, tag_id) SELECT min(id), currval('tags_id_seq') FROM events;
            INSERT INTO posts_tags (post_id, tag_id) SELECT min(id), currval('tags_id_seq') FROM posts;
            """);

        var result = await ImportAsync(target, backup, new ImportOptions(ImportMode.Merge));

        result.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", result.Errors));
        (await ScalarAsync(target, """
            SELECT count(*) FROM events e
             WHERE e.tags_ids IS DISTINCT FROM event_tag_ids(e.id) OR e.tags_display IS DISTINCT FROM event_tag_labels(e.id, e.lang)
            """)).Should().Be(0L, "an event's tag cache is what the platform computes from its links, including the target's own");
        (await ScalarAsync(target, """
            SELECT count(*) FROM posts p
             WHERE p.tags_ids IS DISTINCT FROM post_tag_ids(p.id) OR p.tags_display IS DISTINCT FROM post_tag_labels(p.id, p.lang)
            """)).Should().Be(0L);
        (await ScalarAsync(target, "SELECT count(*) FROM events WHERE 'added-in-the-target' = ANY (tags_display)")).Should().Be(1L);
    }

    [Fact]
    public async Task A_row_the_platform_inserts_during_a_dry_run_keeps_its_id_and_the_platforms_next_inserts_succeed()
    {
        var source = await DemoDatabaseAsync("live_src", 300, seed: 3);
        var target = await DemoDatabaseAsync("live_dst", 0, seed: 0);
        var backup = await ExportAsync(source, File("live.tar.gz"));
        await using var platform = new NpgsqlConnection(target);
        await platform.OpenAsync();
        long? platformTag = null;
        // The platform inserts a tag while the import is under way (before the import writes its own tags).
        var whileImporting = new InlineProgress(_ =>
        {
            if (platformTag is not null) return;
            using var insert = new NpgsqlCommand("INSERT INTO tags (name) VALUES ('made-by-the-platform-meanwhile') RETURNING id", platform);
            platformTag = Convert.ToInt64(insert.ExecuteScalar());
        });

        var result = await BackupImporter.ImportFileAsync(target, backup, new ImportOptions(ImportMode.NewOnly, DryRun: true), progress: whileImporting);

        result.Outcome.Should().Be(ImportOutcome.DryRun, string.Join("\n", result.Errors));
        platformTag.Should().NotBeNull();
        (await ScalarAsync(target, "SELECT id FROM tags WHERE name = 'made-by-the-platform-meanwhile'")).Should().Be((int)platformTag!.Value);
        for (var i = 0; i < 5; i++)
        {
            var insert = async () => await ExecuteAsync(target, $"INSERT INTO tags (name) VALUES ('made-by-the-platform-after-{i}')");
            await insert.Should().NotThrowAsync("a rollback never winds a sequence back below a row that exists");
        }
        (await ScalarAsync(target, "SELECT count(*) FROM tags")).Should().Be(6L, "the dry run wrote nothing");
    }

    [Fact]
    public async Task A_unique_clash_names_the_table_key_column_constraint_and_value_and_says_what_to_do()
    {
        var source = await DemoDatabaseAsync("clash_src", 200, seed: 4);
        var target = await DemoDatabaseAsync("clash_dst", 0, seed: 0);
        (await ImportAsync(target, await ExportAsync(source, File("clash-1.tar.gz")), new ImportOptions(ImportMode.NewOnly))).Succeeded.Should().BeTrue();
        var users = new List<string>();
        await using (var conn = new NpgsqlConnection(source))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT sysmail FROM users ORDER BY id LIMIT 2", conn);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) users.Add(reader.GetString(0));
        }
        // The same external address given to one user in the source and to another in the target.
        await ExecuteAsync(source, $"UPDATE users SET extmail = 'shared.inbox@example.org' WHERE sysmail = '{users[0]}'");
        await ExecuteAsync(target, $"UPDATE users SET extmail = 'shared.inbox@example.org' WHERE sysmail = '{users[1]}'");
        var backup = await ExportAsync(source, File("clash-2.tar.gz"));

        var result = await ImportAsync(target, backup, new ImportOptions(ImportMode.Merge, DryRun: true));

        result.Outcome.Should().Be(ImportOutcome.Failed);
        var error = result.Errors.Should().ContainSingle(e => e.Code == IssueCode.UniqueViolation).Subject;
        error.Table.Should().Be("users");
        error.Key.Should().Be(users[0]);
        error.Column.Should().Be("extmail");
        error.Constraint.Should().Be("users_extmail_key");
        error.Message.Should().Contain("shared.inbox@example.org").And.Contain(users[1]).And.NotContain("redacted");
        error.Suggestion.Should().Contain("extmail").And.Contain("unique");
    }

    [Fact]
    public async Task A_failed_dry_run_says_where_it_stopped_and_lists_no_table_it_never_reached()
    {
        var source = await DemoDatabaseAsync("stop_src", 200, seed: 6);
        var target = await DemoDatabaseAsync("stop_dst", 0, seed: 0);
        // A platform rule the source does not have: no project may name a regio.
        await ExecuteAsync(target, """
            CREATE FUNCTION refuse_regio() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'projects may not name a regio here (project %)', NEW.domaincode; END $$;
            CREATE TRIGGER refuse_regio BEFORE UPDATE OF regio ON projects FOR EACH ROW WHEN (NEW.regio IS NOT NULL) EXECUTE FUNCTION refuse_regio();
            """);
        (await ScalarAsync(source, "SELECT count(*) FROM projects WHERE regio IS NOT NULL")).Should().NotBe(0L);
        var backup = await ExportAsync(source, File("stop.tar.gz"));

        var result = await ImportAsync(target, backup, new ImportOptions(ImportMode.NewOnly, DryRun: true));

        result.Outcome.Should().Be(ImportOutcome.Failed);
        var error = result.Errors.Should().ContainSingle().Subject;
        error.Code.Should().Be(IssueCode.TriggerRefused);
        error.Table.Should().Be("projects");
        error.Column.Should().Be("regio");
        error.Message.Should().Contain("projects may not name a regio here");
        result.StoppedAt.Should().NotBeNull();
        result.StoppedAt!.Table.Should().Be("projects");
        result.Tables.Keys.Should().NotContain("tasks", "the import never reached it");
        result.NotReached.Should().Contain("tasks");
    }

    private sealed class InlineProgress(Action<BackupProgress> report) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => report(value);
    }
}
