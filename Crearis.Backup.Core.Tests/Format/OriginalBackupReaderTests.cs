using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Format.Original;
using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Backup.Core.Tests.Format;

public sealed class OriginalBackupReaderTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>
{
    private static readonly Dictionary<string, long> SampleRowCounts = new()
    {
        ["tags"] = 9, ["events_tags"] = 17, ["posts_tags"] = 13, ["status"] = 81, ["users"] = 14, ["projects"] = 8,
        ["project_members"] = 17, ["images"] = 10, ["instructors"] = 6, ["locations"] = 5, ["participants"] = 8,
        ["posts"] = 8, ["events"] = 8, ["event_instructors"] = 14, ["interactions"] = 5, ["pages"] = 11, ["tasks"] = 6,
    };

    private static string Sample => ReferenceFiles.Path("samples/original-sample.tar.gz");

    [ReferenceFact]
    public async Task The_sample_verifies_with_its_17_tables_and_their_row_counts()
    {
        var verification = await OriginalBackupReader.VerifyAsync(Sample);

        verification.Issues.Should().BeEmpty();
        verification.IsValid.Should().BeTrue();
        var summary = verification.Summary!;
        summary.Format.Should().Be(BackupFormat.Original);
        summary.CreatedAt.Should().Be(new DateTimeOffset(2026, 11, 24, 6, 2, 52, 412, TimeSpan.Zero));
        summary.SourceDatabase.Should().Be("production.db");
        summary.SchemaFingerprint.Should().BeNull();
        summary.Tables.ToDictionary(t => t.Table, t => t.Rows).Should().BeEquivalentTo(SampleRowCounts);
        summary.Tables.Where(t => !t.HasSourceIds).Select(t => t.Table).Should().BeEquivalentTo(
            new[] { "tags", "instructors", "locations", "participants", "posts", "events", "interactions", "pages" },
            "the original exporter leaves out the id of these tables");
    }

    [ReferenceFact]
    public async Task Every_row_of_every_table_is_accepted_by_jsonb_populate_record_against_our_schema()
    {
        var (summary, rows, _) = await ReadSampleAsync();

        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        foreach (var table in summary.Tables.Select(t => t.Table))
        {
            await using var cmd = new NpgsqlCommand(
                $"SELECT count(*) FROM jsonb_array_elements($1::jsonb) d, jsonb_populate_record(null::public.{table}, d.value) r", conn);
            cmd.Parameters.AddWithValue("[" + string.Join(",", rows[table].Select(r => r.Json)) + "]");

            var accepted = (long)(await cmd.ExecuteScalarAsync())!;

            accepted.Should().Be(SampleRowCounts[table], $"every row of {table} converts");
            rows[table].Select(r => r.Line).Should().Equal(Enumerable.Range(1, rows[table].Count).Select(i => (long)i));
        }
    }

    [ReferenceFact]
    public async Task Values_are_converted_back_to_what_the_column_types_expect()
    {
        var (_, rows, _) = await ReadSampleAsync();

        var dresden = Row(rows, "locations", "xmlid", "oberbayern.location_gastspiel_dresden");
        dresden.GetProperty("zip").GetString().Should().Be("1097", "text columns get the number's token text back");

        var image1 = Row(rows, "images", "id", 1);
        image1.GetProperty("ctags").GetString().Should().Be(@"\x10", "bytea is rendered as to_jsonb renders it");
        Row(rows, "images", "id", 10).GetProperty("rtags").GetString().Should().Be(@"\x0a0b0c");
        image1.GetProperty("author").GetString().Should().Be("(unsplash,photo-1503095396549-807759245b35,kbrenner,,\"Katharina Brenner\",)");
        image1.GetProperty("date").GetString().Should().Be("2025-04-12T18:30:00");

        Row(rows, "users", "id", 1).GetProperty("created_at").GetString().Should().Be("2026-11-24T05:56:51.069");
        Row(rows, "users", "id", 7).GetProperty("created_at").GetString().Should().Be("2025-03-02T09:14:00");

        var tasks = rows["tasks"].Select(r => Parse(r.Json)).ToList();
        tasks.Should().OnlyContain(t => t.GetProperty("record_id").ValueKind == JsonValueKind.String);
        tasks.Select(t => t.GetProperty("record_id").GetString()).Should().Contain("7");
        tasks.Should().NotContain(t => HasProperty(t, "status_display"), "generated columns are left to the target");
        tasks.Select(t => t.GetProperty("updated_at").ValueKind == JsonValueKind.String ? t.GetProperty("updated_at").GetString() : null)
            .Should().Contain("2026-11-24 06:02:36.117608+00", "date strings in text columns stay as they are");

        Row(rows, "posts", "xmlid", "theater_am_anger.post_casting").GetProperty("tag_ids").GetString().Should().Be("2");
        Row(rows, "posts", "xmlid", "oberbayern.post_saisonstart").GetProperty("tag_ids").GetString().Should().Be("2,9");

        // What PostgreSQL makes of them is what counts.
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT r.ctags = '\x10'::bytea, (r.author).adapter::text, (r.author).info, r.created_at
              FROM jsonb_populate_record(null::public.images, $1::jsonb) r
            """, conn);
        cmd.Parameters.AddWithValue(image1.GetRawText());
        await using var reader = await cmd.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetBoolean(0).Should().BeTrue();
        reader.GetString(1).Should().Be("unsplash");
        reader.GetString(2).Should().Be("Katharina Brenner");
        reader.GetDateTime(3).Should().Be(new DateTime(2025, 4, 12, 19, 0, 0));
    }

    [ReferenceFact]
    public async Task Zip_codes_that_the_exporter_turned_into_numbers_produce_a_lossy_text_number_warning()
    {
        var (_, _, issues) = await ReadSampleAsync();

        var zip = issues.Should().ContainSingle(i => i.Code == IssueCode.LossyTextNumber && i.Table == "locations" && i.Column == "zip").Which;
        zip.Severity.Should().Be(IssueSeverity.Warning);
        zip.Message.Should().Contain("locations.zip").And.Contain("5 values").And.Contain("oberbayern.location_gastspiel_dresden: 1097");
        zip.Suggestion.Should().NotBeNullOrEmpty();
        issues.Should().NotContain(i => i.Severity == IssueSeverity.Error);
        issues.Should().NotContain(i => i.Code == IssueCode.UnknownColumn, "every exported column exists in our schema");
    }

    [ReferenceFact]
    public async Task Users_rows_carry_ref_instructor_xmlids_for_exactly_the_three_linked_users()
    {
        var (_, rows, _) = await ReadSampleAsync();

        var users = rows["users"].Select(r => Parse(r.Json)).ToList();
        var links = users
            .Where(u => u.TryGetProperty("$ref", out _))
            .ToDictionary(u => u.GetProperty("sysmail").GetString()!,
                u => u.GetProperty("$ref").GetProperty("instructor_id").GetProperty("xmlid").GetString());

        links.Should().BeEquivalentTo(new Dictionary<string, string?>
        {
            ["katharina.brenner@theaterpedia.org"] = "oberbayern.instructor_katharina_brenner",
            ["jonas.weidinger@theaterpedia.org"] = "theater_am_anger.instructor_jonas_weidinger",
            ["mira.hofstetter@theaterpedia.org"] = "forumtheater_praxis.instructor_mira_hofstetter",
        });
        users.Should().NotContain(u => HasProperty(u, "instructor_xmlid"));
        rows["projects"].Count(r => r.Json.Contains("\"$ref\":{\"regio\":{\"domaincode\":", StringComparison.Ordinal)).Should().Be(4);
    }

    [ReferenceFact]
    public async Task A_tarball_with_a_changed_member_fails_verification_with_a_bad_checksum_naming_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("crearis-original-").FullName;
        try
        {
            var changed = Path.Combine(dir, "changed.tar.gz");
            await RepackSampleAsync(changed, (name, bytes) => name == "./users.json"
                ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("\"username\": \"admin\"", "\"username\": \"admln\"", StringComparison.Ordinal))
                : bytes);

            var verification = await OriginalBackupReader.VerifyAsync(changed);
            var opened = await OriginalBackupReader.OpenAsync(changed, await CatalogAsync());

            verification.IsValid.Should().BeFalse();
            var issue = verification.Issues.Should().ContainSingle(i => i.Severity == IssueSeverity.Error).Which;
            issue.Code.Should().Be(IssueCode.BadChecksum);
            issue.Message.Should().Contain("users.json").And.Contain("acc361de28e026546756b847566e01d3dcffdd578081d5ba67803850f7453ab6");
            issue.Suggestion.Should().Contain("intact copy");
            opened.Source.Should().BeNull();
            opened.Issues.Should().Contain(i => i.Code == IssueCode.BadChecksum);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_file_that_is_not_gzip_is_reported_as_not_a_backup()
    {
        var path = Path.Combine(Path.GetTempPath(), $"crearis-not-a-backup-{Guid.NewGuid():N}.tar.gz");
        await File.WriteAllTextAsync(path, "{\"this\": \"is JSON, not a tarball\"}");
        try
        {
            var verification = await OriginalBackupReader.VerifyAsync(path);

            verification.IsValid.Should().BeFalse();
            verification.Summary.Should().BeNull();
            verification.Issues.Should().ContainSingle().Which.Code.Should().Be(IssueCode.NotABackup);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task<DatabaseCatalog> CatalogAsync()
    {
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        return await DatabaseCatalog.ReadAsync(conn);
    }

    private async Task<(BackupSummary Summary, Dictionary<string, List<BackupRow>> Rows, IReadOnlyList<BackupIssue> Issues)> ReadSampleAsync()
    {
        var opened = await OriginalBackupReader.OpenAsync(Sample, await CatalogAsync());
        opened.Issues.Should().BeEmpty();
        await using var source = opened.Source!;
        var rows = new Dictionary<string, List<BackupRow>>();
        foreach (var table in source.Summary.Tables.Select(t => t.Table))
        {
            var list = new List<BackupRow>();
            await foreach (var row in source.ReadRowsAsync(table)) list.Add(row);
            rows[table] = list;
        }
        var absent = new List<BackupRow>();
        await foreach (var row in source.ReadRowsAsync("domains")) absent.Add(row);
        absent.Should().BeEmpty("tables that are not in the backup yield nothing");
        return (source.Summary, rows, source.Issues);
    }

    private static JsonElement Parse(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    // Assertion predicates are expression trees, which cannot hold an out discard.
    private static bool HasProperty(JsonElement row, string name) => row.TryGetProperty(name, out _);

    // JsonElement.ToString gives a string's value and a number's token text, so one comparison fits both kinds of key.
    private static JsonElement Row(Dictionary<string, List<BackupRow>> rows, string table, string key, object value) =>
        rows[table]
            .Select(r => Parse(r.Json))
            .Single(r => r.TryGetProperty(key, out var k) && k.ToString() == value.ToString());

    /// <summary>Copies the sample entry by entry, letting <paramref name="edit"/> change a member's bytes (checksums stay as they were).</summary>
    private static async Task RepackSampleAsync(string target, Func<string, byte[], byte[]> edit)
    {
        await using var input = new GZipStream(File.OpenRead(Sample), CompressionMode.Decompress);
        await using var reader = new TarReader(input);
        await using var output = new GZipStream(File.Create(target), CompressionLevel.Optimal);
        await using var writer = new TarWriter(output, TarEntryFormat.Pax);
        while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
        {
            if (entry.EntryType == TarEntryType.Directory)
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, entry.Name));
                continue;
            }
            using var content = new MemoryStream();
            await entry.DataStream!.CopyToAsync(content);
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, entry.Name)
            {
                DataStream = new MemoryStream(edit(entry.Name, content.ToArray())),
            });
        }
    }
}
