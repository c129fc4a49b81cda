using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Platform.Demo;
using Npgsql;

namespace Crearis.Admin.Tests.Web;

public sealed class BackupEndpointsTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private CrearisAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(300);
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

    [Theory]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("..")]
    [InlineData(".hidden.tar.gz")]
    [InlineData("notes.txt")]
    [InlineData("a..b.tar.gz")]
    public async Task A_download_of_a_name_that_is_not_a_plain_backup_name_is_refused(string name)
    {
        using var admin = await SignedInAsync(CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword);

        var response = await admin.GetAsync($"/backups/{name}/download");

        response.StatusCode.Should().BeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().NotContain("root:");
    }

    [Fact]
    public async Task A_path_outside_the_folder_cannot_be_reached_even_encoded()
    {
        using var admin = await SignedInAsync(CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword);

        var response = await admin.GetAsync("/backups/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fhostname/download");

        response.StatusCode.Should().BeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_viewer_cannot_start_an_import_or_an_export_or_download()
    {
        File.Copy(await MakeBackupAsync(), Path.Combine(_app.BackupFolder, "demo.tar.gz"));
        using var viewer = await SignedInAsync("viewer@crearis.test", "Viewer-Passw0rd!");

        var import = await viewer.PostAsJsonAsync("/api/imports", new { backup = "demo.tar.gz", mode = "merge" });
        var export = await viewer.PostAsJsonAsync("/api/exports", new { });
        var download = await viewer.GetAsync("/backups/demo.tar.gz/download");

        import.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        export.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        download.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_admin_starts_a_dry_run_over_http_follows_it_to_the_end_and_finds_it_in_the_history()
    {
        File.Copy(await MakeBackupAsync(), Path.Combine(_app.BackupFolder, "demo.tar.gz"));
        using var admin = await SignedInAsync(CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword);

        var started = await admin.PostAsJsonAsync("/api/imports", new { backup = "demo.tar.gz", mode = "merge", dryRun = true });
        started.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        JsonElement job = default;
        for (var i = 0; i < 120; i++)
        {
            job = JsonDocument.Parse(await admin.GetStringAsync($"/api/jobs/{id}")).RootElement;
            if (job.GetProperty("status").GetString() is not ("Queued" or "Running")) break;
            await Task.Delay(250);
        }

        job.GetProperty("status").GetString().Should().Be("Succeeded");
        // The wire names scripts read: lowercase kind and mode, the status as named above.
        job.GetProperty("kind").GetString().Should().Be("dry-run");
        job.GetProperty("mode").GetString().Should().Be("merge");
        var runId = job.GetProperty("runId").GetInt64();
        var history = await admin.GetAsync($"/history/{runId}/download");
        history.StatusCode.Should().Be(HttpStatusCode.OK);
        (await history.Content.ReadAsStringAsync()).Should().Contain("\"dryRun\": true");
        var missing = await admin.PostAsJsonAsync("/api/imports", new { backup = "nope.tar.gz", mode = "merge" });
        missing.StatusCode.Should().Be(HttpStatusCode.Conflict);
        var unknownMode = await admin.PostAsJsonAsync("/api/imports", new { backup = "demo.tar.gz", mode = "Merge" });
        unknownMode.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await unknownMode.Content.ReadAsStringAsync()).Should().Contain("mode must be new-only or merge.");
    }

    private async Task<string> MakeBackupAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"crearis-endpoint-{Guid.NewGuid():N}.tar.gz");
        return await EngineHarness.ExportAsync(database.ConnectionString, file);
    }

    [Fact]
    public async Task A_second_import_while_one_holds_the_database_lock_is_refused_with_who_and_when()
    {
        File.Copy(await MakeBackupAsync(), Path.Combine(_app.BackupFolder, "demo.tar.gz"));
        using var admin = await SignedInAsync(CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword);
        // Another app instance is importing into this database: it holds the advisory lock and has stored its job.
        await using var other = new NpgsqlConnection(database.ConnectionString);
        await other.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({Crearis.Admin.Operations.ImportLock.Key})", other))
            await take.ExecuteScalarAsync();
        await EngineHarness.ExecuteAsync(database.ConnectionString, """
            INSERT INTO crearis_admin.backup_jobs ("Id", "Kind", "Status", "StartedBy", "CreatedAt", "File", "Options")
            VALUES (gen_random_uuid(), 'import', 'Running', 'ops@elsewhere.test', now(), 'big.tar.gz', '{}')
            """);

        var refused = await admin.PostAsJsonAsync("/api/imports", new { backup = "demo.tar.gz", mode = "merge" });

        refused.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("An import is running, started by ops@elsewhere.test");
    }

    [Fact]
    public async Task A_job_that_was_running_when_the_app_stopped_is_marked_interrupted_at_the_next_start()
    {
        await EngineHarness.ExecuteAsync(database.ConnectionString, """
            INSERT INTO crearis_admin.backup_jobs ("Id", "Kind", "Status", "StartedBy", "CreatedAt", "File", "Options")
            VALUES ('11111111-2222-3333-4444-555555555555', 'import', 'Running', 'admin@crearis.test', now(), 'demo.tar.gz', '{}')
            """);
        await using var restarted = new CrearisAppFactory(database.ConnectionString);
        using var client = restarted.CreateBrowserLikeClient();
        await client.GetAsync("/Account/Login");

        string? status = null;
        for (var i = 0; i < 40 && status != "Interrupted"; i++)
        {
            await Task.Delay(250);
            status = (string?)await EngineHarness.ScalarAsync(database.ConnectionString,
                "SELECT \"Status\" FROM crearis_admin.backup_jobs WHERE \"Id\" = '11111111-2222-3333-4444-555555555555'");
        }
        status.Should().Be("Interrupted");
        ((string?)await EngineHarness.ScalarAsync(database.ConnectionString,
            "SELECT \"Message\" FROM crearis_admin.backup_jobs WHERE \"Id\" = '11111111-2222-3333-4444-555555555555'"))
            .Should().Contain("rolled its transaction back");
        Directory.Delete(restarted.BackupFolder, recursive: true);
    }
}
