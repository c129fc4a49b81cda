using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Profile;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Import;

/// <summary>
/// An import writes exactly what the backup carries: a column the file does not hold is never written (on insert it
/// gets its default or what the platform's triggers compute; on merge it keeps the target's value), and every
/// trigger-maintained column ends up as the platform computes it. Checked against the database the original sample
/// was exported from (the reference dump), not against anything the engine produced.
/// </summary>
public sealed class ExactImportTests : IAsyncLifetime
{
    private static readonly string Sample = ReferenceFiles.Directory is null ? "" : ReferenceFiles.Path("samples/original-sample.tar.gz");
    private readonly List<string> _databases = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var db in _databases) await TestPostgres.DropDatabaseAsync(db);
    }

    private async Task<string> CrearisDatabaseAsync(string prefix)
    {
        var (_, cs) = await TestPostgres.CreateCrearisDatabaseAsync(prefix);
        _databases.Add(cs);
        return cs;
    }

    /// <summary>The platform database the sample was exported from, loaded from its own data dump.</summary>
    private async Task<string> SampleSourceAsync()
    {
        var cs = await TestPostgres.CreateEmptyDatabaseAsync("sample_source");
        _databases.Add(cs);
        await ReferenceSchema.LoadOriginalSampleSourceAsync(cs);
        return cs;
    }

    [ReferenceFact]
    public async Task The_original_sample_imported_into_an_empty_database_equals_its_source_in_every_carried_and_derived_column()
    {
        var source = await SampleSourceAsync();
        var target = await CrearisDatabaseAsync("v1_exact");

        var result = await ImportAsync(target, Sample, new ImportOptions(ImportMode.NewOnly));

        result.Errors.Should().BeEmpty();
        var carried = await ColumnsCarriedByOriginalFileAsync(Sample);
        var expected = await CanonicalContent.ReadRowsAsync(source);
        var actual = await CanonicalContent.ReadRowsAsync(target);
        var differences = new List<string>();
        foreach (var profile in CrearisProfile.Default.Tables)
        {
            var sourceRows = expected[profile.Name].ToDictionary(r => r.Key, r => r.Object);
            var columns = carried.GetValueOrDefault(profile.Name, []).Concat(profile.DerivedColumns).ToHashSet();
            foreach (var (key, row) in actual[profile.Name])
            {
                if (!sourceRows.TryGetValue(key, out var sourceRow))
                {
                    differences.Add($"{profile.Name} [{key}]: not in the source");
                    continue;
                }
                foreach (var column in columns.Where(c => row.ContainsKey(c) && !KnownLimitOfTheFormat(profile.Name, c, key)))
                {
                    var want = Milliseconds(sourceRow[column]?.ToJsonString() ?? "null");
                    var got = Milliseconds(row[column]?.ToJsonString() ?? "null");
                    if (want != got) differences.Add($"{profile.Name} [{key}] {column}: source {want}, imported {got}");
                }
            }
        }
        differences.Should().BeEmpty("every column the file carries, and every column the platform's triggers derive, equals the source:\n" +
                                     string.Join("\n", differences));
    }

    [ReferenceFact]
    public async Task Merging_the_original_sample_keeps_the_values_the_file_does_not_carry()
    {
        // The target is the sample's own source, with values the original format does not export (cimg).
        var target = await SampleSourceAsync();
        await ExecuteAsync(target, """
            UPDATE locations SET cimg = 'location-picture-' || id;
            UPDATE participants SET cimg = 'participant-picture-' || id;
            """);
        var before = await CanonicalContent.ReadAsync(target);

        var result = await ImportAsync(target, Sample, new ImportOptions(ImportMode.Merge));

        result.Errors.Should().BeEmpty();
        (await ScalarAsync(target, "SELECT count(*) FROM locations WHERE cimg = 'location-picture-' || id")).Should().Be(5L);
        (await ScalarAsync(target, "SELECT count(*) FROM participants WHERE cimg = 'participant-picture-' || id")).Should().Be(8L);
        (await ScalarAsync(target, "SELECT count(*) FROM users WHERE img_id IS NOT NULL AND img_thumb IS NULL")).Should().Be(0L,
            "derived image fields are what the platform computes, never nulled");
        CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(target, before.Keys.Except(["tasks"])), before.Where(t => t.Key != "tasks").ToDictionary());
    }

    [Fact]
    public async Task A_merge_of_a_backup_whose_manifest_lists_fewer_columns_keeps_the_target_values_of_the_missing_ones()
    {
        var source = await CrearisDatabaseAsync("fewer_src");
        await GenerateDemoAsync(source, 300, seed: 5);
        var folder = Directory.CreateTempSubdirectory("crearis-fewer-").FullName;
        try
        {
            var full = await ExportAsync(source, Path.Combine(folder, "full.tar.gz"));
            var target = await CrearisDatabaseAsync("fewer_dst");
            (await ImportAsync(target, full, new ImportOptions(ImportMode.NewOnly))).Succeeded.Should().BeTrue();
            await ExecuteAsync(target, "UPDATE locations SET cimg = 'kept-' || xmlid; UPDATE users SET lang = 'en'");
            // An older schema's backup: locations without cimg, users without lang.
            var older = await DropColumnsAsync(full, Path.Combine(folder, "older.tar.gz"), ("locations", "cimg"), ("users", "lang"));

            var result = await ImportAsync(target, older, new ImportOptions(ImportMode.Merge));

            result.Errors.Should().BeEmpty();
            (await ScalarAsync(target, "SELECT count(*) FROM locations WHERE cimg IS DISTINCT FROM 'kept-' || xmlid")).Should().Be(0L);
            (await ScalarAsync(target, "SELECT count(*) FROM users WHERE lang <> 'en'")).Should().Be(0L);
            result.Tables["locations"].Updated.Should().Be(0);
            result.Tables["users"].Updated.Should().Be(0);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>What the original format cannot carry, each named in the import's warnings; everything else must match.</summary>
    private static bool KnownLimitOfTheFormat(string table, string column, string key) => (table, column) switch
    {
        // The exporter wrote these texts as numbers and lost a leading or trailing zero ('01097' → 1097, '1.10' →
        // 1.1): LOSSY_TEXT_NUMBER.
        ("locations", "zip") => key == "oberbayern.location_gastspiel_dresden",
        ("locations", "phone") => key == "kinderzirkus_sonnenschein.location_zirkuszelt",
        ("tasks", "release_id") => key == "Vd0cY3uJ6eTq1NsAa5GkM",
        // Instructors and locations carry no id in the file, so links to them cannot be resolved: REF_NOT_IN_FILE.
        ("events" or "posts", "public_user") => true,
        ("events", "location") => true,
        // A raw participant id, but participants carry no id in the file: REF_NOT_IN_FILE.
        ("users", "participant_id") => true,
        // A task on the one post without tags (its id is proven by nothing in the file) and one on an event that is
        // not imported (published, so it needs an instructor the file cannot link): REF_NOT_IN_FILE.
        ("tasks", "record_id") => key is "Zb4nM8qR1vH6wJ3xK0cLp" or "q7Hn2KxV9pLmR4sTz8WbE",
        // Stamped by the platform's trigger whenever a task is updated (the import links the task after inserting it).
        ("tasks", "updated_at") => true,
        _ => false,
    };

    /// <summary>The original exporter wrote timestamps through JavaScript dates, which hold milliseconds.</summary>
    private static string Milliseconds(string json) =>
        System.Text.RegularExpressions.Regex.Replace(json, @"(T\d\d:\d\d:\d\d)\.(\d{1,3})\d*", m => m.Groups[1].Value + "." + m.Groups[2].Value.PadRight(3, '0'));

    /// <summary>The columns each table's rows carry in an original-format file, read from the file itself.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> ColumnsCarriedByOriginalFileAsync(string path)
    {
        var result = new Dictionary<string, HashSet<string>>();
        await using var input = File.OpenRead(path);
        await using var gunzip = new GZipStream(input, CompressionMode.Decompress);
        await using var reader = new TarReader(gunzip);
        while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
        {
            if (entry.DataStream is null || !entry.Name.EndsWith(".json", StringComparison.Ordinal) || entry.Name.EndsWith("index.json", StringComparison.Ordinal))
                continue;
            var doc = JsonNode.Parse(entry.DataStream)!.AsObject();
            var table = doc["tableName"]?.GetValue<string>() ?? Path.GetFileNameWithoutExtension(entry.Name);
            var columns = result[table] = [];
            foreach (var row in doc["rows"]!.AsArray())
            foreach (var (name, _) in row!.AsObject())
                columns.Add(name switch { "instructor_xmlid" => "instructor_id", "regio_domaincode" => "regio", _ => name });
        }
        return result;
    }
}
