using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Format.Original;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using Npgsql;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Format;

/// <summary>
/// The original format carries no ids for tags, events and posts, yet events' and posts' tags_ids (ids) and
/// tags_display (names, localised) pin tag ids to tags, and the platform's trigger makes tags_ids exactly the row's
/// junction links: what that proves is recovered, and nothing else.
/// </summary>
public sealed class OriginalLinkRecoveryTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();
    public Task DisposeAsync() => Task.CompletedTask;

    private static string Sample => ReferenceFiles.Path("samples/original-sample.tar.gz");

    [ReferenceFact]
    public async Task Reading_the_sample_pins_all_nine_tag_ids_to_the_names_of_the_source_dump()
    {
        var dump = SourceDump.Load();
        var (rows, issues) = await ReadAsync(Sample);

        var pinned = rows["tags"].Select(Parse).Where(t => t.TryGetProperty("id", out _))
            .ToDictionary(t => t.GetProperty("id").GetInt64(), t => t.GetProperty("name").GetString()!);
        pinned.Should().BeEquivalentTo(dump.Tags);
        pinned.Should().HaveCount(9);

        issues.Should().Contain(i => i.Code == IssueCode.LinkRecovered && i.Table == "tags" && i.Message.Contains("9 of 9"));
        issues.Should().NotContain(i => i.Severity == IssueSeverity.Error);
    }

    [ReferenceFact]
    public async Task Reading_the_sample_names_every_junction_row_by_natural_keys_equal_to_the_source_dump()
    {
        var dump = SourceDump.Load();
        var (rows, issues) = await ReadAsync(Sample);

        RefPairs(rows["events_tags"], "event_id", "tag_id").Should().BeEquivalentTo(dump.EventsTags);
        RefPairs(rows["posts_tags"], "post_id", "tag_id").Should().BeEquivalentTo(dump.PostsTags);
        dump.EventsTags.Should().HaveCount(17);
        dump.PostsTags.Should().HaveCount(13);

        // created_at comes from the file's own row of that link (the pairing is unambiguous in the sample).
        var woyzeckTanz = rows["events_tags"].Select(Parse).Single(r => Ref(r, "event_id", "xmlid") == "theater_am_anger.event_premiere_woyzeck"
                                                                        && Ref(r, "tag_id", "name") == "tanztheater");
        woyzeckTanz.GetProperty("created_at").GetString().Should().Be("2025-10-20T09:10:01");

        // Events and posts whose tag set is unique get their proven source id; the post without tags cannot.
        var eventIds = rows["events"].Select(Parse).Where(e => e.TryGetProperty("id", out _))
            .ToDictionary(e => e.GetProperty("xmlid").GetString()!, e => e.GetProperty("id").GetInt64());
        eventIds.Should().BeEquivalentTo(dump.Events);
        var postIds = rows["posts"].Select(Parse).Where(e => e.TryGetProperty("id", out _))
            .ToDictionary(e => e.GetProperty("xmlid").GetString()!, e => e.GetProperty("id").GetInt64());
        postIds.Should().BeEquivalentTo(dump.Posts.Where(p => p.Value != 8).ToDictionary());

        issues.Should().Contain(i => i.Code == IssueCode.LinkRecovered && i.Table == "events_tags" && i.Message.Contains("17 of 17"));
        issues.Should().Contain(i => i.Code == IssueCode.LinkRecovered && i.Table == "posts_tags" && i.Message.Contains("13 of 13"));
        issues.Should().Contain(i => i.Code == IssueCode.LinkNotRecovered && i.Table == "event_instructors" && i.Message.Contains("14")
                                     && i.Message.Contains("instructor"));
        rows["event_instructors"].Select(Parse).Should().OnlyContain(r => !HasProperty(r, "$ref"));
    }

    [ReferenceFact]
    public async Task Importing_the_sample_restores_the_source_tag_links_of_every_imported_event_and_post()
    {
        var dump = SourceDump.Load();

        var result = await BackupImporter.ImportFileAsync(database.ConnectionString, Sample, new ImportOptions(ImportMode.NewOnly));

        result.Errors.Should().BeEmpty(string.Join("\n", result.Errors));
        result.Outcome.Should().Be(ImportOutcome.AppliedWithSkips);
        var imported = (await ListAsync("SELECT xmlid FROM events")).ToHashSet();
        imported.Should().HaveCountGreaterThanOrEqualTo(3);
        (await PairsAsync("SELECT e.xmlid, t.name FROM events_tags x JOIN events e ON e.id = x.event_id JOIN tags t ON t.id = x.tag_id"))
            .Should().BeEquivalentTo(dump.EventsTags.Where(p => imported.Contains(p.Parent)));
        (await PairsAsync("SELECT p.xmlid, t.name FROM posts_tags x JOIN posts p ON p.id = x.post_id JOIN tags t ON t.id = x.tag_id"))
            .Should().BeEquivalentTo(dump.PostsTags);
        result.Tables["posts_tags"].Inserted.Should().Be(13);
        result.Tables["events_tags"].Inserted.Should().Be(dump.EventsTags.Count(p => imported.Contains(p.Parent)));

        // The cached arrays are what the platform's own functions compute from the links.
        (await ListAsync("""
            SELECT xmlid FROM events e WHERE e.tags_ids IS DISTINCT FROM event_tag_ids(e.id)
                OR e.tags_display IS DISTINCT FROM event_tag_labels(e.id, e.lang)
            UNION ALL
            SELECT xmlid FROM posts p WHERE p.tags_ids IS DISTINCT FROM post_tag_ids(p.id)
                OR p.tags_display IS DISTINCT FROM post_tag_labels(p.id, p.lang)
            """)).Should().BeEmpty();
        (await ScalarAsync(database.ConnectionString, "SELECT tags_display::text FROM events WHERE xmlid = 'buehne_frei_augsburg.event_gastspiel_plzen'"))
            .Should().Be("{Dítě,\"Loutkové divadlo\"}");

        // Tasks that point at a proven event or post keep that link.
        (await ScalarAsync(database.ConnectionString, """
            SELECT t.record_id = p.id::text FROM tasks t, posts p WHERE t.id = 'Tk5sG1oE7yU3iP9aD2rWx' AND p.xmlid = 'buehne_frei_augsburg.post_spielplan'
            """)).Should().Be(true);
        (await ScalarAsync(database.ConnectionString, """
            SELECT t.record_id = e.id::text FROM tasks t, events e WHERE t.id = 'Vd0cY3uJ6eTq1NsAa5GkM' AND e.xmlid = 'kinderzirkus_sonnenschein.event_ferienzirkus'
            """)).Should().Be(true);
        result.Warnings.Should().Contain(w => w.Code == IssueCode.LinkRecovered && w.Table == "events_tags");
    }

    [Fact]
    public async Task Tags_that_every_consistent_assignment_does_not_agree_on_stay_unpinned_and_their_links_are_not_guessed()
    {
        var dir = Directory.CreateTempSubdirectory("crearis-links-");
        try
        {
            var file = Path.Combine(dir.FullName, "ambiguous.tar.gz");
            await AmbiguousBackup.WriteAsync(file);

            var (rows, issues) = await ReadAsync(file);

            // alpha and beta always appear together, with their own labels: ids 1 and 2 could be either. gamma is
            // forced (id 3); delta is never used, so nothing names its id.
            rows["tags"].Select(Parse).Where(t => t.TryGetProperty("id", out _))
                .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("id").GetInt64())
                .Should().BeEquivalentTo(new Dictionary<string, long> { ["gamma"] = 3 });
            issues.Should().Contain(i => i.Code == IssueCode.LinkNotRecovered && i.Table == "tags" && i.Key == "alpha" && i.Message.Contains("[1, 2]"));
            issues.Should().Contain(i => i.Code == IssueCode.LinkNotRecovered && i.Table == "tags" && i.Key == "delta" && i.Message.Contains("no event or post lists it"));

            // e1 and e2 have tag sets of their own (their ids are proven); e3 and e4 share {3}, so which file row is
            // whose is not.
            rows["events"].Select(Parse).Where(e => e.TryGetProperty("id", out _))
                .ToDictionary(e => e.GetProperty("xmlid").GetString()!, e => e.GetProperty("id").GetInt64())
                .Should().BeEquivalentTo(new Dictionary<string, long> { ["e1"] = 1, ["e2"] = 2 });

            // (e2, gamma) is paired with its file row. e3's and e4's links are proven by their own tags_ids ([3] = gamma)
            // all the same, so they are named by natural keys only: no raw ids (the file's rows cannot be told apart),
            // and no created_at, as their two candidate rows in the file disagree on it (the target's default applies).
            // The links of alpha and beta stay unresolved: ids 1 and 2 are not pinned.
            RefPairs(rows["events_tags"], "event_id", "tag_id").Should().BeEquivalentTo(new[] { ("e2", "gamma"), ("e3", "gamma"), ("e4", "gamma") });
            var shared = rows["events_tags"].Select(Parse).Where(r => Ref(r, "event_id", "xmlid") is "e3" or "e4").ToList();
            shared.Should().HaveCount(2).And.OnlyContain(r => !HasProperty(r, "event_id") && !HasProperty(r, "tag_id") && !HasProperty(r, "created_at"));
            var paired = rows["events_tags"].Select(Parse).Single(r => Ref(r, "event_id", "xmlid") == "e2");
            paired.GetProperty("event_id").GetInt64().Should().Be(2);
            paired.GetProperty("created_at").GetString().Should().Be("2025-10-05T10:00:00");
            issues.Should().Contain(i => i.Code == IssueCode.LinkRecovered && i.Table == "events_tags" && i.Message.Contains("3 of 7")
                                         && i.Message.Contains("1 paired with") && i.Message.Contains("2 proven by"));
            var unresolved = issues.Where(i => i.Code == IssueCode.LinkNotRecovered && i.Table == "events_tags").ToList();
            unresolved.Should().NotBeEmpty().And.OnlyContain(i => i.Message.Contains("not pinned"));
            unresolved.Sum(i => int.Parse(i.Message.Split(": ")[1].Split(' ')[0])).Should().Be(4);
            issues.Should().NotContain(i => i.Severity == IssueSeverity.Error);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_row_whose_labels_contradict_its_tag_ids_is_reported_and_proves_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("crearis-links-");
        try
        {
            var file = Path.Combine(dir.FullName, "stale.tar.gz");
            await AmbiguousBackup.WriteAsync(file, staleLabel: true);

            var (rows, issues) = await ReadAsync(file);

            issues.Should().Contain(i => i.Code == IssueCode.TagCacheInconsistent && i.Table == "events" && i.Key == "e5");
            rows["tags"].Select(Parse).Where(t => t.TryGetProperty("id", out _)).Select(t => t.GetProperty("name").GetString())
                .Should().Equal("gamma");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Labels_shared_by_two_tags_pin_nothing_alone_but_a_row_in_another_language_forces_both()
    {
        var dir = Directory.CreateTempSubdirectory("crearis-links-");
        try
        {
            var file = Path.Combine(dir.FullName, "shared-label.tar.gz");
            // x and y both read "Gleich" in German; z reads "Zett". In English (no en label) each shows its name.
            var tags = new JsonArray(
                AmbiguousBackup.Tag("x", new JsonObject { ["de"] = "Gleich" }),
                AmbiguousBackup.Tag("y", new JsonObject { ["de"] = "Gleich" }),
                AmbiguousBackup.Tag("z", new JsonObject { ["de"] = "Zett" }));
            var events = new JsonArray(
                AmbiguousBackup.Event("d1", [1, 2], ["Gleich", "Gleich"]),
                AmbiguousBackup.Event("d2", [1, 2, 3], ["Gleich", "Gleich", "Zett"]),
                AmbiguousBackup.Event("n1", [2], ["y"], lang: "en"));
            await AmbiguousBackup.WriteAsync(file, tags, events, [(1, 1), (1, 2), (2, 1), (2, 2), (2, 3), (3, 2)]);

            var (rows, _) = await ReadAsync(file);

            // n1 says id 2 is y; ids are distinct tags and d1 needs two "Gleich" tags, so id 1 is x; d2 leaves z for 3.
            rows["tags"].Select(Parse).ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("id").GetInt64())
                .Should().BeEquivalentTo(new Dictionary<string, long> { ["x"] = 1, ["y"] = 2, ["z"] = 3 });
            RefPairs(rows["events_tags"], "event_id", "tag_id").Should().BeEquivalentTo(new[]
            {
                ("d1", "x"), ("d1", "y"), ("d2", "x"), ("d2", "y"), ("d2", "z"), ("n1", "y"),
            });
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Links_of_events_sharing_a_tag_set_are_named_by_natural_keys_and_keep_created_at_only_where_all_candidates_agree()
    {
        var dir = Directory.CreateTempSubdirectory("crearis-links-");
        try
        {
            var file = Path.Combine(dir.FullName, "shared-set.tar.gz");
            await SharedSetBackup.WriteAsync(file);

            var (rows, issues) = await ReadAsync(file);

            rows["tags"].Select(Parse).ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("id").GetInt64())
                .Should().BeEquivalentTo(new Dictionary<string, long> { ["alpha"] = 1, ["beta"] = 2 });
            var links = rows["events_tags"].Select(Parse).ToList();
            RefPairs(rows["events_tags"], "event_id", "tag_id").Should().BeEquivalentTo(new[]
            {
                ("a1", "alpha"), ("a2", "alpha"), ("a2", "beta"), ("a3", "alpha"), ("a3", "beta"),
            });
            // a1's tag set is its own: its file row is paired, raw ids and created_at included.
            var a1 = links.Single(r => Ref(r, "event_id", "xmlid") == "a1");
            a1.GetProperty("event_id").GetInt64().Should().Be(1);
            a1.GetProperty("created_at").GetString().Should().Be("2025-09-01T08:00:00");
            // a2 and a3 share {alpha, beta}: their links are named by natural keys only. Both candidate rows of alpha
            // carry the same created_at, so it is taken; those of beta disagree, so created_at is left to the target.
            var sharedLinks = links.Where(r => Ref(r, "event_id", "xmlid") is "a2" or "a3").ToList();
            sharedLinks.Should().HaveCount(4).And.OnlyContain(r => !HasProperty(r, "event_id") && !HasProperty(r, "tag_id"));
            sharedLinks.Where(r => Ref(r, "tag_id", "name") == "alpha").Select(r => r.GetProperty("created_at").GetString())
                .Should().Equal("2025-09-02T08:00:00", "2025-09-02T08:00:00");
            sharedLinks.Where(r => Ref(r, "tag_id", "name") == "beta").Should().OnlyContain(r => !HasProperty(r, "created_at"));

            issues.Should().Contain(i => i.Code == IssueCode.LinkRecovered && i.Table == "events_tags" && i.Message.Contains("5 of 5")
                                         && i.Message.Contains("1 paired with") && i.Message.Contains("4 proven by")
                                         && i.Message.Contains("2 of them"));
            issues.Should().NotContain(i => i.Code == IssueCode.LinkNotRecovered && i.Table == "events_tags");
            // Their source ids stay unknown (links to them by id cannot be resolved), and that is still said.
            issues.Should().Contain(i => i.Code == IssueCode.LinkNotRecovered && i.Table == "events" && i.Message.Contains("a2") && i.Message.Contains("a3"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Importing_links_of_events_sharing_a_tag_set_links_them_by_natural_keys()
    {
        var dir = Directory.CreateTempSubdirectory("crearis-links-");
        try
        {
            var file = Path.Combine(dir.FullName, "shared-set.tar.gz");
            // As the exporter writes it: with the empty posts_tags and event_instructors.
            await SharedSetBackup.WriteAsync(file);
            // The hand-made file's events refer to tables it lacks (projects, images, …), so the events are already in
            // the target and only tags and their links are imported; the events are found by xmlid.
            await ExecuteAsync(database.ConnectionString, """
                INSERT INTO events (xmlid, name, status, lang) VALUES ('a3', 'a3', 'draft', 'de'), ('a1', 'a1', 'draft', 'de'), ('a2', 'a2', 'draft', 'de')
                """);

            var result = await BackupImporter.ImportFileAsync(database.ConnectionString, file,
                new ImportOptions(ImportMode.NewOnly, Tables: ["tags", "events_tags"]));

            result.Errors.Should().BeEmpty(string.Join("\n", result.Errors));
            result.Tables["events_tags"].Inserted.Should().Be(5);
            (await PairsAsync("SELECT e.xmlid, t.name FROM events_tags x JOIN events e ON e.id = x.event_id JOIN tags t ON t.id = x.tag_id"))
                .Should().BeEquivalentTo(new[] { ("a1", "alpha"), ("a2", "alpha"), ("a2", "beta"), ("a3", "alpha"), ("a3", "beta") });
            (await ListAsync("""
                SELECT e.xmlid || '/' || t.name || '=' || x.created_at::text FROM events_tags x JOIN events e ON e.id = x.event_id JOIN tags t ON t.id = x.tag_id
                 WHERE t.name = 'alpha' ORDER BY 1
                """)).Should().Equal("a1/alpha=2025-09-01 08:00:00", "a2/alpha=2025-09-02 08:00:00", "a3/alpha=2025-09-02 08:00:00");
            // The beta links' rows leave created_at out (their file rows disagree): the column's default applies.
            (await ListAsync("SELECT count(*)::text FROM events_tags WHERE created_at IS NULL")).Should().Equal("0");
            // The platform's trigger recomputed the events' caches from the links.
            (await ListAsync("SELECT xmlid || ':' || array_to_string(tags_display, ',') FROM events ORDER BY xmlid"))
                .Should().Equal("a1:Alpha", "a2:Alpha,Beta", "a3:Alpha,Beta");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_link_proven_twice_is_emitted_once()
    {
        var dir = Directory.CreateTempSubdirectory("crearis-links-");
        try
        {
            var file = Path.Combine(dir.FullName, "twice.tar.gz");
            // A contradictory file: a1 twice, once with a tag set of its own ({1}, paired with its file row) and once
            // sharing {1, 2} with a2. (a1, alpha) is proven by both; it is emitted once, by the pairing.
            var tags = new JsonArray(
                AmbiguousBackup.Tag("alpha", new JsonObject { ["de"] = "Alpha" }), AmbiguousBackup.Tag("beta", new JsonObject { ["de"] = "Beta" }));
            var events = new JsonArray(
                AmbiguousBackup.Event("a1", [1], ["Alpha"]),
                AmbiguousBackup.Event("a2", [1, 2], ["Alpha", "Beta"]),
                AmbiguousBackup.Event("a1", [1, 2], ["Alpha", "Beta"]));
            await AmbiguousBackup.WriteAsync(file, tags, events, [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2)]);

            var (rows, issues) = await ReadAsync(file);

            var pairs = RefPairs(rows["events_tags"], "event_id", "tag_id");
            pairs.Should().OnlyHaveUniqueItems();
            pairs.Should().BeEquivalentTo(new[] { ("a1", "alpha"), ("a2", "alpha"), ("a2", "beta"), ("a1", "beta") });
            rows["events_tags"].Select(Parse).Single(r => Ref(r, "event_id", "xmlid") == "a1" && Ref(r, "tag_id", "name") == "alpha")
                .GetProperty("event_id").GetInt64().Should().Be(1);
            issues.Should().Contain(i => i.Code == IssueCode.LinkNotRecovered && i.Table == "events_tags" && i.Message.Contains("1 row(s)")
                                         && i.Message.Contains("(a1, alpha)"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // ---------------------------------------------------------------- helpers

    private async Task<(Dictionary<string, List<BackupRow>> Rows, IReadOnlyList<BackupIssue> Issues)> ReadAsync(string file)
    {
        DatabaseCatalog catalog;
        await using (var conn = new NpgsqlConnection(database.ConnectionString))
        {
            await conn.OpenAsync();
            catalog = await DatabaseCatalog.ReadAsync(conn);
        }
        var opened = await OriginalBackupReader.OpenAsync(file, catalog);
        opened.Source.Should().NotBeNull(string.Join("\n", opened.Issues));
        await using var source = opened.Source!;
        var rows = new Dictionary<string, List<BackupRow>>();
        foreach (var table in source.Summary.Tables.Select(t => t.Table))
        {
            var list = new List<BackupRow>();
            await foreach (var row in source.ReadRowsAsync(table)) list.Add(row);
            rows[table] = list;
        }
        return (rows, source.Issues);
    }

    // Assertion predicates are expression trees, which cannot hold an out discard.
    private static bool HasProperty(JsonElement row, string name) => row.TryGetProperty(name, out _);

    private static JsonElement Parse(BackupRow row) => JsonSerializer.Deserialize<JsonElement>(row.Json);

    private static string? Ref(JsonElement row, string column, string key) =>
        row.TryGetProperty("$ref", out var refs) && refs.TryGetProperty(column, out var target) && target.TryGetProperty(key, out var value)
            ? value.GetString()
            : null;

    private static List<(string, string)> RefPairs(List<BackupRow> rows, string parentColumn, string tagColumn) =>
        rows.Select(Parse).Where(r => r.TryGetProperty("$ref", out _))
            .Select(r => (Ref(r, parentColumn, "xmlid")!, Ref(r, tagColumn, "name")!)).ToList();

    private async Task<List<string>> ListAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await reader.ReadAsync()) list.Add(reader.GetString(0));
        return list;
    }

    private async Task<List<(string, string)>> PairsAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var list = new List<(string, string)>();
        while (await reader.ReadAsync()) list.Add((reader.GetString(0), reader.GetString(1)));
        return list;
    }

    /// <summary>The source database of the sample, read from its pg_dump independently of the code under test.</summary>
    private sealed record SourceDump(
        Dictionary<long, string> Tags, Dictionary<string, long> Events, Dictionary<string, long> Posts,
        List<(string Parent, string Tag)> EventsTags, List<(string Parent, string Tag)> PostsTags)
    {
        public static SourceDump Load()
        {
            var lines = File.ReadAllLines(ReferenceFiles.Path("samples/original-sample-source-data.sql"));
            var tags = Copy(lines, "tags").ToDictionary(r => long.Parse(r["id"]), r => r["name"]);
            var events = Copy(lines, "events").ToDictionary(r => r["xmlid"], r => long.Parse(r["id"]));
            var posts = Copy(lines, "posts").ToDictionary(r => r["xmlid"], r => long.Parse(r["id"]));
            var eventXmlids = events.ToDictionary(e => e.Value, e => e.Key);
            var postXmlids = posts.ToDictionary(e => e.Value, e => e.Key);
            return new SourceDump(tags, events, posts,
                Copy(lines, "events_tags").Select(r => (eventXmlids[long.Parse(r["event_id"])], tags[long.Parse(r["tag_id"])])).ToList(),
                Copy(lines, "posts_tags").Select(r => (postXmlids[long.Parse(r["post_id"])], tags[long.Parse(r["tag_id"])])).ToList());
        }

        // COPY public.t (a, b, …) FROM stdin; then tab-separated rows up to "\.".
        private static List<Dictionary<string, string>> Copy(string[] lines, string table)
        {
            var start = Array.FindIndex(lines, l => l.StartsWith($"COPY public.{table} (", StringComparison.Ordinal));
            start.Should().BeGreaterThanOrEqualTo(0, $"the dump holds a COPY block for {table}");
            var open = lines[start].IndexOf('(');
            var columns = lines[start][(open + 1)..lines[start].IndexOf(')')].Split(", ");
            var rows = new List<Dictionary<string, string>>();
            for (var i = start + 1; lines[i] != "\\."; i++)
            {
                var values = lines[i].Split('\t');
                rows.Add(columns.Zip(values).ToDictionary(p => p.First, p => p.Second));
            }
            return rows;
        }
    }

    /// <summary>
    /// A small original-format tarball written by hand: tags alpha/beta/gamma/delta and events whose caches leave
    /// alpha and beta interchangeable, gamma forced, delta unused, and two events (e3, e4) with the same tag set.
    /// </summary>
    private static class AmbiguousBackup
    {
        public static Task WriteAsync(string path, bool staleLabel = false)
        {
            JsonObject I18n(string de) => new() { ["de"] = de };
            var tags = new JsonArray(
                Tag("alpha", I18n("Alpha")), Tag("beta", I18n("Beta")), Tag("gamma", I18n("Gamma")), Tag("delta", I18n("Delta")));
            var events = new JsonArray(
                Event("e1", [1, 2], ["Alpha", "Beta"]),
                Event("e2", [1, 2, 3], ["Alpha", "Beta", "Gamma"]),
                Event("e3", [3], ["Gamma"]),
                Event("e4", [3], ["Gamma"]));
            var links = new List<(int Event, int Tag)> { (1, 1), (1, 2), (2, 1), (2, 2), (2, 3), (3, 3), (4, 3) };
            if (staleLabel)
            {
                // Renamed after its cache was computed: "Omega" is nobody's label, so the row proves nothing.
                events.Add(Event("e5", [4], ["Omega"]));
                links.Add((5, 4));
            }
            return WriteAsync(path, tags, events, links);
        }

        /// <summary>Any hand-made tags + events (with events_tags) backup of the original format, checksums included.</summary>
        /// <param name="createdAt">Each link's created_at, else one per row (2025-10-01, -02, …).</param>
        /// <param name="emptyDetails">Whether the file also holds the (empty) posts_tags and event_instructors, as the exporter writes them.</param>
        public static async Task WriteAsync(string path, JsonArray tags, JsonArray events, List<(int Event, int Tag)> links,
            IReadOnlyList<string>? createdAt = null, bool emptyDetails = true)
        {
            var eventsTags = new JsonArray(links.Select((l, i) => (JsonNode)new JsonObject
            {
                ["event_id"] = l.Event, ["tag_id"] = l.Tag, ["created_at"] = createdAt?[i] ?? $"2025-10-0{1 + i % 9}T10:00:00.000Z",
            }).ToArray());

            var files = new Dictionary<string, string>
            {
                ["tags.json"] = Table("tags", ["name", "description", "name_i18n", "desc_i18n"], tags,
                    new JsonArray([Detail("events_tags", "tag_id", ["event_id", "tag_id", "created_at"], eventsTags),
                                   .. emptyDetails ? [Detail("posts_tags", "tag_id", ["post_id", "tag_id", "created_at"], [])] : Array.Empty<JsonNode>()])),
                ["events.json"] = Table("events", ["xmlid", "name", "status", "lang", "tags_ids", "tags_display"], events,
                    new JsonArray([.. emptyDetails ? [Detail("event_instructors", "event_id", ["event_id", "instructor_id", "added_at"], [])] : Array.Empty<JsonNode>()])),
            };
            var index = new JsonObject
            {
                ["metadata"] = new JsonObject { ["timestamp"] = "2026-01-01T00:00:00.000Z", ["database"] = "test.db", ["version"] = "1.0" },
                ["entities"] = new JsonArray("tags", "events"),
                ["files"] = new JsonObject { ["tags"] = "tags.json", ["events"] = "events.json" },
                ["tarballName"] = "backup_test.db_1.tar.gz",
                ["checksums"] = new JsonObject(files.Select(f => KeyValuePair.Create(f.Key,
                    (JsonNode?)Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(f.Value)))))),
            };
            files["index.json"] = index.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

            await using var output = File.Create(path);
            await using var gzip = new GZipStream(output, CompressionLevel.Fastest);
            await using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
            foreach (var (name, text) in files)
            {
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "./" + name)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
                });
            }
        }

        public static JsonObject Tag(string name, JsonObject i18n) =>
            new() { ["name"] = name, ["description"] = null, ["name_i18n"] = i18n, ["desc_i18n"] = null };

        public static JsonObject Event(string xmlid, int[] ids, string[] display, string lang = "de") => new()
        {
            ["xmlid"] = xmlid, ["name"] = xmlid, ["status"] = "draft", ["lang"] = lang,
            ["tags_ids"] = new JsonArray(ids.Select(i => (JsonNode)i).ToArray()),
            ["tags_display"] = new JsonArray(display.Select(d => (JsonNode)d).ToArray()),
        };

        private static JsonObject Detail(string name, string parentKey, string[] columns, JsonArray rows) => new()
        {
            ["tableName"] = name, ["parentKey"] = parentKey, ["rowCount"] = rows.Count,
            ["columns"] = new JsonArray(columns.Select(c => (JsonNode)c).ToArray()), ["rows"] = rows,
        };

        private static string Table(string name, string[] columns, JsonArray rows, JsonArray details) => new JsonObject
        {
            ["tableName"] = name, ["rowCount"] = rows.Count,
            ["columns"] = new JsonArray(columns.Select(c => (JsonNode)c).ToArray()), ["rows"] = rows, ["detailTables"] = details,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// Tags alpha and beta, pinned by a1 ({alpha}) and a2 ({alpha, beta}); a2 and a3 share {alpha, beta}. The file's two
    /// candidate rows for alpha in that set agree on created_at, those for beta do not.
    /// </summary>
    private static class SharedSetBackup
    {
        /// <param name="emptyDetails">False for importing: the importer cannot map an empty posts_tags or event_instructors whose parents (posts, instructors) the file lacks.</param>
        public static Task WriteAsync(string path, bool emptyDetails = true)
        {
            var tags = new JsonArray(
                AmbiguousBackup.Tag("alpha", new JsonObject { ["de"] = "Alpha" }), AmbiguousBackup.Tag("beta", new JsonObject { ["de"] = "Beta" }));
            var events = new JsonArray(
                AmbiguousBackup.Event("a1", [1], ["Alpha"]),
                AmbiguousBackup.Event("a2", [1, 2], ["Alpha", "Beta"]),
                AmbiguousBackup.Event("a3", [1, 2], ["Alpha", "Beta"]));
            return AmbiguousBackup.WriteAsync(path, tags, events, [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2)],
                ["2025-09-01T08:00:00.000Z", "2025-09-02T08:00:00.000Z", "2025-09-03T08:00:00.000Z", "2025-09-02T08:00:00.000Z", "2025-09-04T08:00:00.000Z"],
                emptyDetails);
        }
    }
}
