using System.Text.Json;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Export.Filtering;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Export;

/// <summary>
/// Filtered exports (issue 11, point 2): a project's or user's rows with what belongs to them along the profile's rules,
/// closed over every reference, so the file imports into an empty database. What the file holds is checked against the
/// source database's own rows (by natural key), never against what the export says about itself.
/// </summary>
public sealed class FilteredExportTests(CrearisDatabaseFixture a) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-filter-").FullName;
    private readonly List<string> _databases = [];
    private string _project = "", _other = "";

    public async Task InitializeAsync()
    {
        await a.ResetWithDemoDataAsync(300, seed: 31);
        await ExecuteAsync(a.ConnectionString, "DROP SCHEMA IF EXISTS crearis_admin CASCADE");
        // The project with the most events, and another project with events of its own.
        var projects = await ColumnAsync(a.ConnectionString,
            "SELECT p.domaincode FROM projects p JOIN events e ON e.project_id = p.id GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 2");
        (_project, _other) = (projects[0], projects[1]);
    }

    public async Task DisposeAsync()
    {
        foreach (var db in _databases) await TestPostgres.DropDatabaseAsync(db);
        Directory.Delete(_folder, recursive: true);
    }

    private string File(string name) => Path.Combine(_folder, name);

    private async Task<string> EmptyDatabaseAsync(string prefix)
    {
        var (_, cs) = await TestPostgres.CreateCrearisDatabaseAsync(prefix);
        _databases.Add(cs);
        return cs;
    }

    private static async Task<long> CountAsync(string connectionString, string sql) => Convert.ToInt64(await ScalarAsync(connectionString, sql));

    private static async Task<List<JsonElement>> LinesAsync(string file, string table) =>
        (await ReadMemberAsync(file, $"tables/{table}.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static long Reason(BackupManifest manifest, string table, string reason) =>
        manifest.Filter!.Tables.SingleOrDefault(t => t.Name == table)?.Reasons.SingleOrDefault(r => r.Reason == reason)?.Rows ?? 0;

    private static Task<ExportResult> FilteredAsync(string source, string file, ExportFilter filter, ExportOptions? options = null) =>
        BackupExporter.ExportAsync(source, file, (options ?? new ExportOptions()) with { Filter = filter });

    /// <summary>
    /// Every row of the tables with references, described by natural keys only (each reference as the natural key of
    /// the row it points at): equal in two databases exactly when every reference points at the same rows.
    /// </summary>
    private static readonly (string Table, string Key, string Sql)[] Described =
    [
        ("users", "u.sysmail", "SELECT u.sysmail, '|', (SELECT xmlid FROM images i WHERE i.id = u.img_id), (SELECT xmlid FROM instructors i WHERE i.id = u.instructor_id), (SELECT xmlid FROM participants p WHERE p.id = u.participant_id), u.status_id FROM users u"),
        ("projects", "p.domaincode", "SELECT p.domaincode, '|', (SELECT sysmail FROM users u WHERE u.id = p.owner_id), (SELECT domaincode FROM projects r WHERE r.id = p.regio), (SELECT xmlid FROM images i WHERE i.id = p.img_id), " +
                                     "(SELECT string_agg(u.sysmail, ',' ORDER BY u.sysmail) FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(p.member_ids) = 'array' THEN p.member_ids END) m JOIN users u ON u.id::text = m), p.status_id FROM projects p"),
        ("images", "i.xmlid", "SELECT i.xmlid, '|', (SELECT xmlid FROM images r WHERE r.id = i.root_id), (SELECT sysmail FROM users u WHERE u.id = i.owner_id), (SELECT domaincode FROM projects p WHERE p.id = i.project_id), " +
                              "(SELECT xmlid FROM images r WHERE r.id = (i.variations).parent_id), (SELECT string_agg(r.xmlid, ',' ORDER BY r.xmlid) FROM images r WHERE r.id = ANY((i.variations).alike_ids)) FROM images i"),
        ("events", "e.xmlid", "SELECT e.xmlid, '|', (SELECT domaincode FROM projects p WHERE p.id = e.project_id), (SELECT domaincode FROM projects p WHERE p.id = e.regio_id), (SELECT xmlid FROM locations l WHERE l.id = e.location), " +
                              "(SELECT sysmail FROM users u WHERE u.id = e.user_id), (SELECT xmlid FROM instructors i WHERE i.id = e.public_user), (SELECT xmlid FROM images i WHERE i.id = e.img_id) FROM events e"),
        ("posts", "p.xmlid", "SELECT p.xmlid, '|', (SELECT domaincode FROM projects r WHERE r.id = p.project_id), " +
                             "(SELECT string_agg(t.name, ',' ORDER BY t.name) FROM unnest(string_to_array(p.tag_ids, ',')) x JOIN tags t ON t.id::text = btrim(x)) FROM posts p"),
        // Links: each one in the target is one of the source (a row pulled in as a parent comes without its links).
        ("events_tags", "", "SELECT e.xmlid, t.name FROM events_tags x JOIN events e ON e.id = x.event_id JOIN tags t ON t.id = x.tag_id"),
        ("event_instructors", "", "SELECT e.xmlid, i.xmlid FROM event_instructors x JOIN events e ON e.id = x.event_id JOIN instructors i ON i.id = x.instructor_id"),
        ("posts_tags", "", "SELECT p.xmlid, t.name FROM posts_tags x JOIN posts p ON p.id = x.post_id JOIN tags t ON t.id = x.tag_id"),
        ("instructors", "i.xmlid", "SELECT i.xmlid, '|', (SELECT domaincode FROM projects p WHERE p.id = i.regio_id), (SELECT xmlid FROM images m WHERE m.id = i.img_id) FROM instructors i"),
        ("locations", "l.xmlid", "SELECT l.xmlid, '|', (SELECT domaincode FROM projects p WHERE p.id = l.project_id), (SELECT xmlid FROM images m WHERE m.id = l.img_id) FROM locations l"),
        ("pages", "(SELECT domaincode FROM projects p WHERE p.id = g.project) || '/' || g.page_type", "SELECT (SELECT domaincode FROM projects p WHERE p.id = g.project) || '/' || g.page_type FROM pages g"),
        ("interactions", "coalesce((SELECT sysmail FROM users u WHERE u.id = x.user_id), '-') || '/' || x.name || '/' || x.\"timestamp\"",
            "SELECT coalesce((SELECT sysmail FROM users u WHERE u.id = x.user_id), '-') || '/' || x.name || '/' || x.\"timestamp\", '|', (SELECT domaincode FROM projects p WHERE p.id = x.project_id) FROM interactions x"),
        ("tasks", "k.id", "SELECT k.id, '|', k.record_type, CASE k.record_type WHEN 'project' THEN (SELECT domaincode FROM projects p WHERE p.id::text = k.record_id) " +
                             "WHEN 'event' THEN (SELECT xmlid FROM events e WHERE e.id::text = k.record_id) WHEN 'post' THEN (SELECT xmlid FROM posts e WHERE e.id::text = k.record_id) END, " +
                             "(SELECT string_agg(u.sysmail, ',' ORDER BY u.sysmail) FROM unnest(string_to_array(k.assigned_to, ',')) x JOIN users u ON u.id::text = btrim(x)) FROM tasks k"),
        ("project_members", "m.project_id", "SELECT (SELECT domaincode FROM projects p WHERE p.id = m.project_id) || '/' || (SELECT sysmail FROM users u WHERE u.id = m.user_id) FROM project_members m"),
    ];

    private static async Task<List<string>> DescribeAsync(string connectionString, string sql) =>
        (await ColumnAsync(connectionString, $"SELECT concat_ws(' ', VARIADIC ARRAY(SELECT coalesce(v::text, '-') FROM json_array_elements_text(to_json(array[r.*]::text[])) v)) FROM ({sql}) r ORDER BY 1"));

    private async Task ShouldPointAtTheSameRowsAsTheSourceAsync(string target)
    {
        foreach (var (table, _, sql) in Described)
        {
            var there = await DescribeAsync(target, sql);
            var here = (await DescribeAsync(a.ConnectionString, sql)).ToHashSet(StringComparer.Ordinal);
            there.Where(line => !here.Contains(line)).Should().BeEmpty($"every {table} row imported refers to the same rows (by natural key) as in the source");
        }
    }

    [Fact]
    public async Task A_projects_export_imports_into_an_empty_database_with_every_reference_pointing_at_the_same_rows_as_in_the_source()
    {
        var result = await FilteredAsync(a.ConnectionString, File("p.tar.gz"), new ExportFilter(Projects: [_project]));

        result.Succeeded.Should().BeTrue(string.Join("\n", result.Issues));
        result.Manifest!.Options.Full.Should().BeFalse("a filtered backup is never full");
        var empty = await EmptyDatabaseAsync("filter_empty");
        var import = await ImportAsync(empty, result.File!, new ImportOptions(ImportMode.NewOnly));

        import.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", import.Errors.Concat(import.Warnings)));
        import.Errors.Concat(import.Warnings).Should().NotContain(i => i.Code == IssueCode.RefUnresolved || i.Code == IssueCode.RefUnresolvedNulled || i.Code == IssueCode.RefNotInFile);
        await ShouldPointAtTheSameRowsAsTheSourceAsync(empty);
        // All of the project's own rows arrived (counted in the source, independently of the file).
        foreach (var (table, column) in new[] { ("events", "project_id"), ("posts", "project_id"), ("pages", "project"), ("project_members", "project_id"), ("interactions", "project_id") })
            (await CountAsync(empty, $"SELECT count(*) FROM {table} x JOIN projects p ON p.id = x.{column} WHERE p.domaincode = '{_project}'"))
                .Should().Be(await CountAsync(a.ConnectionString, $"SELECT count(*) FROM {table} x JOIN projects p ON p.id = x.{column} WHERE p.domaincode = '{_project}'"), table);
    }

    [Fact]
    public async Task The_closure_follows_cycles_arrays_and_polymorphic_references_but_children_only_along_the_rules()
    {
        // In the source: the project's image is a variation of another project's image (root_id, variations) whose owner
        // is a user of the other project; the project lists a member by id in member_ids only; a task on the project
        // is assigned (a text list) to two users; a task on another project's event names it polymorphically and is
        // assigned to a user of the project, and that user is a member of the other project too.
        await ExecuteAsync(a.ConnectionString, $"""
            INSERT INTO users (sysmail, username, password, role) VALUES ('owner.far@example.com', 'far owner', 'x', 'user'),
                ('listed.member@example.com', 'only in member_ids', 'x', 'user'), ('assignee.one@example.com', 'a1', 'x', 'user'), ('assignee.two@example.com', 'a2', 'x', 'user');
            INSERT INTO images (xmlid, name, url, owner_id, project_id) SELECT 'img-root-far', 'root', 'https://x.example/r.jpg', u.id, p.id
              FROM users u, projects p WHERE u.sysmail = 'owner.far@example.com' AND p.domaincode = '{_other}';
            INSERT INTO images (xmlid, name, url, project_id) SELECT 'img-alike-far', 'alike', 'https://x.example/a.jpg', NULL;
            INSERT INTO images (xmlid, name, url, project_id, root_id, variations)
              SELECT 'img-variant', 'variant', 'https://x.example/v.jpg', p.id, r.id, ROW(r.id, ARRAY[l.id], NULL, 'test')::image_variation
              FROM projects p, images r, images l WHERE p.domaincode = '{_project}' AND r.xmlid = 'img-root-far' AND l.xmlid = 'img-alike-far';
            UPDATE projects SET member_ids = coalesce(member_ids, '[]'::jsonb) || jsonb_build_array((SELECT id FROM users WHERE sysmail = 'listed.member@example.com'))
              WHERE domaincode = '{_project}';
            INSERT INTO tasks (id, name, record_type, record_id, assigned_to)
              SELECT 'task-on-project', 'task-on-project', 'project', p.id::text, (SELECT string_agg(id::text, ', ' ORDER BY id) FROM users WHERE sysmail LIKE 'assignee.%')
              FROM projects p WHERE p.domaincode = '{_project}';
            -- (images.status_id defaults to 0, which no status row has: a link dangling in the source itself.)
            UPDATE images SET status_id = (SELECT min(id) FROM status) WHERE xmlid IN ('img-root-far', 'img-alike-far', 'img-variant');
            """);
        var farEvent = (await ColumnAsync(a.ConnectionString, $"SELECT e.xmlid FROM events e JOIN projects p ON p.id = e.project_id WHERE p.domaincode = '{_other}' ORDER BY e.id LIMIT 1"))[0];
        var projectUser = (await ColumnAsync(a.ConnectionString, "SELECT sysmail FROM users WHERE sysmail = 'assignee.one@example.com'"))[0];
        await ExecuteAsync(a.ConnectionString, $"""
            INSERT INTO tasks (id, name, record_type, record_id, assigned_to)
              SELECT 'task-on-far-event', 'task-on-far-event', 'event', e.id::text, u.id::text FROM events e, users u WHERE e.xmlid = '{farEvent}' AND u.sysmail = '{projectUser}';
            INSERT INTO project_members (project_id, user_id) SELECT p.id, u.id FROM projects p, users u WHERE p.domaincode IN ('{_project}', '{_other}') AND u.sysmail = '{projectUser}';
            """);

        var result = await FilteredAsync(a.ConnectionString, File("closure.tar.gz"), new ExportFilter(Projects: [_project], Users: [projectUser]));

        result.Succeeded.Should().BeTrue(string.Join("\n", result.Issues));
        var file = result.File!;
        (await LinesAsync(file, "images")).Select(r => r.GetProperty("xmlid").GetString()).Should().Contain(["img-variant", "img-root-far", "img-alike-far"]);
        (await LinesAsync(file, "users")).Select(r => r.GetProperty("sysmail").GetString()).Should()
            .Contain(["owner.far@example.com", "listed.member@example.com", "assignee.one@example.com", "assignee.two@example.com"]);
        (await LinesAsync(file, "tasks")).Select(r => r.GetProperty("id").GetString()).Should().Contain(["task-on-project", "task-on-far-event"]);
        // The far event is there because the user's task names it; its project only as the event's parent, and none
        // of that project's other events, though the selected user is a member of it.
        var events = (await LinesAsync(file, "events")).Select(r => r.GetProperty("xmlid").GetString()!).ToHashSet();
        events.Should().Contain(farEvent);
        var otherEvents = await ColumnAsync(a.ConnectionString, $"SELECT e.xmlid FROM events e JOIN projects p ON p.id = e.project_id WHERE p.domaincode = '{_other}'");
        events.Intersect(otherEvents).Should().Equal(farEvent);
        var manifest = result.Manifest!;
        Reason(manifest, "events", "pulled in by tasks.record_id").Should().Be(1);
        (Reason(manifest, "images", "pulled in by images.root_id") + Reason(manifest, "images", "pulled in by images.variations")).Should().BeGreaterThanOrEqualTo(2);
        Reason(manifest, "users", "pulled in by tasks.assigned_to").Should().BeGreaterThan(0);
        Reason(manifest, "users", "pulled in by projects.member_ids").Should().BeGreaterThan(0);
        // The other project is there only as a parent (of the far event, the user's membership, the far image).
        var otherProject = manifest.Filter!.Tables.Single(t => t.Name == "projects").Reasons.Where(r => r.Reason != "selected");
        otherProject.Should().NotBeEmpty().And.OnlyContain(r => r.Reason.StartsWith("pulled in by "));
        (await LinesAsync(file, "projects")).Select(r => r.GetProperty("domaincode").GetString()).Should().Contain(_other);

        var empty = await EmptyDatabaseAsync("filter_closure");
        var import = await ImportAsync(empty, file, new ImportOptions(ImportMode.NewOnly));
        import.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", import.Errors.Concat(import.Warnings)));
        import.Warnings.Should().NotContain(i => i.Code == IssueCode.RefUnresolvedNulled || i.Code == IssueCode.RefNotInFile);
        await ShouldPointAtTheSameRowsAsTheSourceAsync(empty);
    }

    [Fact]
    public async Task Reasons_and_counts_in_the_manifest_match_a_count_on_the_source()
    {
        var result = await FilteredAsync(a.ConnectionString, File("counts.tar.gz"), new ExportFilter(Projects: [_project]));

        result.Succeeded.Should().BeTrue(string.Join("\n", result.Issues));
        var manifest = result.Manifest!;
        var p = $"(SELECT id FROM projects WHERE domaincode = '{_project}')";
        Reason(manifest, "projects", "selected").Should().Be(1);
        Reason(manifest, "events", "child of projects (events.project_id)").Should().Be(await CountAsync(a.ConnectionString, $"SELECT count(*) FROM events WHERE project_id = {p}"));
        Reason(manifest, "pages", "child of projects (pages.project)").Should().Be(await CountAsync(a.ConnectionString, $"SELECT count(*) FROM pages WHERE project = {p}"));
        Reason(manifest, "project_members", "child of projects (project_members.project_id)").Should()
            .Be(await CountAsync(a.ConnectionString, $"SELECT count(*) FROM project_members WHERE project_id = {p}"));
        Reason(manifest, "events_tags", "child of events (events_tags.event_id)").Should()
            .Be(await CountAsync(a.ConnectionString, $"SELECT count(*) FROM events_tags WHERE event_id IN (SELECT id FROM events WHERE project_id = {p})"));
        // Each table's rows once, under one reason; the table file holds exactly as many.
        foreach (var t in manifest.Filter!.Tables)
        {
            t.Reasons.Sum(r => r.Rows).Should().Be(t.Rows, t.Name);
            manifest.Tables.Single(m => m.Name == t.Name).Rows.Should().Be(t.Rows, t.Name);
        }
        manifest.Filter.Rules.Should().Contain(r => r.Contains("events.project_id"));
        // Written back as read: the manifest's filter survives the file.
        (await CrearisBackupReader.VerifyAsync(result.File!)).Manifest!.Filter!.Projects.Should().Equal(_project);
    }

    [Fact]
    public async Task Since_leaves_old_rows_out_and_names_the_tables_it_cannot_filter()
    {
        // Everything old, then one event of the project touched.
        await ExecuteAsync(a.ConnectionString, """
            UPDATE users SET created_at = now() - interval '400 days', updated_at = now() - interval '400 days';
            UPDATE images SET created_at = now() - interval '400 days', updated_at = now() - interval '400 days';
            UPDATE pages SET created_at = now() - interval '400 days', updated_at = now() - interval '400 days';
            UPDATE events_tags SET created_at = now() - interval '400 days';
            UPDATE posts_tags SET created_at = now() - interval '400 days';
            UPDATE project_members SET added_at = now() - interval '400 days';
            UPDATE event_instructors SET added_at = now() - interval '400 days';
            """);
        // (With the platform's triggers off: tasks.updated_at is stamped by one.)
        foreach (var table in new[] { "projects", "instructors", "locations", "participants", "posts", "events", "tasks" })
            await ExecuteAsync(a.ConnectionString, $"SET session_replication_role = replica; UPDATE {table} SET created_at = now() - interval '400 days', " +
                                                   "updated_at = (now() - interval '400 days')::text; SET session_replication_role = origin");
        var recent = (await ColumnAsync(a.ConnectionString, $"SELECT e.xmlid FROM events e JOIN projects p ON p.id = e.project_id WHERE p.domaincode = '{_project}' ORDER BY e.id LIMIT 1"))[0];
        await ExecuteAsync(a.ConnectionString, $"UPDATE events SET updated_at = now()::text WHERE xmlid = '{recent}'");
        // A text updated_at that is no time makes the column unusable; created_at still decides.
        await ExecuteAsync(a.ConnectionString, "UPDATE posts SET updated_at = 'gestern' WHERE id = (SELECT min(id) FROM posts)");

        var result = await FilteredAsync(a.ConnectionString, File("since.tar.gz"), new ExportFilter(Since: Since("30d")));

        result.Succeeded.Should().BeTrue(string.Join("\n", result.Issues));
        var manifest = result.Manifest!;
        (await LinesAsync(result.File!, "events")).Select(r => r.GetProperty("xmlid").GetString()).Should().Equal(recent);
        Reason(manifest, "events", "changed since 30d").Should().Be(1);
        Reason(manifest, "projects", "pulled in by events.project_id").Should().Be(1, "parents are always added, whatever their age");
        manifest.Filter!.Tables.Single(t => t.Name == "posts").SinceBy.Should().Be("created_at");
        manifest.Filter.Tables.Single(t => t.Name == "events").SinceBy.Should().Be("updated_at, created_at");
        manifest.Filter.SinceUnfiltered.Should().BeEquivalentTo("status", "tags", "interactions");
        result.Issues.Where(i => i.Code == IssueCode.SinceUnfiltered).Select(i => i.Table).Should().BeEquivalentTo(manifest.Filter.SinceUnfiltered);
        // Written whole: every tag is there.
        manifest.Tables.Single(t => t.Name == "tags").Rows.Should().Be(await CountAsync(a.ConnectionString, "SELECT count(*) FROM tags"));

        // With a project, --since narrows what the project brings.
        var narrowed = await FilteredAsync(a.ConnectionString, File("since-project.tar.gz"), new ExportFilter(Projects: [_project], Since: Since("30d")));
        narrowed.Succeeded.Should().BeTrue(string.Join("\n", narrowed.Issues));
        (await LinesAsync(narrowed.File!, "events")).Select(r => r.GetProperty("xmlid").GetString()).Should().Equal(recent);
        Reason(narrowed.Manifest!, "projects", "pulled in by events.project_id").Should().Be(1, "the old project comes back as the event's parent");
    }

    [Fact]
    public async Task Since_reads_a_table_without_time_columns_by_the_ledgers_last_export_before_the_moment()
    {
        var x = await BackupExporter.ExportAsync(a.ConnectionString, File("ledger-base.tar.gz"), new ExportOptions());
        x.Succeeded.Should().BeTrue(string.Join("\n", x.Issues));
        await ExecuteAsync(a.ConnectionString, """
            INSERT INTO tags (name, description) VALUES ('tag-after-base', 'new since the export');
            UPDATE tags SET description = 'changed since the export' WHERE id = (SELECT min(id) FROM tags);
            """);
        var moment = x.Manifest!.CreatedAt.ToString("O");

        var result = await FilteredAsync(a.ConnectionString, File("ledger-since.tar.gz"), new ExportFilter(Since: Since(moment)));

        result.Succeeded.Should().BeTrue(string.Join("\n", result.Issues));
        result.Manifest!.Filter!.Tables.Single(t => t.Name == "tags").SinceBy.Should().Be("ledger");
        result.Manifest.Filter.SinceUnfiltered.Should().NotContain("tags");
        var tags = (await LinesAsync(result.File!, "tags")).Select(r => r.GetProperty("name").GetString()).ToList();
        tags.Should().Contain("tag-after-base")
            .And.Contain((string)(await ScalarAsync(a.ConnectionString, "SELECT name FROM tags WHERE description = 'changed since the export'"))!);
        // The others only where a selected row refers to them.
        Reason(result.Manifest, "tags", $"changed since {moment}").Should().Be(2);
    }

    private static ExportSince Since(string text)
    {
        ExportSince.TryParse(text, DateTimeOffset.UtcNow, out var since, out var error).Should().BeTrue(error);
        return since!;
    }

    [Fact]
    public async Task A_filtered_backup_merged_into_a_full_database_deletes_nothing_and_a_later_full_merge_reads_nothing_as_deleted()
    {
        var b = await EmptyDatabaseAsync("filter_merge_b");
        var x = await ExportAsync(a.ConnectionString, File("x.tar.gz"));
        (await ImportAsync(b, x, new ImportOptions(ImportMode.NewOnly))).Outcome.Should().Be(ImportOutcome.Applied);
        await ExecuteAsync(a.ConnectionString, $"UPDATE events SET name = 'renamed in A' WHERE id = (SELECT min(e.id) FROM events e JOIN projects p ON p.id = e.project_id WHERE p.domaincode = '{_project}')");
        var before = await SnapshotAsync(b, sequences: false);
        var counts = await Task.WhenAll(Described.Select(d => CountAsync(b, $"SELECT count(*) FROM {d.Table}")));

        var filtered = await FilteredAsync(a.ConnectionString, File("f.tar.gz"), new ExportFilter(Projects: [_project]));
        filtered.Succeeded.Should().BeTrue(string.Join("\n", filtered.Issues));
        var merged = await ImportAsync(b, filtered.File!, new ImportOptions(ImportMode.Merge, ApplyDeletes: true));

        merged.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", merged.Errors));
        merged.Warnings.Should().Contain(i => i.Code == IssueCode.FilteredNoDeletes);
        merged.Tables.Values.Should().OnlyContain(t => t.Deleted == 0 && t.DeletedThere == 0 && t.MissingFromBackup == 0);
        (await Task.WhenAll(Described.Select(d => CountAsync(b, $"SELECT count(*) FROM {d.Table}")))).Should().Equal(counts, "nothing was deleted");
        (await SnapshotAsync(b, sequences: false)).Should().NotBe(before, "the changed event was merged");
        (await ScalarAsync(b, "SELECT count(*) FROM events WHERE name = 'renamed in A'")).Should().Be(1L);

        // B exports everything back to A, and A merges with apply-deletes: the rows the filtered backup left out are
        // not read as deleted (it is nobody's merge base).
        var y = await ExportAsync(b, File("y.tar.gz"));
        var aBefore = await Task.WhenAll(Described.Select(d => CountAsync(a.ConnectionString, $"SELECT count(*) FROM {d.Table}")));
        var back = await ImportAsync(a.ConnectionString, y, new ImportOptions(ImportMode.Merge, ApplyDeletes: true));
        back.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", back.Errors));
        back.Tables.Values.Should().OnlyContain(t => t.Deleted == 0 && t.DeletedThere == 0);
        (await Task.WhenAll(Described.Select(d => CountAsync(a.ConnectionString, $"SELECT count(*) FROM {d.Table}")))).Should().Equal(aBefore);
        // And a second full export from A merged into B finds no deletions either.
        var x2 = await ExportAsync(a.ConnectionString, File("x2.tar.gz"));
        var again = await ImportAsync(b, x2, new ImportOptions(ImportMode.Merge, ApplyDeletes: true));
        again.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", again.Errors));
        again.Tables.Values.Should().OnlyContain(t => t.Deleted == 0 && t.DeletedThere == 0);
    }

    [Fact]
    public async Task Unknown_names_a_base_and_a_bad_since_are_typed_errors_and_nothing_is_written()
    {
        var result = await FilteredAsync(a.ConnectionString, File("unknown.tar.gz"), new ExportFilter(Projects: [_project, "no_such_project"], Users: ["nobody@example.com"]));

        result.Succeeded.Should().BeFalse();
        result.Issues.Where(i => i.Code == IssueCode.FilterUnknown).Select(i => i.Key).Should().BeEquivalentTo("no_such_project", "nobody@example.com");
        System.IO.File.Exists(File("unknown.tar.gz")).Should().BeFalse();

        var x = await ExportAsync(a.ConnectionString, File("base.tar.gz"));
        var withBase = await FilteredAsync(a.ConnectionString, File("b.tar.gz"), new ExportFilter(Projects: [_project]), new ExportOptions { Base = x });
        withBase.Issues.Should().ContainSingle(i => i.Code == IssueCode.FilterWithBase);

        ExportSince.TryParse("yesterday", DateTimeOffset.UtcNow, out _, out var error).Should().BeFalse();
        error.Should().Contain("yesterday");
        ExportSince.TryParse("2999-01-01", DateTimeOffset.UtcNow, out _, out _).Should().BeFalse("a moment in the future");
    }

    [Fact]
    public async Task Parents_in_a_table_left_out_are_kept_and_said_so()
    {
        var result = await FilteredAsync(a.ConnectionString, File("excl.tar.gz"), new ExportFilter(Projects: [_project]), new ExportOptions(Exclude: ["users"]));

        result.Succeeded.Should().BeTrue(string.Join("\n", result.Issues));
        var users = result.Manifest!.Filter!.Tables.Single(t => t.Name == "users");
        users.Reasons.Should().OnlyContain(r => r.Reason.StartsWith("pulled in by "));
        // Every member of the project is there (as the memberships' parent), though users are left out.
        users.Rows.Should().BeGreaterThanOrEqualTo(await CountAsync(a.ConnectionString,
            $"SELECT count(*) FROM project_members m JOIN projects p ON p.id = m.project_id WHERE p.domaincode = '{_project}'"));
        users.Rows.Should().BeGreaterThan(0);
        result.Issues.Should().ContainSingle(i => i.Code == IssueCode.ExcludedParentsKept && i.Table == "users");
    }
}
