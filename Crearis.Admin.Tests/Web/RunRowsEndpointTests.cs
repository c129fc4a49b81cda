using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Web;

/// <summary>
/// A dry run started over HTTP keeps every row it would write; the run's rows download as CSV and JSON, filtered, and
/// hold exactly the rows the database lacks (taken from the database before the test removed them).
/// </summary>
public sealed class RunRowsEndpointTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private CrearisAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(200, seed: 8);
        _app = new CrearisAppFactory(database.ConnectionString);
        await _app.AddUserAsync("viewer@crearis.test", Roles.Viewer, "Viewer-Passw0rd!");
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_app.BackupFolder, recursive: true);
    }

    private async Task<HttpClient> SignedInAsync(string email, string password)
    {
        var client = _app.CreateBrowserLikeClient();
        (await CrearisAppFactory.SignInAsync(client, email, password)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        return client;
    }

    private async Task<long> DryRunAsync(HttpClient admin, string mode)
    {
        var started = await admin.PostAsJsonAsync("/api/imports", new { backup = "demo.tar.gz", mode, dryRun = true });
        started.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        for (var i = 0; i < 240; i++)
        {
            var job = JsonDocument.Parse(await admin.GetStringAsync($"/api/jobs/{id}")).RootElement;
            if (job.GetProperty("status").GetString() is not ("Queued" or "Running"))
            {
                job.GetProperty("status").GetString().Should().Be("Succeeded");
                return job.GetProperty("runId").GetInt64();
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("The dry run did not end in a minute.");
    }

    [Fact]
    public async Task The_rows_a_dry_run_would_add_download_as_csv_and_json_and_only_for_admins()
    {
        // The backup holds a tag whose name a spreadsheet would run as a formula; the database then loses it and two more.
        await EngineHarness.ExecuteAsync(database.ConnectionString, "INSERT INTO tags (name, description) VALUES ('=HYPERLINK(\"x\")', 'formula-like')");
        var file = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(_app.BackupFolder, "demo.tar.gz"));
        var removed = await EngineHarness.ColumnAsync(database.ConnectionString,
            "DELETE FROM tags WHERE id IN (SELECT id FROM tags t WHERE NOT EXISTS (SELECT 1 FROM posts_tags pt WHERE pt.tag_id = t.id) ORDER BY id DESC LIMIT 3) RETURNING name");
        removed.Should().HaveCount(3).And.Contain("=HYPERLINK(\"x\")");
        using var admin = await SignedInAsync(CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword);

        var runId = await DryRunAsync(admin, "new-only");

        var csv = await admin.GetAsync($"/history/{runId}/rows.csv?action=insert&table=tags");
        csv.StatusCode.Should().Be(HttpStatusCode.OK);
        csv.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("table,action,line,key,issue,fields,detail");
        lines.Skip(1).Should().HaveCount(3).And.OnlyContain(l => l.StartsWith("tags,insert,"));
        lines.Should().Contain(l => l.Contains(",\"'=HYPERLINK(\"\"x\"\")\","), "a cell a spreadsheet would run is kept as text");

        var json = JsonDocument.Parse(await admin.GetStringAsync($"/history/{runId}/rows.json?action=insert&table=tags")).RootElement;
        json.EnumerateArray().Select(r => r.GetProperty("key").GetString()).Should().BeEquivalentTo(removed);
        json.EnumerateArray().Should().OnlyContain(r => r.GetProperty("values").GetProperty("name").GetString() == r.GetProperty("key").GetString());
        var everything = JsonDocument.Parse(await admin.GetStringAsync($"/history/{runId}/rows.json")).RootElement;
        everything.EnumerateArray().Count(r => r.GetProperty("table").GetString() == "tags" && r.GetProperty("action").GetString() == "keep")
            .Should().Be((int)(long)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT count(*) FROM tags"))!,
                "Import New Only leaves every row already here as it is, and says so");

        (await admin.GetAsync($"/history/{runId}/rows.xml")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await admin.GetAsync($"/history/{runId}/rows.csv?action=delete")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        using var viewer = await SignedInAsync("viewer@crearis.test", "Viewer-Passw0rd!");
        (await viewer.GetAsync($"/history/{runId}/rows.csv")).StatusCode.Should().BeOneOf(HttpStatusCode.Forbidden, HttpStatusCode.Redirect);
    }
}
