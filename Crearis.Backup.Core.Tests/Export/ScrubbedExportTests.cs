using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Export.Scrubbing;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Ledger;
using Crearis.Backup.Core.Results;
using Npgsql;
using Xunit.Abstractions;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Export;

/// <summary>
/// Scrubbed copies (issue 11, point 3): A (demo data plus one address repeated across tables, json and text) is
/// exported with --scrub. What the file holds is checked against A's own values read with SQL, and the expected
/// pseudonyms are computed here from the spec (HMAC-SHA256 over "email\n" + address, 128 bits in base32 under
/// example.org), never taken from the code under test. The file is imported into empty databases to let PostgreSQL
/// check every constraint and to follow every link by natural key.
/// </summary>
public sealed class ScrubbedExportTests(CrearisDatabaseFixture a, ITestOutputHelper output) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string KeyText = "test-scrub-key-0123456789abcdef";
    private const string OtherKeyText = "another-scrub-key-fedcba9876543210";
    // The platform's users_sysmail_check / users_extmail_check pattern (003_tables.sql).
    private const string CheckPattern = "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$";

    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-scrub-").FullName;
    private readonly List<string> _databases = [];
    private string _shared = "";

    public async Task InitializeAsync()
    {
        await a.ResetWithDemoDataAsync(300, seed: 31);
        await ExecuteAsync(a.ConnectionString, "DROP SCHEMA IF EXISTS crearis_admin CASCADE");
        // One user's address, repeated: as an instructor's e-mail, an interaction's sender, inside the interaction's
        // jsonb form (by member and in a sentence), in its message text and in a project's public description.
        _shared = (string)(await ScalarAsync(a.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
        await ExecuteAsync(a.ConnectionString, $"""
            UPDATE instructors SET email = '{_shared}' WHERE id = (SELECT min(id) FROM instructors);
            UPDATE interactions SET from_mail = '{_shared}',
                fields = jsonb_build_object('email', '{_shared}', 'note', 'write to {_shared} soon', 'deep', jsonb_build_array(jsonb_build_object('cc', '{_shared}'))),
                md = 'Please answer to {_shared}, thanks'
             WHERE id = (SELECT min(id) FROM interactions);
            UPDATE projects SET description = 'Kontakt: {_shared}.' WHERE id = (SELECT min(id) FROM projects);
            """);
    }

    public async Task DisposeAsync()
    {
        foreach (var database in _databases) await TestPostgres.DropDatabaseAsync(database);
        Directory.Delete(_folder, recursive: true);
    }

    private string File(string name) => Path.Combine(_folder, name);

    private static ScrubKey Key(string text) => ScrubKey.FromText(text, "test").Key!;

    /// <summary>The spec'd e-mail pseudonym, computed independently of the scrubber.</summary>
    private static string Pseudonym(string key, string email)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes("email\n" + email));
        // RFC 4648 base32 of the first 16 bytes, lower case, no padding: 26 characters (the last one holds 3 bits).
        var bits = string.Concat(mac.Take(16).Select(b => Convert.ToString(b, 2).PadLeft(8, '0'))).PadRight(130, '0');
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        return string.Concat(Enumerable.Range(0, 26).Select(i => alphabet[Convert.ToInt32(bits.Substring(i * 5, 5), 2)])) + "@example.org";
    }

    private async Task<string> NewDatabaseAsync(string prefix)
    {
        var (_, cs) = await TestPostgres.CreateCrearisDatabaseAsync(prefix);
        _databases.Add(cs);
        return cs;
    }

    private async Task<string> ScrubbedExportAsync(string name, string key = KeyText, ExportOptions? options = null) =>
        await ExportAsync(a.ConnectionString, File(name), (options ?? new ExportOptions()) with { Scrub = Key(key) });

    private static async Task<List<string[]>> RowsAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : reader.GetValue(i).ToString()!).ToArray());
        return rows;
    }

    /// <summary>Every member of the archive, decompressed, as text.</summary>
    private static async Task<Dictionary<string, string>> MembersAsync(string file)
    {
        var members = new Dictionary<string, string>();
        await using var input = System.IO.File.OpenRead(file);
        await using var gunzip = new GZipStream(input, CompressionMode.Decompress);
        await using var reader = new TarReader(gunzip);
        while (await reader.GetNextEntryAsync(copyData: false) is { } entry)
            if (entry.DataStream is not null) members[entry.Name] = await new StreamReader(entry.DataStream).ReadToEndAsync();
        return members;
    }

    [Fact]
    public async Task No_personal_value_of_the_source_appears_anywhere_in_the_file()
    {
        var file = await ScrubbedExportAsync("scrubbed.tar.gz");

        var members = await MembersAsync(file);
        var text = string.Join("\n", members.Values);
        var personal = (await RowsAsync(a.ConnectionString, """
            SELECT sysmail FROM users UNION SELECT extmail FROM users UNION SELECT username FROM users UNION SELECT password FROM users
            UNION SELECT name FROM instructors UNION SELECT email FROM instructors UNION SELECT phone FROM instructors
            UNION SELECT phone FROM locations UNION SELECT email FROM locations UNION SELECT street FROM locations
            UNION SELECT name FROM participants UNION SELECT to_mail FROM interactions UNION SELECT from_mail FROM interactions
            UNION SELECT md FROM interactions UNION SELECT fields->>'name' FROM interactions UNION SELECT fields->>'phone' FROM interactions
            UNION SELECT (author).info FROM images UNION SELECT about FROM images
            """)).Select(r => r[0]).Where(v => v.Length >= 6).ToList();

        personal.Should().HaveCountGreaterThan(100, "the demo data has a good hundred personal values");
        // Each leak named with the member and the text around it.
        personal.Where(text.Contains).SelectMany(v => members.Where(m => m.Value.Contains(v)).Select(m =>
        {
            var at = m.Value.IndexOf(v, StringComparison.Ordinal);
            return $"{m.Key}: …{m.Value[Math.Max(0, at - 60)..Math.Min(m.Value.Length, at + v.Length + 20)]}…";
        })).Should().BeEmpty("no personal value of the source survives scrubbing");
        var manifest = JsonSerializer.Deserialize<BackupManifest>((await MembersAsync(file))["manifest.json"], BackupManifest.Json)!;
        manifest.Scrub!.KeyFingerprint.Should().Be(Key(KeyText).Fingerprint);
        manifest.Scrub.Columns.Should().Contain("users.sysmail", "email").And.Contain("users.password", "secret").And.Contain("interactions.md", "text");
        manifest.Instance.Should().BeNull("a scrubbed copy names no instance, so no merge can find a base for it");
    }

    [Fact]
    public async Task The_scrubbed_file_imports_into_an_empty_database_and_every_link_holds_by_pseudonym()
    {
        var file = await ScrubbedExportAsync("links.tar.gz");
        var target = await NewDatabaseAsync("scrub_links");

        var result = await ImportAsync(target, file, new ImportOptions(ImportMode.NewOnly));

        result.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", result.Errors));
        // Users: the same set, each sysmail and extmail as the spec'd pseudonym of the source's.
        var users = await RowsAsync(a.ConnectionString, "SELECT sysmail, extmail, role, coalesce((SELECT xmlid FROM instructors i WHERE i.id = u.instructor_id), '') FROM users u");
        var expectedUsers = users.Select(u => $"{Pseudonym(KeyText, u[0])}|{(u[1] == "" ? "" : Pseudonym(KeyText, u[1]))}|{u[2]}|{u[3]}");
        (await RowsAsync(target, "SELECT sysmail, extmail, role, coalesce((SELECT xmlid FROM instructors i WHERE i.id = u.instructor_id), ''), password FROM users u"))
            .Select(u => $"{u[0]}|{u[1]}|{u[2]}|{u[3]}").Should().BeEquivalentTo(expectedUsers);
        (await ScalarAsync(target, "SELECT count(*) FROM users WHERE password <> '!scrubbed'")).Should().Be(0L);
        // Links that run through users' natural key: memberships, interactions, tasks' assignees, projects' owners.
        const string members = "SELECT p.domaincode, u.sysmail FROM project_members m JOIN projects p ON p.id = m.project_id JOIN users u ON u.id = m.user_id";
        (await RowsAsync(target, members)).Select(r => $"{r[0]}|{r[1]}").Should().BeEquivalentTo(
            (await RowsAsync(a.ConnectionString, members)).Select(r => $"{r[0]}|{Pseudonym(KeyText, r[1])}"));
        const string interactions = """
            SELECT coalesce(u.sysmail, ''), coalesce(p.domaincode, ''), i.name, i."timestamp"::text
              FROM interactions i LEFT JOIN users u ON u.id = i.user_id LEFT JOIN projects p ON p.id = i.project_id
            """;
        (await RowsAsync(target, interactions)).Select(r => string.Join("|", r)).Should().BeEquivalentTo(
            (await RowsAsync(a.ConnectionString, interactions)).Select(r => $"{(r[0] == "" ? "" : Pseudonym(KeyText, r[0]))}|{r[1]}|{r[2]}|{r[3]}"));
        const string owners = "SELECT p.domaincode, coalesce(u.sysmail, '') FROM projects p LEFT JOIN users u ON u.id = p.owner_id";
        (await RowsAsync(target, owners)).Select(r => $"{r[0]}|{r[1]}").Should().BeEquivalentTo(
            (await RowsAsync(a.ConnectionString, owners)).Select(r => $"{r[0]}|{(r[1] == "" ? "" : Pseudonym(KeyText, r[1]))}"));
    }

    [Fact]
    public async Task One_projects_scrubbed_copy_imports_into_an_empty_database_with_its_members_under_their_pseudonyms()
    {
        // The development copy an admin asks for most: one project, scrubbed (a filter and --scrub together).
        var project = (string)(await ScalarAsync(a.ConnectionString,
            "SELECT p.domaincode FROM projects p WHERE EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id) ORDER BY p.id LIMIT 1"))!;
        var file = await ScrubbedExportAsync("project.tar.gz", options: new ExportOptions { Filter = new(Projects: [project]) });
        var target = await NewDatabaseAsync("scrub_project");

        var result = await ImportAsync(target, file, new ImportOptions(ImportMode.NewOnly));

        result.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", result.Errors));
        var manifest = JsonSerializer.Deserialize<BackupManifest>((await MembersAsync(file))["manifest.json"], BackupManifest.Json)!;
        manifest.Filter!.Projects.Should().Equal(project);
        manifest.Scrub!.KeyFingerprint.Should().Be(Key(KeyText).Fingerprint);
        var members = $"SELECT u.sysmail FROM project_members m JOIN projects p ON p.id = m.project_id JOIN users u ON u.id = m.user_id WHERE p.domaincode = '{project}'";
        (await RowsAsync(target, members)).Select(r => r[0]).Should().BeEquivalentTo(
            (await RowsAsync(a.ConnectionString, members)).Select(r => Pseudonym(KeyText, r[0])));
        // Only the project's users came along (as members and as the parents its rows name), and none under a real address.
        var real = (await RowsAsync(a.ConnectionString, "SELECT sysmail FROM users")).Select(r => r[0]).ToHashSet();
        (await RowsAsync(target, "SELECT sysmail FROM users")).Select(r => r[0]).Should().NotBeEmpty().And.OnlyContain(m => !real.Contains(m));
        (await ScalarAsync(target, "SELECT count(*) FROM users")).Should().BeOfType<long>().Which.Should().BeLessThan((long)(await ScalarAsync(a.ConnectionString, "SELECT count(*) FROM users"))!);
    }

    [Fact]
    public async Task The_same_address_gets_the_same_pseudonym_in_every_table_and_inside_json_and_text()
    {
        var file = await ScrubbedExportAsync("same.tar.gz");
        var target = await NewDatabaseAsync("scrub_same");
        (await ImportAsync(target, file, new ImportOptions(ImportMode.NewOnly))).Outcome.Should().Be(ImportOutcome.Applied);
        var expected = Pseudonym(KeyText, _shared);

        var instructor = (string)(await ScalarAsync(a.ConnectionString, "SELECT xmlid FROM instructors ORDER BY id LIMIT 1"))!;
        (await ScalarAsync(target, "SELECT count(*) FROM users WHERE sysmail = " + Literal(expected))).Should().Be(1L);
        (await ScalarAsync(target, $"SELECT email FROM instructors WHERE xmlid = {Literal(instructor)}")).Should().Be(expected);
        var interaction = (await RowsAsync(target, $"SELECT from_mail, fields->>'email', fields->>'note', fields#>>'{{deep,0,cc}}', md FROM interactions WHERE from_mail = {Literal(expected)} AND fields ? 'note'")).Single();
        interaction[1].Should().Be(expected);
        interaction[2].Should().Be($"write to {expected} soon", "only the address inside an unscrubbed json string is replaced");
        interaction[3].Should().Be(expected);
        interaction[4].Should().Contain(expected).And.NotContain(_shared);
        (await ScalarAsync(target, $"SELECT count(*) FROM projects WHERE description = {Literal($"Kontakt: {expected}.")}")).Should().Be(1L);
    }

    private static string Literal(string value) => "'" + value.Replace("'", "''") + "'";

    [Fact]
    public async Task The_same_key_gives_identical_pseudonyms_and_another_key_different_ones()
    {
        var first = await MembersAsync(await ScrubbedExportAsync("k1.tar.gz"));
        var again = await MembersAsync(await ScrubbedExportAsync("k1-again.tar.gz"));
        var other = await MembersAsync(await ScrubbedExportAsync("k2.tar.gz", OtherKeyText));

        foreach (var table in new[] { "users", "instructors", "locations", "participants", "interactions" })
            again[$"tables/{table}.jsonl"].Should().Be(first[$"tables/{table}.jsonl"], $"{table}: same rows, same key");
        static HashSet<string> Sysmails(string jsonl) => jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("sysmail").GetString()!).ToHashSet();
        var one = Sysmails(first["tables/users.jsonl"]);
        var two = Sysmails(other["tables/users.jsonl"]);
        two.Should().HaveCount(one.Count);
        two.Overlaps(one).Should().BeFalse("another key gives other pseudonyms");
        var shared = (await RowsAsync(a.ConnectionString, "SELECT sysmail FROM users")).Select(r => r[0]);
        two.Should().BeEquivalentTo(shared.Select(s => Pseudonym(OtherKeyText, s)));
    }

    [Fact]
    public async Task A_scrubbed_export_keeps_no_base_and_a_scrubbed_differential_is_refused()
    {
        var full = await ExportAsync(a.ConnectionString, File("real.tar.gz"));
        var exchanges = await ScalarAsync(a.ConnectionString, "SELECT count(*) FROM crearis_admin.sync_exchanges");
        var baseRows = await ScalarAsync(a.ConnectionString, "SELECT count(*) FROM crearis_admin.sync_base_rows");

        await ScrubbedExportAsync("nobase.tar.gz");
        var differential = await BackupExporter.ExportAsync(a.ConnectionString, File("diff.tar.gz"),
            new ExportOptions { Base = full, Scrub = Key(KeyText) });

        (await ScalarAsync(a.ConnectionString, "SELECT count(*) FROM crearis_admin.sync_exchanges")).Should().Be(exchanges, "a scrubbed copy is not in the ledger");
        (await ScalarAsync(a.ConnectionString, "SELECT count(*) FROM crearis_admin.sync_base_rows")).Should().Be(baseRows);
        differential.Succeeded.Should().BeFalse();
        differential.Issues.Single().Code.Should().Be(IssueCode.ScrubNotDifferential);
        System.IO.File.Exists(File("diff.tar.gz")).Should().BeFalse();
    }

    [Fact]
    public async Task Two_users_whose_pseudonyms_collide_fail_the_export_and_no_file_is_written()
    {
        // Four bits per pseudonym (tests only): among 300 users two share one.
        var result = await BackupExporter.ExportAsync(a.ConnectionString, File("collide.tar.gz"),
            new ExportOptions { Scrub = Key(KeyText), ScrubEmailBits = 4 });

        result.Succeeded.Should().BeFalse();
        var issue = result.Issues.Single();
        issue.Code.Should().Be(IssueCode.ScrubCollision);
        issue.Table.Should().Be("users");
        var sysmails = (await RowsAsync(a.ConnectionString, "SELECT sysmail FROM users")).Select(r => r[0]);
        sysmails.Where(issue.Message.Contains).Should().BeEmpty("the issue never names a real address");
        Directory.GetFiles(_folder).Should().BeEmpty("neither the file nor a partial one stays");
    }

    [Fact]
    public async Task A_production_database_refuses_the_scrubbed_file_and_a_development_one_imports_it()
    {
        var file = await ScrubbedExportAsync("prod.tar.gz");
        var target = await NewDatabaseAsync("scrub_prod");
        (await InstanceMarks.SetAsync(target, InstanceMark.Production)).Mark.Should().Be(InstanceMark.Production);
        var before = await SnapshotAsync(target);

        var dryRun = await ImportAsync(target, file, new ImportOptions(ImportMode.Merge, DryRun: true));
        var import = await ImportAsync(target, file, new ImportOptions(ImportMode.NewOnly));
        foreach (var refused in new[] { dryRun, import })
        {
            refused.Outcome.Should().Be(ImportOutcome.Refused);
            refused.Errors.Single().Code.Should().Be(IssueCode.ScrubbedIntoProduction);
            refused.Errors.Single().Suggestion.Should().Contain("--mark development");
        }
        (await SnapshotAsync(target)).Should().Be(before, "nothing was written");
        // (A dry run moves sequences, so this one comes after the snapshot.)
        var unscrubbed = await ImportAsync(target, await ExportAsync(a.ConnectionString, File("real.tar.gz"), new ExportOptions(Tables: ["tags"])),
            new ImportOptions(ImportMode.NewOnly, DryRun: true));
        unscrubbed.Outcome.Should().Be(ImportOutcome.DryRun, "production takes real backups");

        (await InstanceMarks.SetAsync(target, InstanceMark.Development)).Mark.Should().Be(InstanceMark.Development);
        (await ImportAsync(target, file, new ImportOptions(ImportMode.NewOnly))).Outcome.Should().Be(ImportOutcome.Applied);
        (await InstanceMarks.ReadAsync(target)).Mark.Should().Be(InstanceMark.Development);

        // The development database now holds pseudonyms: its own (unscrubbed) export says so, and production refuses it too.
        var derived = await BackupExporter.ExportAsync(target, File("derived.tar.gz"), new ExportOptions());
        derived.Manifest!.Scrub.Should().BeEquivalentTo(new ManifestScrub { KeyFingerprint = Key(KeyText).Fingerprint, Derived = true });
        var production = await NewDatabaseAsync("scrub_prod2");
        await InstanceMarks.SetAsync(production, InstanceMark.Production);
        var refusedDerived = await ImportAsync(production, File("derived.tar.gz"), new ImportOptions(ImportMode.NewOnly, DryRun: true));
        refusedDerived.Outcome.Should().Be(ImportOutcome.Refused);
        refusedDerived.Errors.Single().Code.Should().Be(IssueCode.ScrubbedIntoProduction);
        (await BackupExporter.ExportAsync(a.ConnectionString, File("source-again.tar.gz"), new ExportOptions(Tables: ["tags"]))).Manifest!.Scrub
            .Should().BeNull("the production source never imported a scrubbed copy");
    }

    [Fact]
    public async Task A_role_that_may_not_read_the_admin_schema_still_exports_scrubbed_and_unscrubbed()
    {
        // The ledger (with its mark columns) exists; the role may read the content and nothing else.
        await InstanceMarks.ReadAsync(a.ConnectionString);
        var role = "reader_" + Guid.NewGuid().ToString("N")[..8];
        var database = new NpgsqlConnectionStringBuilder(a.ConnectionString).Database!;
        await ExecuteAsync(a.ConnectionString, $"""
            CREATE ROLE {role} LOGIN PASSWORD 'reader';
            GRANT CONNECT ON DATABASE "{database}" TO {role};
            GRANT USAGE ON SCHEMA public TO {role};
            GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};
            """);
        var reader = new NpgsqlConnectionStringBuilder(a.ConnectionString) { Username = role, Password = "reader" }.ConnectionString;
        try
        {
            var plain = await BackupExporter.ExportAsync(reader, File("reader.tar.gz"), new ExportOptions());
            var scrubbed = await BackupExporter.ExportAsync(reader, File("reader-scrubbed.tar.gz"), new ExportOptions { Scrub = Key(KeyText) });

            plain.Succeeded.Should().BeTrue(string.Join("\n", plain.Issues));
            plain.Issues.Single().Code.Should().Be(IssueCode.LedgerNotRecorded);
            plain.Manifest!.Scrub.Should().BeNull();
            scrubbed.Succeeded.Should().BeTrue(string.Join("\n", scrubbed.Issues));
            scrubbed.Issues.Should().BeEmpty("a scrubbed copy does not use the ledger at all");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(a.ConnectionString, $"DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }

    [Fact]
    public async Task A_million_users_get_a_million_distinct_pseudonyms_that_match_the_check()
    {
        var million = await NewDatabaseAsync("scrub_million");
        var clock = Stopwatch.StartNew();
        // Without the platform's triggers (a check per row that the generated addresses cannot fail), and the unique
        // keys built once after the rows rather than row by row: only the rows matter here.
        await ExecuteAsync(million, """
            SET session_replication_role = replica;
            ALTER TABLE users DROP CONSTRAINT users_sysmail_key, DROP CONSTRAINT users_extmail_key;
            INSERT INTO users (sysmail, extmail, username, password, role)
            SELECT 'user' || i || '@mail.test', CASE WHEN i % 3 = 0 THEN 'ext' || i || '@other.test' END, 'User ' || i, '$2b$10$x', 'user'
              FROM generate_series(1, 1000000) i;
            ALTER TABLE users ADD CONSTRAINT users_sysmail_key UNIQUE (sysmail), ADD CONSTRAINT users_extmail_key UNIQUE (extmail);
            """);
        output.WriteLine($"1,000,000 users made in {clock.Elapsed.TotalSeconds:F1}s");
        clock.Restart();

        var result = await BackupExporter.ExportAsync(million, File("million.tar.gz"), new ExportOptions(Tables: ["users"]) { Scrub = Key(KeyText) });
        output.WriteLine($"scrubbed export in {clock.Elapsed.TotalSeconds:F1}s");
        result.Succeeded.Should().BeTrue(string.Join("\n", result.Issues));
        clock.Restart();

        // The file's addresses into PostgreSQL, which counts them and applies the platform's CHECK pattern.
        await using var conn = new NpgsqlConnection(million);
        await conn.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE scrubbed (sysmail text, extmail text)", conn)) await create.ExecuteNonQueryAsync();
        await using (var copy = await conn.BeginBinaryImportAsync("COPY scrubbed (sysmail, extmail) FROM STDIN (FORMAT BINARY)"))
        {
            await using var input = System.IO.File.OpenRead(File("million.tar.gz"));
            await using var gunzip = new GZipStream(input, CompressionMode.Decompress);
            await using var tar = new TarReader(gunzip);
            while (await tar.GetNextEntryAsync() is { } entry)
            {
                if (entry.Name != "tables/users.jsonl") continue;
                using var lines = new StreamReader(entry.DataStream!);
                while (await lines.ReadLineAsync() is { } line)
                {
                    using var row = JsonDocument.Parse(line);
                    await copy.StartRowAsync();
                    await copy.WriteAsync(row.RootElement.GetProperty("sysmail").GetString());
                    var ext = row.RootElement.GetProperty("extmail");
                    await copy.WriteAsync(ext.ValueKind == JsonValueKind.Null ? null : ext.GetString());
                }
            }
            await copy.CompleteAsync();
        }
        var counts = (await RowsAsync(million, $"""
            SELECT count(*), count(DISTINCT sysmail), count(*) FILTER (WHERE sysmail ~* '{CheckPattern}'),
                   count(extmail), count(DISTINCT extmail), count(*) FILTER (WHERE extmail ~* '{CheckPattern}'),
                   (SELECT count(*) FROM scrubbed s JOIN scrubbed e ON e.extmail = s.sysmail),
                   count(*) FILTER (WHERE sysmail LIKE '%@mail.test' OR extmail LIKE '%@other.test')
              FROM scrubbed
            """)).Single();
        output.WriteLine($"checked in {clock.Elapsed.TotalSeconds:F1}s");

        counts.Should().Equal("1000000", "1000000", "1000000", "333333", "333333", "333333", "0", "0");
    }
}
