using System.Diagnostics;
using System.Text;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Format.Original;
using Crearis.Backup.Core.Import;
using Npgsql;
using static Crearis.Backup.Core.Tests.Format.HostileOriginalCorpus;

namespace Crearis.Backup.Core.Tests.Format;

/// <summary>
/// Files of the original format made to deceive or exhaust the reader (issue 9): duplicate and non-regular entries,
/// undeclared and repeated keys, broken UTF-8, null members, lying headers and bombs. Each is refused by verification,
/// by opening and by import alike, with a typed error that names what is wrong, and nothing is written.
/// </summary>
public sealed class HostileOriginalFileTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-hostile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_untouched_base_of_the_corpus_verifies_and_opens_without_issues()
    {
        var path = Path.Combine(_folder, "valid.tar.gz");
        await WriteValidAsync(path);

        var verification = await OriginalBackupReader.VerifyAsync(path);
        var opened = await OriginalBackupReader.OpenAsync(path, await CatalogAsync());

        verification.Issues.Should().BeEmpty();
        verification.IsValid.Should().BeTrue();
        verification.Summary!.Tables.Should().ContainSingle().Which.Should().Be(new BackupTableSummary("tags", 2, HasSourceIds: false));
        opened.Source.Should().NotBeNull();
        await using var source = opened.Source!;
        var rows = new List<BackupRow>();
        await foreach (var row in source.ReadRowsAsync("tags")) rows.Add(row);
        rows.Select(r => r.Line).Should().Equal(1, 2);
        rows[0].Json.Should().Contain("\"name\":\"child\"");
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(HostileOriginalCorpus))]
    public async Task A_hostile_file_fails_verification_and_opening_with_a_typed_error_that_names_what_is_wrong(string name)
    {
        var hostile = Named(name);
        var path = Path.Combine(_folder, name + ".tar.gz");
        await hostile.WriteAsync(path);

        var verification = await OriginalBackupReader.VerifyAsync(path);
        var opened = await OriginalBackupReader.OpenAsync(path, await CatalogAsync());

        verification.IsValid.Should().BeFalse();
        var error = verification.Issues.Should().Contain(i => i.Severity == IssueSeverity.Error && i.Code == hostile.Expected,
            $"{name} is refused with {hostile.Expected}; the issues were: {string.Join(" | ", verification.Issues)}").Which;
        foreach (var mention in hostile.Mentions) error.Message.Should().Contain(mention);
        error.Suggestion.Should().NotBeNullOrWhiteSpace("every refusal says what to do");
        opened.Source.Should().BeNull();
        opened.Issues.Should().Contain(i => i.Severity == IssueSeverity.Error && i.Code == hostile.Expected);
    }

    [Fact]
    public async Task Importing_any_hostile_file_is_refused_before_a_single_row_is_written()
    {
        await EngineHarness.GenerateDemoAsync(database.ConnectionString, 20);
        var before = await EngineHarness.SnapshotAsync(database.ConnectionString);

        foreach (var hostile in All)
        {
            var path = Path.Combine(_folder, hostile.Name + ".tar.gz");
            await hostile.WriteAsync(path);

            var result = await BackupImporter.ImportFileAsync(database.ConnectionString, path, new ImportOptions(ImportMode.Merge));

            // Format detection (BackupFiles) reads tar headers before the original reader does: a lying header, or a folder
            // whose claimed data it does not skip, ends detection there, and the file is refused as no backup at all.
            IssueCode[] expected = DetectionStopsAt.Contains(hostile.Name) ? [hostile.Expected, IssueCode.NotABackup] : [hostile.Expected];
            result.Outcome.Should().Be(ImportOutcome.Refused, hostile.Name);
            result.Errors.Should().Contain(i => expected.Contains(i.Code),
                $"{hostile.Name} is refused with {hostile.Expected}; the errors were: {string.Join(" | ", result.Errors)}");
        }
        (await EngineHarness.SnapshotAsync(database.ConnectionString)).Should().Be(before, "no hostile file changes a row");
    }

    private static readonly HashSet<string> DetectionStopsAt =
        ["pax-header-of-600-mib", "pax-global-header-of-600-mib", "gnu-long-name-of-600-mib", "gnu-long-link-of-600-mib", "folder-with-data"];

    [Theory]
    [InlineData("table-with-100k-columns")]
    [InlineData("row-with-100k-undeclared-keys")]
    public async Task A_row_of_a_hundred_thousand_columns_is_refused_in_seconds_not_minutes(string name)
    {
        var path = Path.Combine(_folder, name + ".tar.gz");
        await Named(name).WriteAsync(path);
        var catalog = await CatalogAsync();
        var clock = Stopwatch.StartNew();

        var verification = await OriginalBackupReader.VerifyAsync(path);
        var opened = await OriginalBackupReader.OpenAsync(path, catalog);
        if (opened.Source is { } source)
        {
            // Today's reader accepts the file; reading the row is where the time goes.
            await using (source)
                await foreach (var _ in source.ReadRowsAsync("tags")) { }
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        verification.IsValid.Should().BeFalse();
        opened.Source.Should().BeNull();
    }

    [Fact]
    public async Task Columns_the_target_lacks_are_reported_once_per_column_not_once_per_row()
    {
        var path = Path.Combine(_folder, "wide.tar.gz");
        await WriteWideAsync(path, rows: 2000, extraColumns: WideExtraColumns);
        var opened = await OriginalBackupReader.OpenAsync(path, await CatalogAsync());
        await using var source = opened.Source!;
        var rows = 0;

        await foreach (var _ in source.ReadRowsAsync("tags")) rows++;
        await foreach (var _ in source.ReadRowsAsync("tags")) { }

        rows.Should().Be(2000);
        var unknown = source.Issues.Where(i => i.Code == IssueCode.UnknownColumn).ToList();
        unknown.Should().HaveCount(WideExtraColumns, "one issue per column, however many rows hold it and however often the table is read");
        unknown.Should().OnlyContain(i => i.Table == "tags" && i.Message.StartsWith($"tags.{i.Column} "));
    }

    [Fact]
    public async Task Reading_rows_stops_at_the_next_row_once_cancelled()
    {
        var path = Path.Combine(_folder, "wide-cancelled.tar.gz");
        await WriteWideAsync(path, rows: 2000, extraColumns: WideExtraColumns);
        var opened = await OriginalBackupReader.OpenAsync(path, await CatalogAsync());
        await using var source = opened.Source!;
        using var cancel = new CancellationTokenSource();
        var read = 0;
        var clock = Stopwatch.StartNew();

        var act = async () =>
        {
            await foreach (var _ in source.ReadRowsAsync("tags", cancel.Token))
            {
                read++;
                await cancel.CancelAsync();
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>();
        read.Should().Be(1);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "a table is converted row by row, not whole before its first row");
    }

    // As many columns as a table may have (1600, PostgreSQL's limit and the reader's cap), less the four of tags.
    private const int WideExtraColumns = 1596;

    // tags with its four columns and as many more that the target does not have.
    private static Task WriteWideAsync(string path, int rows, int extraColumns)
    {
        var extra = Enumerable.Range(0, extraColumns).Select(i => $"extra_{i}").ToList();
        var columns = "[\"name\",\"description\",\"name_i18n\",\"desc_i18n\"," + string.Join(",", extra.Select(c => $"\"{c}\"")) + "]";
        var tail = string.Concat(extra.Select(c => $",\"{c}\":1"));
        var body = "[" + string.Join(",", Enumerable.Range(0, rows).Select(i => $$"""{"name":"t{{i}}","description":null,"name_i18n":null,"desc_i18n":null{{tail}}}""")) + "]";
        return WriteValidAsync(path, tags: Encoding.UTF8.GetBytes(TagsFile(rows: body, columns: columns, rowCount: rows.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task Verification_stops_when_cancelled_instead_of_reading_on()
    {
        var path = Path.Combine(_folder, "many-rows.tar.gz");
        await WriteManyRowsAsync(path, """{"name":"t","description":null,"name_i18n":null,"desc_i18n":null}""", 2_000_000, "2000000");
        using var cancel = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        // Cancelled from a thread of its own: a timer's callback runs on the thread pool, which a loaded test run can
        // starve for longer than the whole verification takes (it then finished uncancelled and this test failed).
        var canceller = new Thread(() =>
        {
            Thread.Sleep(50);
            cancel.Cancel();
        }) { IsBackground = true };
        canceller.Start();

        var act = () => OriginalBackupReader.VerifyAsync(path, cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
    }

    private async Task<DatabaseCatalog> CatalogAsync()
    {
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        return await DatabaseCatalog.ReadAsync(conn);
    }
}

/// <summary>Runs alone, so that the memory the process allocates during a call is the call's.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

/// <summary>
/// Bombs of the original format: small files that unpack far beyond their size or lie in their headers. Reading one
/// allocates a bounded amount of memory, whatever the file claims; the bound is the total the call allocates (an
/// upper bound on how much its peak adds), measured while no other test runs.
/// </summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class HostileOriginalFileMemoryTests(CrearisDatabaseFixture database, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<CrearisDatabaseFixture>, IDisposable
{
    private const long MiB = 1 << 20;

    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-bombs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("pax-header-of-600-mib")]
    [InlineData("pax-global-header-of-600-mib")]
    [InlineData("gnu-long-name-of-600-mib")]
    [InlineData("gnu-long-link-of-600-mib")]
    public async Task A_tar_header_that_claims_600_MiB_is_refused_without_reading_it_into_memory(string name)
    {
        var path = Path.Combine(_folder, name + ".tar.gz");
        await Named(name).WriteAsync(path);

        var (verification, allocated) = await MeasureAsync(() => OriginalBackupReader.VerifyAsync(path));

        allocated.Should().BeLessThan(16 * MiB);
        new FileInfo(path).Length.Should().BeLessThan(4096, "the bomb is small; only its header lies");
        verification.Issues.Should().Contain(i => i.Severity == IssueSeverity.Error && i.Code == IssueCode.TooLarge, string.Join(" | ", verification.Issues));
    }

    [Fact]
    public async Task Ten_million_empty_rows_are_refused_without_holding_them_in_memory()
    {
        var path = Path.Combine(_folder, "empty-rows.tar.gz");
        await WriteManyRowsAsync(path, "{}", 10_000_000, "10000000");

        var (verification, allocated) = await MeasureAsync(() => OriginalBackupReader.VerifyAsync(path));

        allocated.Should().BeLessThan(16 * MiB);
        new FileInfo(path).Length.Should().BeLessThan(1 * MiB, "30 MB of {}, compress to almost nothing");
        var error = verification.Issues.Should().Contain(i => i.Severity == IssueSeverity.Error && i.Code == IssueCode.BadTableFile,
            string.Join(" | ", verification.Issues)).Which;
        error.Message.Should().Contain("tags").And.Contain("row 1");
    }

    [Fact]
    public async Task A_million_rows_under_a_row_count_of_two_are_counted_as_they_stream_past_and_refused()
    {
        var path = Path.Combine(_folder, "lying-row-count.tar.gz");
        await WriteManyRowsAsync(path, """{"name":"t","description":null,"name_i18n":null,"desc_i18n":null}""", 1_000_000, "2");

        var catalog = await CatalogAsync();

        var (verification, allocated) = await MeasureAsync(() => OriginalBackupReader.VerifyAsync(path));
        var (opened, allocatedOpening) = await MeasureAsync(() => OriginalBackupReader.OpenAsync(path, catalog));

        allocated.Should().BeLessThan(16 * MiB, "64 MB of rows stream past");
        allocatedOpening.Should().BeLessThan(16 * MiB);
        var error = verification.Issues.Should().Contain(i => i.Severity == IssueSeverity.Error && i.Code == IssueCode.BadRowCount,
            string.Join(" | ", verification.Issues)).Which;
        error.Message.Should().Contain("tags").And.Contain("1000000").And.Contain("2");
        opened.Source.Should().BeNull();
    }

    [Fact]
    public async Task A_row_longer_than_any_real_row_is_refused_when_it_passes_the_cap_not_when_it_ends()
    {
        var path = Path.Combine(_folder, "long-row.tar.gz");
        await WriteValidAsync(path, tags: Encoding.UTF8.GetBytes(TagsFile(
            rows: $$"""[{"name":"{{new string('a', 40 * (int)MiB)}}","description":null,"name_i18n":null,"desc_i18n":null},{"name":"b","description":null,"name_i18n":null,"desc_i18n":null}]""")));

        var (verification, allocated) = await MeasureAsync(() => OriginalBackupReader.VerifyAsync(path));

        allocated.Should().BeLessThan(48 * MiB, "the buffer grows to the row cap (16 MiB), not to the 40 MiB row");
        var error = verification.Issues.Should().Contain(i => i.Severity == IssueSeverity.Error && i.Code == IssueCode.TooLarge,
            string.Join(" | ", verification.Issues)).Which;
        error.Message.Should().Contain("tags").And.Contain("row 1");
    }

    [Theory]
    [InlineData(1500)]
    [InlineData(5000)]
    public async Task Tags_and_events_made_to_exhaust_the_search_for_tag_ids_open_in_seconds_and_pin_nothing(int count)
    {
        var path = Path.Combine(_folder, $"tag-search-{count}.tar.gz");
        await WriteTagSearchBombAsync(path, count);
        var catalog = await CatalogAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var (opened, allocated) = await MeasureAsync(() => OriginalBackupReader.OpenAsync(path, catalog, cancel.Token));

        opened.Source.Should().NotBeNull(string.Join(" | ", opened.Issues));
        await using var source = opened.Source!;
        LastElapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the search stops at its budget of work");
        allocated.Should().BeLessThan(1024 * MiB, "no label is kept per row and tag, and the search's garbage is bounded by its budget");
        source.Issues.Should().Contain(i => i.Code == IssueCode.LinkNotRecovered && i.Table == "tags" && i.Message.Contains($"0 of {count} source ids pinned"));
    }

    private TimeSpan LastElapsed { get; set; }

    private async Task<(T Result, long Allocated)> MeasureAsync<T>(Func<Task<T>> call)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var result = await call();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        LastElapsed = clock.Elapsed;
        output.WriteLine($"allocated {allocated / (double)MiB:F1} MiB in {clock.Elapsed.TotalSeconds:F2} s");
        return (result, allocated);
    }

    private async Task<DatabaseCatalog> CatalogAsync()
    {
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        return await DatabaseCatalog.ReadAsync(conn);
    }
}
