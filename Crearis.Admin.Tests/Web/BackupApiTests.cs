using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Crearis.Admin.Cli;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Cli;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Web;

/// <summary>A script does with the API what the Backups page does: list, look at, upload and download backups.</summary>
public sealed class BackupApiTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private CrearisAppFactory _app = null!;
    private string _backup = "";

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(100);
        _app = new CrearisAppFactory(database.ConnectionString);
        await _app.AddUserAsync("viewer@crearis.test", Roles.Viewer, "Viewer-Passw0rd!");
        _backup = await EngineHarness.ExportAsync(database.ConnectionString, Path.Combine(Path.GetTempPath(), $"crearis-api-{Guid.NewGuid():N}.tar.gz"));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_app.BackupFolder, recursive: true);
        File.Delete(_backup);
    }

    private async Task<HttpClient> TokenClientAsync(string email, string scopes)
    {
        var created = await CliRun.RunWithSettingsAsync(new Dictionary<string, string?> { ["Crearis:Api:TokenKey"] = CrearisAppFactory.TokenKey },
            "users", "token", "create", "--email", email, "--scope", scopes, "--connection", database.ConnectionString);
        created.ExitCode.Should().Be(ExitCodes.Ok, created.Error);
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Output.Trim());
        return client;
    }

    private static MultipartFormDataContent Upload(string fileName, byte[] content)
    {
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    [Fact]
    public async Task A_backup_uploaded_with_a_token_is_listed_described_and_downloaded_byte_for_byte()
    {
        using var importer = await TokenClientAsync(CrearisAppFactory.AdminEmail, "import,backups:read");
        var bytes = await File.ReadAllBytesAsync(_backup);

        var uploaded = await importer.PostAsync("/api/backups", Upload("nightly prod.tar.gz", bytes));

        uploaded.StatusCode.Should().Be(HttpStatusCode.Created);
        var name = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync()).RootElement.GetProperty("name").GetString();
        name.Should().Be("nightly_prod.tar.gz");
        uploaded.Headers.Location!.ToString().Should().Be("/api/backups/nightly_prod.tar.gz");
        var list = JsonDocument.Parse(await importer.GetStringAsync("/api/backups?search=nightly")).RootElement;
        list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()).Should().Equal("nightly_prod.tar.gz");
        list.GetProperty("items")[0].GetProperty("size").GetInt64().Should().Be(bytes.Length);
        var details = JsonDocument.Parse(await importer.GetStringAsync("/api/backups/nightly_prod.tar.gz")).RootElement;
        details.GetProperty("format").GetInt32().Should().Be(2);
        details.GetProperty("totalRows").GetInt64().Should().BePositive();
        details.GetProperty("tables").GetArrayLength().Should().BePositive();
        var download = await importer.GetAsync("/api/backups/nightly_prod.tar.gz/download");
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        (await download.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);
        (await EngineHarness.ScalarAsync(database.ConnectionString,
                "SELECT string_agg(\"Action\" || ':' || \"Outcome\", ',' ORDER BY \"Id\") FROM crearis_admin.audit_events WHERE \"Target\" = 'nightly_prod.tar.gz'"))
            .Should().Be("upload:succeeded,download:succeeded");
    }

    [Fact]
    public async Task A_refused_upload_answers_problem_json_with_the_typed_issue_codes_and_keeps_nothing()
    {
        using var importer = await TokenClientAsync(CrearisAppFactory.AdminEmail, "import");

        var notTarGz = await importer.PostAsync("/api/backups", Upload("notes.txt", "hello"u8.ToArray()));
        var corrupt = await importer.PostAsync("/api/backups", Upload("broken.tar.gz", "not gzip at all"u8.ToArray()));
        var noFile = await importer.PostAsync("/api/backups", new MultipartFormDataContent { { new StringContent("x"), "other" } });

        foreach (var refused in new[] { notTarGz, corrupt, noFile })
        {
            refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            refused.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }
        var problem = JsonDocument.Parse(await notTarGz.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("issues")[0].GetProperty("code").GetString().Should().Be("NOT_TAR_GZ");
        JsonDocument.Parse(await corrupt.Content.ReadAsStringAsync()).RootElement.GetProperty("issues")[0].GetProperty("code").GetString()
            .Should().Be("NOT_A_BACKUP");
        Directory.EnumerateFiles(_app.BackupFolder).Should().BeEmpty();
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_refused_with_413()
    {
        await using var limited = _app.WithWebHostBuilder(b => b.UseSetting("Crearis:Backups:MaxUploadBytes", "1024"));
        var created = await CliRun.RunWithSettingsAsync(new Dictionary<string, string?> { ["Crearis:Api:TokenKey"] = CrearisAppFactory.TokenKey },
            "users", "token", "create", "--email", CrearisAppFactory.AdminEmail, "--scope", "import", "--connection", database.ConnectionString);
        using var client = limited.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Output.Trim());

        var tooLarge = await client.PostAsync("/api/backups", Upload("big.tar.gz", await File.ReadAllBytesAsync(_backup)));

        tooLarge.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        JsonDocument.Parse(await tooLarge.Content.ReadAsStringAsync()).RootElement.GetProperty("issues")[0].GetProperty("code").GetString()
            .Should().Be("UPLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task Unknown_and_unsafe_names_get_problem_json_not_a_file()
    {
        File.Copy(_backup, Path.Combine(_app.BackupFolder, "demo.tar.gz"));
        using var reader = await TokenClientAsync(CrearisAppFactory.AdminEmail, "backups:read");

        var missing = await reader.GetAsync("/api/backups/nope.tar.gz");
        var unsafeName = await reader.GetAsync("/api/backups/..%2F..%2Fetc%2Fpasswd/download");
        var missingDownload = await reader.GetAsync("/api/backups/nope.tar.gz/download");

        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        missing.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        unsafeName.StatusCode.Should().BeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.NotFound);
        (await unsafeName.Content.ReadAsStringAsync()).Should().NotContain("root:");
        missingDownload.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_viewer_may_list_backups_but_not_upload_or_download_them_token_or_cookie()
    {
        File.Copy(_backup, Path.Combine(_app.BackupFolder, "demo.tar.gz"));
        using var viewerToken = await TokenClientAsync("viewer@crearis.test", "backups:read,import");
        using var viewerCookie = _app.CreateBrowserLikeClient();
        (await CrearisAppFactory.SignInAsync(viewerCookie, "viewer@crearis.test", "Viewer-Passw0rd!")).StatusCode.Should().Be(HttpStatusCode.Redirect);

        (await viewerToken.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await viewerCookie.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.OK, "a signed-in page user is not limited by scopes");
        (await viewerToken.PostAsync("/api/backups", Upload("x.tar.gz", [1, 2, 3]))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await viewerCookie.PostAsync("/api/backups", Upload("x.tar.gz", [1, 2, 3]))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await viewerToken.GetAsync("/api/backups/demo.tar.gz/download")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await viewerCookie.GetAsync("/api/backups/demo.tar.gz/download")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_api_downloads_neither_a_link_nor_an_empty_file_as_the_page_does_not()
    {
        var secret = Path.Combine(Path.GetTempPath(), $"crearis-secret-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(secret, "root:x:0:0");
        File.CreateSymbolicLink(Path.Combine(_app.BackupFolder, "leak.tar.gz"), secret);
        await File.WriteAllBytesAsync(Path.Combine(_app.BackupFolder, "empty.tar.gz"), []);
        using var reader = await TokenClientAsync(CrearisAppFactory.AdminEmail, "backups:read");

        var leak = await reader.GetAsync("/api/backups/leak.tar.gz/download");
        var empty = await reader.GetAsync("/api/backups/empty.tar.gz/download");

        leak.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await leak.Content.ReadAsStringAsync()).Should().NotContain("root:");
        empty.StatusCode.Should().Be(HttpStatusCode.NotFound);
        File.Delete(secret);
    }
}
