using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Web;

/// <summary>
/// <c>POST /api/exports</c> with a base, a filter and scrub: what cannot be an export is refused at once with typed
/// issues and nothing queued; a base the database did not export fails its job with the engine's BASE_UNKNOWN; a
/// differential through a job is a differential.
/// </summary>
[Collection(ScrubKeyEnvironment.Name)]
public sealed partial class ExportJobsApiTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private CrearisAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(150, seed: 5);
        _app = new CrearisAppFactory(database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_app.BackupFolder, recursive: true);
    }

    private async Task<HttpClient> AdminAsync()
    {
        var client = _app.CreateBrowserLikeClient();
        (await CrearisAppFactory.SignInAsync(client, CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        return client;
    }

    /// <summary>Starts an export and follows its job to the end; the job's last state.</summary>
    private static async Task<JsonElement> ExportAsync(HttpClient client, object request)
    {
        var started = await client.PostAsJsonAsync("/api/exports", request);
        started.StatusCode.Should().Be(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        JsonElement job = default;
        for (var i = 0; i < 480; i++)
        {
            job = JsonDocument.Parse(await client.GetStringAsync($"/api/jobs/{id}")).RootElement;
            if (job.GetProperty("status").GetString() is not ("Queued" or "Running")) break;
            await Task.Delay(250);
        }
        return job;
    }

    private static async Task<string> CodeOfAsync(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("issues")[0].GetProperty("code").GetString()!;
    }

    [Fact]
    public async Task A_bad_since_an_unknown_base_file_and_scrub_without_a_key_are_refused_with_typed_400s_and_nothing_starts()
    {
        using var admin = await AdminAsync();
        var jobsBefore = await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT count(*) FROM crearis_admin.backup_jobs");

        var future = await admin.PostAsJsonAsync("/api/exports", new { since = "2999-01-01" });
        var words = await admin.PostAsJsonAsync("/api/exports", new { since = "last week" });
        var noSuchBase = await admin.PostAsJsonAsync("/api/exports", new { @base = "nope.tar.gz" });
        var pathAsBase = await admin.PostAsJsonAsync("/api/exports", new { @base = "../../etc/passwd" });
        var scrub = await admin.PostAsJsonAsync("/api/exports", new { scrub = true });
        await File.WriteAllTextAsync(Path.Combine(_app.BackupFolder, "some.tar.gz"), "a file of the folder");
        var filteredDifferential = await admin.PostAsJsonAsync("/api/exports", new { @base = "some.tar.gz", projects = new[] { "theater" } });

        (await CodeOfAsync(future)).Should().Be("BAD_SINCE");
        (await CodeOfAsync(words)).Should().Be("BAD_SINCE");
        (await CodeOfAsync(noSuchBase)).Should().Be("NOT_FOUND");
        (await CodeOfAsync(pathAsBase)).Should().Be("NOT_FOUND", "a base is a file name of the backup folder, never a path");
        (await CodeOfAsync(scrub)).Should().Be("SCRUB_KEY_INVALID");
        (await scrub.Content.ReadAsStringAsync()).Should().Contain("Crearis:Backups:ScrubKeyFile");
        (await CodeOfAsync(filteredDifferential)).Should().Be("FILTER_WITH_BASE", "a filtered export is never a differential");
        (await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT count(*) FROM crearis_admin.backup_jobs")).Should().Be(jobsBefore);
        Directory.EnumerateFiles(_app.BackupFolder).Select(Path.GetFileName).Should().Equal("some.tar.gz");
    }

    [Fact]
    public async Task A_base_this_database_did_not_export_fails_the_job_with_BASE_UNKNOWN_naming_the_file()
    {
        var (_, other) = await TestPostgres.CreateCrearisDatabaseAsync("export_api_other");
        try
        {
            await EngineHarness.ExportAsync(other, Path.Combine(_app.BackupFolder, "from-elsewhere.tar.gz"));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(other);
        }
        using var admin = await AdminAsync();

        var job = await ExportAsync(admin, new { @base = "from-elsewhere.tar.gz" });

        job.GetProperty("status").GetString().Should().Be("Failed");
        job.GetProperty("message").GetString().Should().Contain("BASE_UNKNOWN").And.Contain("from-elsewhere.tar.gz");
        Directory.EnumerateFiles(_app.BackupFolder).Select(Path.GetFileName).Should().Equal("from-elsewhere.tar.gz");
    }

    [Fact]
    public async Task A_differential_through_a_job_holds_the_changed_rows_and_the_tombstones_and_names_its_base()
    {
        await EngineHarness.ExecuteAsync(database.ConnectionString, "INSERT INTO tags (name, description) VALUES ('api-tag-gone', 'deleted after the base')");
        var user = (string)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT sysmail FROM users ORDER BY id LIMIT 1"))!;
        using var admin = await AdminAsync();
        var full = await ExportAsync(admin, new { });
        var fullName = full.GetProperty("file").GetString()!;
        await EngineHarness.ExecuteAsync(database.ConnectionString, $"""
            UPDATE users SET username = 'api-renamed' WHERE sysmail = '{user}';
            DELETE FROM tags WHERE name = 'api-tag-gone';
            """);

        var diff = await ExportAsync(admin, new { @base = fullName });

        full.GetProperty("status").GetString().Should().Be("Succeeded");
        diff.GetProperty("status").GetString().Should().Be("Succeeded", diff.GetProperty("message").GetString());
        diff.GetProperty("message").GetString().Should().Contain("(differential)");
        var file = Path.Combine(_app.BackupFolder, diff.GetProperty("file").GetString()!);
        var manifest = JsonDocument.Parse(await EngineHarness.ReadMemberAsync(file, "manifest.json")).RootElement;
        var baseManifest = JsonDocument.Parse(await EngineHarness.ReadMemberAsync(Path.Combine(_app.BackupFolder, fullName), "manifest.json")).RootElement;
        var differential = manifest.GetProperty("differential");
        differential.GetProperty("baseCreatedAt").GetDateTimeOffset().Should().BeCloseTo(baseManifest.GetProperty("createdAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1), "the ledger keeps microseconds");
        var users = await EngineHarness.ReadMemberAsync(file, "tables/users.jsonl");
        users.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle().Which.Should().Contain("api-renamed");
        (await EngineHarness.ReadMemberAsync(file, "tables/tags.deleted.jsonl")).Should().Contain("api-tag-gone");
        var options = (string)(await EngineHarness.ScalarAsync(database.ConnectionString,
            $"SELECT \"Options\" FROM crearis_admin.backup_runs WHERE \"File\" = '{Path.GetFileName(file)}'"))!;
        JsonDocument.Parse(options).RootElement.GetProperty("base").GetString().Should().Be(fullName, "the history names the base by its file name");
        var details = JsonDocument.Parse(await admin.GetStringAsync($"/api/backups/{Path.GetFileName(file)}")).RootElement;
        details.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()).Should().Equal("differential");
        JsonDocument.Parse(await admin.GetStringAsync($"/api/backups/{fullName}")).RootElement.GetProperty("kinds").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_scrub_key_file_that_cannot_be_read_or_is_too_short_stops_the_start_with_its_reason()
    {
        var shortKey = Path.Combine(_app.BackupFolder, "short.key");
        await File.WriteAllTextAsync(shortKey, "too short");

        foreach (var (file, says) in new[] { (Path.Combine(_app.BackupFolder, "missing.key"), "Could not read"), (shortKey, "shorter than 16 bytes") })
        {
            await using var app = _app.WithWebHostBuilder(b => b.UseSetting("Crearis:Backups:ScrubKeyFile", file));

            var start = () => app.CreateClient();

            start.Should().Throw<Exception>().Which.ToString().Should().Contain("Crearis:Backups:ScrubKeyFile").And.Contain(says);
        }
    }
}
