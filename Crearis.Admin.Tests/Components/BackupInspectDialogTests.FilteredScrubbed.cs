using Bunit;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Export.Filtering;
using Crearis.Backup.Core.Export.Scrubbing;

namespace Crearis.Admin.Tests.Components;

public sealed partial class BackupInspectDialogTests
{
    [Fact]
    public async Task A_filtered_backup_shows_what_selected_it_the_rules_and_per_table_the_rows_and_why()
    {
        var (folder, storage) = await FolderAsync();
        var project = (string)(await EngineHarness.ScalarAsync(database.ConnectionString,
            "SELECT p.domaincode FROM projects p WHERE EXISTS (SELECT 1 FROM events e WHERE e.project_id = p.id) ORDER BY p.id LIMIT 1"))!;
        ExportSince.TryParse("3650d", DateTimeOffset.UtcNow, out var since, out _).Should().BeTrue();
        var file = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(folder, "filtered.tar.gz"),
            new ExportOptions { Filter = new ExportFilter(Projects: [project], Since: since) });
        var filter = (await ManifestAsync(file)).GetProperty("filter");

        var dialog = await InspectAsync(storage, "filtered.tar.gz");

        dialog.Find("[data-testid=kind-filtered]").TextContent.Should().Be("Filtered");
        dialog.Find("[data-testid=filter-selection]").TextContent.Should().Contain($"projects {project}").And.Contain("changed since 3650d");
        dialog.Find("[data-testid=filter-note]").TextContent.Should().Contain("never deleted");
        dialog.FindAll("[data-testid=filter-rules] li").Select(li => li.TextContent.Trim())
            .Should().Equal(filter.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));
        var tables = filter.GetProperty("tables").EnumerateArray().ToList();
        tables.Should().Contain(t => t.GetProperty("reasons").GetArrayLength() > 0);
        foreach (var table in tables)
        {
            var why = dialog.Find($"tr[data-table={table.GetProperty("name").GetString()}] [data-cell=why]").TextContent;
            foreach (var reason in table.GetProperty("reasons").EnumerateArray())
                why.Should().Contain($"{reason.GetProperty("reason").GetString()} {reason.GetProperty("rows").GetInt64():N0}");
        }
        var unfiltered = filter.TryGetProperty("sinceUnfiltered", out var u) ? u.EnumerateArray().Select(t => t.GetString()!).ToList() : [];
        if (unfiltered.Count > 0)
            dialog.Find("[data-testid=since-unfiltered]").TextContent.Should().Contain(string.Join(", ", unfiltered));
        else
            dialog.FindAll("[data-testid=since-unfiltered]").Should().BeEmpty();
    }

    [Fact]
    public async Task A_scrubbed_copy_is_marked_not_for_production_with_the_keys_fingerprint_and_the_columns_replaced()
    {
        var (folder, storage) = await FolderAsync();
        const string text = "inspect dialog scrub key, long enough to use";
        var (key, error) = ScrubKey.FromText(text, "the test");
        error.Should().BeNull();
        var file = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(folder, "scrubbed.tar.gz"), new ExportOptions { Scrub = key });
        var scrub = (await ManifestAsync(file)).GetProperty("scrub");
        var fingerprint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            [.. "crearis-scrub-key\n"u8, .. System.Text.Encoding.UTF8.GetBytes(text)]))[..16].ToLowerInvariant();

        var dialog = await InspectAsync(storage, "scrubbed.tar.gz");

        dialog.Find("[data-testid=kind-scrubbed]").TextContent.Should().Be("Scrubbed");
        dialog.Find("[data-testid=scrubbed-marker]").TextContent.Should().Contain("Scrubbed copy — not for production");
        dialog.Find("[data-testid=scrub-fingerprint]").TextContent.Should().Be(fingerprint);
        scrub.GetProperty("keyFingerprint").GetString().Should().Be(fingerprint);
        var columns = dialog.Find("[data-testid=scrubbed-columns]").TextContent;
        var expected = scrub.GetProperty("columns").EnumerateObject().ToList();
        expected.Should().Contain(c => c.Name == "users.sysmail");
        foreach (var column in expected) columns.Should().Contain($"{column.Name} ({column.Value.GetString()})");
    }
}
