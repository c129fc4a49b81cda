using Crearis.Platform.Demo;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Import;
using Npgsql;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Import;

/// <summary>new-only vs merge, dry runs, rollback on failure, selective imports, damaged files.</summary>
public sealed class ImportModesTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-modes-").FullName;
    private string _target = "";

    public async Task InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(400, seed: 11);
        (_, _target) = await TestPostgres.CreateCrearisDatabaseAsync("target");
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_target);
        Directory.Delete(_folder, recursive: true);
    }

    private string File(string name) => Path.Combine(_folder, name);

    [Fact]
    public async Task Importing_the_same_backup_twice_inserts_nothing_the_second_time_in_either_mode()
    {
        var backup = await ExportAsync(source.ConnectionString, File("full.tar.gz"));
        (await ImportAsync(_target, backup, new ImportOptions(ImportMode.NewOnly))).Outcome.Should().Be(ImportOutcome.Applied);
        var before = await SnapshotAsync(_target);

        var newOnly = await ImportAsync(_target, backup, new ImportOptions(ImportMode.NewOnly));
        var merge = await ImportAsync(_target, backup, new ImportOptions(ImportMode.Merge));

        newOnly.Tables.Values.Should().OnlyContain(t => t.Inserted == 0 && t.Updated == 0 && t.Unchanged == t.Total);
        merge.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", merge.Errors));
        merge.Tables.Values.Should().OnlyContain(t => t.Inserted == 0 && t.Updated == 0 && t.Unchanged == t.Total,
            "unchanged rows are recognised as unchanged, including trigger-maintained columns");
        (await SnapshotAsync(_target)).Should().Be(before, "nothing is rewritten");
    }

    [Fact]
    public async Task Merge_applies_changes_and_new_rows_while_new_only_applies_only_new_rows()
    {
        await ImportAsync(_target, await ExportAsync(source.ConnectionString, File("v1.tar.gz")), new ImportOptions(ImportMode.NewOnly));
        var sysmail = (string)(await ScalarAsync(source.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
        var eventKey = (string)(await ScalarAsync(source.ConnectionString, "SELECT xmlid FROM events ORDER BY id LIMIT 1"))!;
        await ExecuteAsync(source.ConnectionString, $"""
            UPDATE users SET username = 'renamed-in-source' WHERE sysmail = '{sysmail}';
            UPDATE events SET name = 'Neuer Titel', teaser = NULL WHERE xmlid = '{eventKey}';
            INSERT INTO tags (name, description) VALUES ('tag-added-in-source', 'neu');
            """);
        var changed = await ExportAsync(source.ConnectionString, File("v2.tar.gz"));
        var (_, other) = await TestPostgres.CreateCrearisDatabaseAsync("other");
        try
        {
            await ImportAsync(other, File("v1.tar.gz"), new ImportOptions(ImportMode.NewOnly));

            var newOnly = await ImportAsync(other, changed, new ImportOptions(ImportMode.NewOnly));
            var merge = await ImportAsync(_target, changed, new ImportOptions(ImportMode.Merge));

            newOnly.Tables["tags"].Inserted.Should().Be(1);
            newOnly.Tables["users"].Updated.Should().Be(0);
            (await ScalarAsync(other, $"SELECT username FROM users WHERE sysmail = '{sysmail}'")).Should().NotBe("renamed-in-source");

            merge.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", merge.Errors));
            merge.Tables["tags"].Inserted.Should().Be(1);
            merge.Tables["users"].Updated.Should().Be(1);
            merge.Tables["events"].Updated.Should().Be(1);
            merge.Tables["posts"].Updated.Should().Be(0);
            merge.ChangeExamples["users"].Should().ContainSingle().Which.Changes["username"].After.Should().Be("renamed-in-source");
            merge.ChangeExamples["events"].Single().Changes.Keys.Should().BeEquivalentTo("name", "teaser");
            CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(_target), await CanonicalContent.ReadAsync(source.ConnectionString));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(other);
        }
    }

    [Fact]
    public async Task Rows_in_the_target_that_a_full_backup_lacks_are_counted_and_listed_but_never_deleted()
    {
        var backup = await ExportAsync(source.ConnectionString, File("full.tar.gz"));
        await ImportAsync(_target, backup, new ImportOptions(ImportMode.NewOnly));
        await ExecuteAsync(_target, "INSERT INTO tags (name) VALUES ('only-in-target')");

        var again = await ImportAsync(_target, backup, new ImportOptions(ImportMode.Merge));

        again.Tables["tags"].MissingFromBackup.Should().Be(1);
        again.MissingFromBackup["tags"].Should().Equal("only-in-target");
        (await ScalarAsync(_target, "SELECT count(*) FROM tags WHERE name = 'only-in-target'")).Should().Be(1L);
    }

    [Fact]
    public async Task A_dry_run_reports_what_would_happen_and_leaves_the_database_unchanged()
    {
        var backup = await ExportAsync(source.ConnectionString, File("full.tar.gz"));
        var before = await SnapshotAsync(_target, sequences: false);
        var sequencesBefore = await SequencesAsync(_target);

        var dry = await ImportAsync(_target, backup, new ImportOptions(ImportMode.Merge, DryRun: true));

        dry.Outcome.Should().Be(ImportOutcome.DryRun, string.Join("\n", dry.Errors));
        dry.Tables["users"].Inserted.Should().BeGreaterThan(0);
        (await SnapshotAsync(_target, sequences: false)).Should().Be(before, "no row changed");
        await SequencesShouldNotHaveMovedBackAsync(_target, sequencesBefore);
    }

    [Fact]
    public async Task A_failure_in_the_last_phase_rolls_everything_back_and_names_the_table_and_row()
    {
        var backup = await ExportAsync(source.ConnectionString, File("full.tar.gz"));
        // The junction tables come last; a platform rule that refuses one of their rows must undo everything before it.
        await ExecuteAsync(_target, """
            CREATE FUNCTION refuse_posts_tags() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'posts_tags are frozen'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON posts_tags FOR EACH ROW EXECUTE FUNCTION refuse_posts_tags();
            """);
        var before = await SnapshotAsync(_target, sequences: false);
        var sequencesBefore = await SequencesAsync(_target);

        var result = await ImportAsync(_target, backup, new ImportOptions(ImportMode.NewOnly));

        result.Outcome.Should().Be(ImportOutcome.Failed);
        result.Errors.Should().Contain(e => e.Code == IssueCode.TriggerRefused && e.Table == "posts_tags" && e.Message.Contains("frozen") && e.Key != null);
        (await SnapshotAsync(_target, sequences: false)).Should().Be(before);
        await SequencesShouldNotHaveMovedBackAsync(_target, sequencesBefore);
    }

    [Fact]
    public async Task Continue_on_error_skips_the_refused_rows_reports_them_and_commits_the_rest()
    {
        var backup = await ExportAsync(source.ConnectionString, File("full.tar.gz"));
        await ExecuteAsync(_target, """
            CREATE FUNCTION refuse_one_tag() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.name = (SELECT min(name) FROM (VALUES ('zzzz')) v(name)) OR NEW.name LIKE 'a%' THEN RAISE EXCEPTION 'no tags starting with a'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON tags FOR EACH ROW EXECUTE FUNCTION refuse_one_tag();
            """);
        var refused = (long)(await ScalarAsync(source.ConnectionString, "SELECT count(*) FROM tags WHERE name LIKE 'a%'"))!;

        var result = await ImportAsync(_target, backup, new ImportOptions(ImportMode.NewOnly, ContinueOnError: true));

        result.Outcome.Should().Be(refused > 0 ? ImportOutcome.AppliedWithSkips : ImportOutcome.Applied, string.Join("\n", result.Errors));
        result.Tables["users"].Inserted.Should().BeGreaterThan(0);
        if (refused > 0)
        {
            // Tried and refused by the database: failed, not skipped.
            result.Tables["tags"].Failed.Should().Be(refused);
            result.Tables["tags"].Skipped.Should().Be(0);
            result.Errors.Should().Contain(e => e.Table == "tags" && e.Message.Contains("starting with a"));
        }
    }

    [Fact]
    public async Task Importing_a_table_without_the_tables_it_refers_to_is_refused_before_writing()
    {
        var eventsOnly = await ExportAsync(source.ConnectionString, File("events.tar.gz"), new ExportOptions(Tables: ["events"]));
        var before = await SnapshotAsync(_target);

        var result = await ImportAsync(_target, eventsOnly, new ImportOptions(ImportMode.NewOnly));

        result.Outcome.Should().Be(ImportOutcome.Refused);
        result.Errors.Should().ContainSingle(e => e.Code == IssueCode.DependencyMissing)
            .Which.Message.Should().Contain("projects (referenced by events)").And.Contain("instructors");
        (await SnapshotAsync(_target)).Should().Be(before);
    }

    [Fact]
    public async Task A_selected_table_is_imported_alone_when_its_parents_can_be_found_in_the_target()
    {
        var backup = await ExportAsync(source.ConnectionString, File("full.tar.gz"));
        await ImportAsync(_target, backup, new ImportOptions(ImportMode.NewOnly));
        await ExecuteAsync(_target, "DELETE FROM events_tags");

        var result = await ImportAsync(_target, backup, new ImportOptions(ImportMode.NewOnly, Tables: ["events_tags"]));

        result.Outcome.Should().Be(ImportOutcome.Applied, "events and tags are in the backup, so their rows are found in the target by natural key");
        result.Tables.Keys.Should().Equal("events_tags");
        result.Tables["events_tags"].Inserted.Should().Be(result.Tables["events_tags"].Total);
        CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(_target), await CanonicalContent.ReadAsync(source.ConnectionString));
    }

    [Fact]
    public async Task A_backup_whose_file_was_changed_after_export_is_refused_with_the_file_named()
    {
        var backup = await ExportAsync(source.ConnectionString, File("full.tar.gz"));
        var tampered = await RewriteMemberAsync(backup, File("tampered.tar.gz"), "tables/users.jsonl",
            text => text.Replace("\"lang\": \"de\"", "\"lang\": \"en\""));
        var before = await SnapshotAsync(_target);

        var result = await ImportAsync(_target, tampered, new ImportOptions(ImportMode.NewOnly));

        result.Outcome.Should().Be(ImportOutcome.Refused);
        result.Errors.Should().ContainSingle(e => e.Code == IssueCode.BadChecksum).Which.Message.Should().Contain("tables/users.jsonl");
        (await SnapshotAsync(_target)).Should().Be(before);
    }

    [Fact]
    public async Task Duplicate_image_xmlids_are_an_error_that_names_them()
    {
        await ExecuteAsync(source.ConnectionString, "UPDATE images SET xmlid = 'dup.image' WHERE id IN (SELECT id FROM images ORDER BY id LIMIT 2)");
        var backup = await ExportAsync(source.ConnectionString, File("dup.tar.gz"));

        var result = await ImportAsync(_target, backup, new ImportOptions(ImportMode.NewOnly));

        result.Outcome.Should().Be(ImportOutcome.Failed);
        result.Errors.Should().Contain(e => e.Code == IssueCode.DuplicateKey && e.Table == "images" && e.Key!.Contains("dup.image"));
    }

    [Fact]
    public async Task A_natural_key_the_target_holds_twice_is_an_error_that_names_it()
    {
        var backup = await ExportAsync(source.ConnectionString, File("full.tar.gz"));
        await ImportAsync(_target, backup, new ImportOptions(ImportMode.NewOnly));
        var xmlid = (string)(await ScalarAsync(_target, "SELECT xmlid FROM images ORDER BY id LIMIT 1"))!;
        await ExecuteAsync(_target, $"UPDATE images SET xmlid = '{xmlid}' WHERE id = (SELECT max(id) FROM images)");

        var result = await ImportAsync(_target, backup, new ImportOptions(ImportMode.Merge));

        result.Outcome.Should().Be(ImportOutcome.Failed);
        result.Errors.Should().Contain(e => e.Code == IssueCode.TargetDuplicateKey && e.Table == "images" && e.Key == xmlid);
    }

    [Fact]
    public async Task A_target_whose_schema_differs_from_the_backup_is_refused_with_the_column_named()
    {
        var backup = await ExportAsync(source.ConnectionString, File("full.tar.gz"));
        await ExecuteAsync(_target, "ALTER TABLE locations ALTER COLUMN zip TYPE varchar(10); ALTER TABLE tags DROP COLUMN desc_i18n;");

        var result = await ImportAsync(_target, backup, new ImportOptions(ImportMode.NewOnly));

        result.Outcome.Should().Be(ImportOutcome.Refused);
        result.Errors.Should().Contain(e => e.Code == IssueCode.SchemaTypeChanged && e.Table == "locations" && e.Column == "zip");
        result.Errors.Should().Contain(e => e.Code == IssueCode.SchemaColumnMissing && e.Table == "tags" && e.Column == "desc_i18n");
    }

    [Fact]
    public async Task Progress_is_reported_per_row_with_rate_and_reaches_the_total()
    {
        var backup = await ExportAsync(source.ConnectionString, File("full.tar.gz"));
        var reports = new List<Crearis.Backup.Core.Results.BackupProgress>();
        var progress = new SynchronousProgress<Crearis.Backup.Core.Results.BackupProgress>(reports.Add);

        var result = await BackupImporter.ImportFileAsync(_target, backup, new ImportOptions(ImportMode.NewOnly), progress: progress);

        result.Outcome.Should().Be(ImportOutcome.Applied);
        var users = reports.Where(r => r.Phase == BackupPhase.Stage && r.Table == "users").ToList();
        users.Select(r => r.TableDone).Should().BeInAscendingOrder().And.HaveCount((int)result.Tables["users"].Total, "one report per staged row");
        reports.Select(r => r.OverallDone).Should().BeInAscendingOrder();
        reports.Last().OverallDone.Should().Be(reports.Last().OverallTotal);
        reports.Should().Contain(r => r.RowsPerSecond > 0 && r.Remaining != null);
    }
}

/// <summary>Calls back on the reporting thread, so a test sees every report in order.</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
