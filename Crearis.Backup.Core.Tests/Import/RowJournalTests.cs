using System.Text.Json;
using Crearis.Backup.Core.Import;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Import;

/// <summary>
/// The journal (the full preview of a dry run) against the databases themselves: the rows it lists as new are exactly
/// the source's keys the target lacks, the updates exactly the rows edited, with the fields and values both databases hold.
/// </summary>
public sealed class RowJournalTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-journal-").FullName;
    private string _target = "";

    public async Task InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(300, seed: 5);
        (_, _target) = await TestPostgres.CreateCrearisDatabaseAsync("journal");
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_target);
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Keeps what the engine hands over, as a page of the admin app would store it.</summary>
    private sealed class ListJournal : IRowJournal
    {
        public List<JournalRow> Rows { get; } = [];

        public async Task WriteAsync(IAsyncEnumerable<JournalRow> rows, CancellationToken ct)
        {
            await foreach (var row in rows.WithCancellation(ct)) Rows.Add(row);
        }
    }

    private static async Task<ImportResult> DryRunAsync(string target, string file, ImportMode mode, IRowJournal journal) =>
        await BackupImporter.ImportFileAsync(target, file, new ImportOptions(mode, DryRun: true), journal: journal);

    [Fact]
    public async Task A_merge_dry_run_lists_every_new_row_and_every_changed_field_and_writes_nothing()
    {
        var backup = await ExportAsync(source.ConnectionString, Path.Combine(_folder, "full.tar.gz"));
        await BackupImporter.ImportFileAsync(_target, backup, new ImportOptions(ImportMode.NewOnly));
        // The target loses a few tags and has two users renamed: the backup brings the tags back and the names.
        await ExecuteAsync(_target, """
            DELETE FROM tags WHERE id IN (SELECT id FROM tags t WHERE NOT EXISTS (SELECT 1 FROM posts_tags pt WHERE pt.tag_id = t.id) ORDER BY id DESC LIMIT 3);
            UPDATE users SET username = 'renamed-here-' || id WHERE id IN (SELECT id FROM users ORDER BY id LIMIT 2);
            """);
        // Rows only: a rolled-back insert leaves its sequence moved, as PostgreSQL does.
        var before = await SnapshotAsync(_target, sequences: false);
        var journal = new ListJournal();

        var result = await DryRunAsync(_target, backup, ImportMode.Merge, journal);

        result.Outcome.Should().Be(ImportOutcome.DryRun, string.Join("\n", result.Errors));
        (await SnapshotAsync(_target, sequences: false)).Should().Be(before, "a dry run writes nothing");
        var sourceTags = await ColumnAsync(source.ConnectionString, "SELECT name FROM tags");
        var targetTags = await ColumnAsync(_target, "SELECT name FROM tags");
        journal.Rows.Where(r => r.Table == "tags" && r.Action == RowAction.Insert).Select(r => r.Key)
            .Should().BeEquivalentTo(sourceTags.Except(targetTags), "the new rows are the source's tags the target lacks");
        var renamed = await ColumnAsync(_target, "SELECT sysmail FROM users WHERE username LIKE 'renamed-here-%'");
        var updates = journal.Rows.Where(r => r.Table == "users" && r.Action == RowAction.Update).ToList();
        updates.Select(u => u.Key).Should().BeEquivalentTo(renamed);
        foreach (var update in updates)
        {
            using var diff = JsonDocument.Parse(update.Detail!);
            var username = diff.RootElement.GetProperty("username");
            username[0].GetString().Should().Be((string?)await ScalarAsync(_target, $"SELECT username FROM users WHERE sysmail = '{update.Key}'"));
            username[1].GetString().Should().Be((string?)await ScalarAsync(source.ConnectionString, $"SELECT username FROM users WHERE sysmail = '{update.Key}'"));
        }
        result.Tables.Sum(t => t.Value.Inserted).Should().Be(journal.Rows.Count(r => r.Action == RowAction.Insert));
        result.Tables.Sum(t => t.Value.Updated).Should().Be(journal.Rows.Count(r => r.Action == RowAction.Update));
        using var inserted = JsonDocument.Parse(journal.Rows.First(r => r.Table == "tags" && r.Action == RowAction.Insert).Detail!);
        inserted.RootElement.GetProperty("name").GetString().Should().NotBeNullOrEmpty("an insert lists the values it writes");
    }

    [Fact]
    public async Task A_new_only_dry_run_lists_the_rows_already_here_as_kept_and_none_as_updated()
    {
        var backup = await ExportAsync(source.ConnectionString, Path.Combine(_folder, "full.tar.gz"));
        await BackupImporter.ImportFileAsync(_target, backup, new ImportOptions(ImportMode.NewOnly));
        await ExecuteAsync(_target, "UPDATE users SET username = 'renamed-here-' || id WHERE id IN (SELECT id FROM users ORDER BY id LIMIT 2)");
        var journal = new ListJournal();

        var result = await DryRunAsync(_target, backup, ImportMode.NewOnly, journal);

        result.Mode.Should().Be(ImportMode.NewOnly);
        journal.Rows.Should().NotContain(r => r.Action == RowAction.Update);
        journal.Rows.Count(r => r.Table == "users" && r.Action == RowAction.Keep)
            .Should().Be((int)(long)(await ScalarAsync(_target, "SELECT count(*) FROM users"))!);
    }

    [Fact]
    public async Task Rows_the_database_refuses_with_continue_on_error_are_listed_as_failed_with_their_issue()
    {
        var backup = await ExportAsync(source.ConnectionString, Path.Combine(_folder, "full.tar.gz"));
        var refused = await ColumnAsync(source.ConnectionString, "SELECT name FROM tags ORDER BY id LIMIT 3");
        var names = string.Join(", ", refused.Select(n => "'" + n.Replace("'", "''") + "'"));
        await ExecuteAsync(_target, $$"""
            CREATE FUNCTION refuse_some_tags() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.name IN ({{names}}) THEN RAISE EXCEPTION 'not these tags'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON tags FOR EACH ROW EXECUTE FUNCTION refuse_some_tags();
            """);
        var journal = new ListJournal();

        var result = await BackupImporter.ImportFileAsync(_target, backup,
            new ImportOptions(ImportMode.NewOnly, DryRun: true, ContinueOnError: true), journal: journal);

        journal.Rows.Where(r => r.Table == "tags" && r.Action == RowAction.Fail).Select(r => r.Key).Should().BeEquivalentTo(refused);
        journal.Rows.Where(r => r.Action == RowAction.Fail).Should().OnlyContain(r => r.Issue != null);
        result.Tables["tags"].Failed.Should().Be(refused.Count);
    }

    [Fact]
    public async Task Undoing_a_full_import_into_an_empty_database_leaves_it_as_it_was_cycles_and_all()
    {
        var backup = await ExportAsync(source.ConnectionString, Path.Combine(_folder, "full.tar.gz"));
        var before = await SnapshotAsync(_target, sequences: false);
        var journal = new ListJournal();
        (await BackupImporter.ImportFileAsync(_target, backup, new ImportOptions(ImportMode.NewOnly), journal: journal)).Outcome.Should().Be(ImportOutcome.Applied);
        (await SnapshotAsync(_target, sequences: false)).Should().NotBe(before);

        var undo = await ImportUndo.UndoAsync(_target, journal.Rows.ToAsyncEnumerable());

        undo.Outcome.Should().Be(UndoOutcome.Undone, string.Join("\n", undo.Errors));
        (await SnapshotAsync(_target, sequences: false)).Should().Be(before, "every row the import added is gone");
        undo.Tables.Values.Sum(t => t.Removed).Should().Be(journal.Rows.Count(r => r.Action == RowAction.Insert));
    }

    [Fact]
    public async Task Undoing_a_merge_puts_back_the_fields_it_changed_and_removes_the_rows_it_added()
    {
        await BackupImporter.ImportFileAsync(_target, await ExportAsync(source.ConnectionString, Path.Combine(_folder, "v1.tar.gz")), new ImportOptions(ImportMode.NewOnly));
        await ExecuteAsync(source.ConnectionString, """
            UPDATE users SET username = 'renamed-in-source' WHERE id = (SELECT min(id) FROM users);
            UPDATE events SET name = 'Neuer Titel', teaser = NULL WHERE id = (SELECT min(id) FROM events);
            INSERT INTO tags (name, description) VALUES ('tag-added-in-source', 'neu');
            """);
        var v2 = await ExportAsync(source.ConnectionString, Path.Combine(_folder, "v2.tar.gz"));
        // Any update of a user makes the platform's triggers recompute its instructor's regio (a derived column the undo,
        // like the import, leaves to them): settle it first, so that the comparison is of what the rows hold.
        await ExecuteAsync(_target, "UPDATE users SET username = username WHERE id = (SELECT min(id) FROM users)");
        var before = await SnapshotAsync(_target, sequences: false);
        var journal = new ListJournal();
        var merge = await BackupImporter.ImportFileAsync(_target, v2, new ImportOptions(ImportMode.Merge), journal: journal);
        merge.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", merge.Errors));
        merge.Tables["users"].Updated.Should().Be(1);

        var undo = await ImportUndo.UndoAsync(_target, journal.Rows.ToAsyncEnumerable());

        undo.Outcome.Should().Be(UndoOutcome.Undone, string.Join("\n", undo.Errors));
        (await SnapshotAsync(_target, sequences: false)).Should().Be(before, "the database is as it was before the merge");
        undo.Tables["users"].Restored.Should().Be(1);
        undo.Tables["tags"].Removed.Should().Be(1);
    }

    [Fact]
    public async Task An_undo_is_refused_naming_the_row_when_a_row_changed_since_or_a_new_row_points_at_an_added_one_and_nothing_is_undone()
    {
        await BackupImporter.ImportFileAsync(_target, await ExportAsync(source.ConnectionString, Path.Combine(_folder, "v1.tar.gz")), new ImportOptions(ImportMode.NewOnly));
        var sysmail = (string)(await ScalarAsync(source.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
        await ExecuteAsync(source.ConnectionString, $"""
            UPDATE users SET username = 'renamed-in-source' WHERE sysmail = '{sysmail}';
            INSERT INTO tags (name, description) VALUES ('tag-added-in-source', 'neu');
            """);
        var journal = new ListJournal();
        (await BackupImporter.ImportFileAsync(_target, await ExportAsync(source.ConnectionString, Path.Combine(_folder, "v2.tar.gz")),
            new ImportOptions(ImportMode.Merge), journal: journal)).Outcome.Should().Be(ImportOutcome.Applied);
        // Since the import: the platform renamed the user again.
        await ExecuteAsync(_target, $"UPDATE users SET username = 'renamed-here-since' WHERE sysmail = '{sysmail}'");
        var edited = await SnapshotAsync(_target, sequences: false);

        var refused = await ImportUndo.UndoAsync(_target, journal.Rows.ToAsyncEnumerable());

        refused.Outcome.Should().Be(UndoOutcome.Refused);
        refused.Errors.Should().ContainSingle().Which.Should().Match<Crearis.Backup.Core.Results.BackupIssue>(e =>
            e.Code == Crearis.Backup.Core.Results.IssueCode.UndoChangedSince && e.Table == "users" && e.Key == sysmail && e.Message.Contains("username"));
        (await SnapshotAsync(_target, sequences: false)).Should().Be(edited, "a refused undo changes nothing");

        // The edit is taken back, but a post was tagged with the added tag since: removing the tag would break that link.
        await ExecuteAsync(_target, $"""
            UPDATE users SET username = 'renamed-in-source' WHERE sysmail = '{sysmail}';
            INSERT INTO posts_tags (post_id, tag_id) SELECT (SELECT min(id) FROM posts), id FROM tags WHERE name = 'tag-added-in-source';
            """);
        var linked = await SnapshotAsync(_target, sequences: false);

        var blocked = await ImportUndo.UndoAsync(_target, journal.Rows.ToAsyncEnumerable());

        blocked.Outcome.Should().Be(UndoOutcome.Refused);
        blocked.Errors.Should().OnlyContain(e => e.Code == Crearis.Backup.Core.Results.IssueCode.UndoBlocked)
            .And.Contain(e => e.Message.Contains("posts_tags") || e.Message.Contains("tags"));
        (await SnapshotAsync(_target, sequences: false)).Should().Be(linked);
    }
}
