using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Import;

/// <summary>
/// A link table big enough to be written in two steps (a sample, ANALYZE, the rest — so the platform's tag-cache
/// triggers are planned from real statistics) arrives whole, and every cache the triggers made is what the platform
/// computes from the links.
/// </summary>
public sealed class PlannerStatisticsTests() : ImportTestBed("stats")
{
    [Fact]
    public async Task A_large_link_table_written_in_two_steps_arrives_whole_with_every_tag_cache_as_the_platform_computes_it()
    {
        var source = await DemoDatabaseAsync("stats_src", 45000, seed: 11);
        var target = await DemoDatabaseAsync("stats_dst", 0);
        ((long)(await ScalarAsync(source, "SELECT count(*) FROM events_tags"))!).Should().BeGreaterThan(2000, "the link table must be big enough to be sampled first");
        var backup = await ExportAsync(source, File("stats.tar.gz"));

        var result = await ImportAsync(target, backup, new ImportOptions(ImportMode.NewOnly));

        result.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", result.Errors));
        result.Tables["events_tags"].Inserted.Should().Be((long)(await ScalarAsync(source, "SELECT count(*) FROM events_tags"))!);
        CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(target), await CanonicalContent.ReadAsync(source));
        (await ScalarAsync(target, """
            SELECT (SELECT count(*) FROM events e
                     WHERE e.tags_ids IS DISTINCT FROM event_tag_ids(e.id) OR e.tags_display IS DISTINCT FROM event_tag_labels(e.id, e.lang))
                 + (SELECT count(*) FROM posts p
                     WHERE p.tags_ids IS DISTINCT FROM post_tag_ids(p.id) OR p.tags_display IS DISTINCT FROM post_tag_labels(p.id, p.lang))
            """)).Should().Be(0L, "every tag cache is what the platform's functions compute from the links");
    }
}
