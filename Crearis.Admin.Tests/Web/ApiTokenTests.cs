using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crearis.Admin.Cli;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Cli;
using Crearis.Admin.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crearis.Admin.Tests.Web;

/// <summary>API tokens over HTTP: made on the command line, used as <c>Authorization: Bearer</c>, limited by scope and role, revoked.</summary>
public sealed class ApiTokenTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string ViewerEmail = "viewer@crearis.test";
    private CrearisAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(100);
        _app = new CrearisAppFactory(database.ConnectionString);
        await _app.AddUserAsync(ViewerEmail, Roles.Viewer, "Viewer-Passw0rd!");
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_app.BackupFolder, recursive: true);
    }

    /// <summary>The command line reads the same token key as the app (here: the tests' configured key).</summary>
    private Task<CliOutcome> TokenCommandAsync(params string[] args) =>
        CliRun.RunWithSettingsAsync(new Dictionary<string, string?> { ["Crearis:Api:TokenKey"] = CrearisAppFactory.TokenKey },
            ["users", "token", .. args, "--connection", database.ConnectionString]);

    private async Task<string> CreateTokenAsync(string email, string scopes, string expires = "90d")
    {
        var created = await TokenCommandAsync("create", "--email", email, "--scope", scopes, "--expires", expires, "--name", "test script");
        created.ExitCode.Should().Be(ExitCodes.Ok, created.Error);
        return created.Output.Trim();
    }

    private HttpClient BearerClient(string token)
    {
        var client = _app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private Task<object?> ScalarAsync(string sql) => EngineHarness.ScalarAsync(database.ConnectionString, sql);

    [Fact]
    public async Task A_created_token_is_printed_once_as_crb_and_256_random_bits_and_only_its_keyed_hash_is_stored()
    {
        var token = await CreateTokenAsync(CrearisAppFactory.AdminEmail, "backups:read");
        var second = await CreateTokenAsync(CrearisAppFactory.AdminEmail, "backups:read");

        token.Should().MatchRegex("^crb_[A-Za-z0-9_-]{43}$", "crb_ and 32 random bytes in base64url are the whole output");
        second.Should().NotBe(token);
        var stored = (byte[])(await ScalarAsync("SELECT \"Hash\" FROM crearis_admin.api_tokens ORDER BY \"Id\" LIMIT 1"))!;
        var keyed = HMACSHA256.HashData(Convert.FromBase64String(CrearisAppFactory.TokenKey), Encoding.UTF8.GetBytes(token));
        stored.Should().Equal(keyed, "the database holds HMAC-SHA256(server key, token), nothing else that could be replayed");
        var rowText = (string)(await ScalarAsync("SELECT string_agg(t::text, '') FROM crearis_admin.api_tokens t"))!;
        rowText.Should().NotContain(token["crb_".Length..]);
        var list = await TokenCommandAsync("list");
        list.Output.Should().Contain("test script").And.Contain("backups:read").And.NotContain(token["crb_".Length..], "a token is shown only when made");
    }

    [Fact]
    public async Task A_token_lists_backups_records_its_last_use_and_every_use_is_audited()
    {
        File.Copy(await MakeBackupAsync(), Path.Combine(_app.BackupFolder, "demo.tar.gz"));
        var token = await CreateTokenAsync(CrearisAppFactory.AdminEmail, "backups:read");
        // The test server has no remote address of its own: this one stands for the script's host.
        await using var app = _app.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new RemoteAddress("203.0.113.7"))));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var first = await client.GetAsync("/api/backups");
        var second = await client.GetAsync("/api/backups/demo.tar.gz");

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        var page = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
        page.GetProperty("total").GetInt32().Should().Be(1);
        page.GetProperty("items")[0].GetProperty("name").GetString().Should().Be("demo.tar.gz");
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement.GetProperty("verified").GetBoolean().Should().BeTrue();
        (await ScalarAsync("SELECT \"LastUsedAt\" > now() - interval '1 minute' AND \"LastUsedIp\" = '203.0.113.7' FROM crearis_admin.api_tokens"))
            .Should().Be(true);
        (await ScalarAsync("""
            SELECT string_agg("Detail", ' | ' ORDER BY "Id") FROM crearis_admin.audit_events
             WHERE "Action" = 'token-use' AND "User" = 'admin@crearis.test' AND "Outcome" = 'succeeded' AND "IpAddress" = '203.0.113.7'
            """)).Should().Be("GET /api/backups | GET /api/backups/demo.tar.gz");
        var list = await TokenCommandAsync("list", "--email", CrearisAppFactory.AdminEmail);
        list.Output.Should().MatchRegex(@"last used \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ from 203\.0\.113\.7", "the last use is shown with its address");
    }

    [Fact]
    public async Task A_revoked_token_fails_on_its_next_request()
    {
        var token = await CreateTokenAsync(CrearisAppFactory.AdminEmail, "backups:read");
        using var client = BearerClient(token);
        (await client.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.OK);
        var id = Convert.ToInt64(await ScalarAsync("SELECT \"Id\" FROM crearis_admin.api_tokens"));

        var revoked = await TokenCommandAsync("revoke", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var after = await client.GetAsync("/api/backups");

        revoked.ExitCode.Should().Be(ExitCodes.Ok, revoked.Error);
        after.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await TokenCommandAsync("list")).Output.Should().Contain("revoked");
        (await ScalarAsync("SELECT count(*) FROM crearis_admin.audit_events WHERE \"Action\" = 'token-revoke'")).Should().Be(1L);
        (await ScalarAsync("SELECT count(*) FROM crearis_admin.audit_events WHERE \"Action\" = 'token-use' AND \"Outcome\" = 'revoked'"))
            .Should().Be(1L, "the refused use is audited too");
        (await TokenCommandAsync("revoke", "999999")).ExitCode.Should().Be(ExitCodes.Failed);
    }

    [Fact]
    public async Task Scopes_are_enforced_on_the_server()
    {
        var readOnly = await CreateTokenAsync(CrearisAppFactory.AdminEmail, "backups:read");
        var exporter = await CreateTokenAsync(CrearisAppFactory.AdminEmail, "export");
        using var reader = BearerClient(readOnly);
        using var writer = BearerClient(exporter);

        var exportWithReadScope = await reader.PostAsJsonAsync("/api/exports", new { });
        var importWithReadScope = await reader.PostAsJsonAsync("/api/imports", new { backup = "demo.tar.gz", mode = "merge" });
        var listWithExportScope = await writer.GetAsync("/api/backups");
        var exportWithExportScope = await writer.PostAsJsonAsync("/api/exports", new { });

        exportWithReadScope.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        exportWithReadScope.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await exportWithReadScope.Content.ReadAsStringAsync()).Should().Contain("lacks the scope export", "the refusal says what the token needs");
        importWithReadScope.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        listWithExportScope.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        exportWithExportScope.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var job = JsonDocument.Parse(await exportWithExportScope.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        (await writer.GetAsync($"/api/jobs/{job}")).StatusCode.Should().Be(HttpStatusCode.OK, "a script follows the job it started");
        (await ScalarAsync("""
            SELECT string_agg("Detail", ' | ' ORDER BY "Id") FROM crearis_admin.audit_events WHERE "Action" = 'token-use' AND "Outcome" = 'forbidden'
            """)).Should().Be("POST /api/exports | POST /api/imports | GET /api/backups", "a use refused for its scope is audited as such");
    }

    [Fact]
    public async Task The_users_current_role_still_applies_to_a_token()
    {
        var viewerToken = await CreateTokenAsync(ViewerEmail, "backups:read,import");
        using var viewer = BearerClient(viewerToken);
        var adminToken = await CreateTokenAsync(CrearisAppFactory.AdminEmail, "export");
        await _app.AddUserAsync("second-admin@crearis.test", Roles.Admin, "Second-Passw0rd!");
        var demotedToken = await CreateTokenAsync("second-admin@crearis.test", "export");

        using (var scope = _app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserAdministration>();
            (await users.ChangeRoleAsync("second-admin@crearis.test", Roles.Viewer)).Succeeded.Should().BeTrue();
            (await users.LockAsync(ViewerEmail, CrearisAppFactory.AdminEmail)).Succeeded.Should().BeTrue();
        }
        using var demoted = BearerClient(demotedToken);
        using var admin = BearerClient(adminToken);

        (await viewer.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "a locked-out user's tokens fail");
        (await demoted.PostAsJsonAsync("/api/exports", new { })).StatusCode.Should().Be(HttpStatusCode.Forbidden, "a Viewer cannot export, token or not");
        (await admin.PostAsJsonAsync("/api/exports", new { })).StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_token_of_a_deleted_user_or_an_expired_token_or_a_made_up_one_is_refused()
    {
        await _app.AddUserAsync("leaver@crearis.test", Roles.Admin, "Leaver-Passw0rd!");
        var leaver = await CreateTokenAsync("leaver@crearis.test", "backups:read");
        var expiring = await CreateTokenAsync(CrearisAppFactory.AdminEmail, "backups:read", "1d");
        using (var scope = _app.Services.CreateScope())
            (await scope.ServiceProvider.GetRequiredService<UserAdministration>().DeleteAsync("leaver@crearis.test", CrearisAppFactory.AdminEmail))
                .Succeeded.Should().BeTrue();
        await EngineHarness.ExecuteAsync(database.ConnectionString,
            "UPDATE crearis_admin.api_tokens SET \"ExpiresAt\" = now() - interval '1 minute' WHERE \"ExpiresAt\" < now() + interval '2 days'");

        using var deleted = BearerClient(leaver);
        using var expired = BearerClient(expiring);
        using var madeUp = BearerClient("crb_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));

        (await deleted.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await expired.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await madeUp.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await madeUp.GetAsync("/api/database")).Headers.WwwAuthenticate.ToString().Should().Contain("Bearer");
    }

    [Theory]
    [InlineData("366d")]
    [InlineData("0d")]
    [InlineData("soon")]
    public async Task A_token_lives_at_most_a_year(string expires)
    {
        var created = await TokenCommandAsync("create", "--email", CrearisAppFactory.AdminEmail, "--scope", "backups:read", "--expires", expires);

        created.ExitCode.Should().Be(ExitCodes.BadArguments);
        created.Output.Should().NotContain("crb_");
        (await ScalarAsync("SELECT count(*) FROM crearis_admin.api_tokens")).Should().Be(0L);
    }

    [Fact]
    public async Task An_unknown_scope_or_user_makes_no_token()
    {
        var scope = await TokenCommandAsync("create", "--email", CrearisAppFactory.AdminEmail, "--scope", "backups:write");
        var user = await TokenCommandAsync("create", "--email", "nobody@crearis.test", "--scope", "backups:read");

        scope.ExitCode.Should().Be(ExitCodes.BadArguments);
        scope.Error.Should().Contain("backups:write").And.Contain("backups:read, export, import");
        user.ExitCode.Should().Be(ExitCodes.Failed);
        user.Error.Should().Contain("nobody@crearis.test");
        (await ScalarAsync("SELECT count(*) FROM crearis_admin.api_tokens")).Should().Be(0L);
    }

    [Fact]
    public async Task A_token_appears_in_no_log_line_and_in_no_backup()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = _app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)));
        var token = await CreateTokenAsync(CrearisAppFactory.AdminEmail, "backups:read,export");
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        (await client.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.PostAsJsonAsync("/api/exports", new { })).StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await client.PostAsJsonAsync("/api/users", new { email = "x@crearis.test", role = "Viewer", password = "Xx-Passw0rd!" }))
            .StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var wrong = app.CreateClient();
        var madeUp = "crb_" + new string('A', 43);
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", madeUp);
        (await wrong.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var backup = await EngineHarness.ExportAsync(database.ConnectionString,
            Path.Combine(_app.BackupFolder, $"scan-{Guid.NewGuid():N}.tar.gz"));

        var secret = token["crb_".Length..];
        logs.Messages.Should().NotBeEmpty();
        var madeUpSecret = madeUp["crb_".Length..];
        logs.Messages.Should().NotContain(m => m.Contains(secret) || m.Contains(madeUpSecret));
        var hash = Convert.ToHexString((byte[])(await ScalarAsync("SELECT \"Hash\" FROM crearis_admin.api_tokens"))!);
        var unpacked = await UnpackAsync(backup);
        unpacked.Should().NotContain(secret).And.NotContainEquivalentOf(hash).And.NotContain("api_tokens");
    }

    private static async Task<string> UnpackAsync(string file)
    {
        await using var stream = File.OpenRead(file);
        await using var gzip = new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private async Task<string> MakeBackupAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"crearis-token-{Guid.NewGuid():N}.tar.gz");
        return await EngineHarness.ExportAsync(database.ConnectionString, file);
    }

    private sealed class RemoteAddress(string address) : IStartupFilter
    {
        public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
        {
            app.Use(following => context =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(address);
                return following(context);
            });
            next(app);
        };
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public IReadOnlyCollection<string> Messages => _messages;

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                // The structured values too: a token passed as a parameter but left out of the template would still be logged.
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                owner._messages.Enqueue($"{formatter(state, exception)} {values} {exception}");
            }
        }
    }
}
