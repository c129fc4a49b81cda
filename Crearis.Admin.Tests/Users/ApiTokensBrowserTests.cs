using System.Net;
using System.Net.Http.Headers;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Browser;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Users;

/// <summary>API tokens on the Users page in headless Chromium: made, shown once, used by a script, revoked.</summary>
public sealed class ApiTokensBrowserTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private BrowserSession _session = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _session = await BrowserSession.StartAsync(database.ConnectionString);
        await _session.App.AddUserAsync("viewer@crearis.test", Roles.Viewer, "Viewer-Passw0rd!");
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task An_admin_makes_a_token_for_a_viewer_sees_it_once_and_revokes_it_and_a_script_feels_both()
    {
        var page = await _session.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await _session.SignInAsync(page);
        await page.GotoAsync(_session.BaseUrl + "/users");
        await page.WaitForSelectorAsync("[data-testid=add-user]:enabled");

        var row = page.Locator("[data-testid=users-grid] tr", new() { HasText = "viewer@crearis.test" });
        await row.Locator("[data-testid=api-tokens]").ClickAsync();
        await page.WaitForSelectorAsync("[data-testid=api-tokens-dialog] >> text=No API tokens yet");
        await page.FillAsync("[data-testid=token-name]", "nightly listing");
        await page.ClickAsync("[data-testid=token-scope-backups-read]");
        await page.ClickAsync("[data-testid=token-create]");
        var shown = await page.WaitForSelectorAsync("[data-testid=token-once] input");
        var token = await shown!.InputValueAsync();
        await page.ClickAsync("[data-testid=token-copy]");
        await BrowserSession.ScreenshotAsync(page, "35-api-token-made.png");

        token.Should().MatchRegex("^crb_[A-Za-z0-9_-]{43}$");
        (await page.EvaluateAsync<string>("navigator.clipboard.readText()")).Should().Be(token);
        using var script = new HttpClient { BaseAddress = new Uri(_session.BaseUrl) };
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        (await script.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.OK);

        // Closed and opened again: the token is listed with its last use, and is not shown any more.
        await page.ClickAsync("[data-testid=api-tokens-close]");
        await row.Locator("[data-testid=api-tokens]").ClickAsync();
        var listed = page.Locator("[data-testid=api-token-row]", new() { HasText = "nightly listing" });
        await listed.WaitForAsync();
        (await listed.TextContentAsync()).Should().Contain("backups:read").And.Contain("Last used");
        (await page.ContentAsync()).Should().NotContain(token);
        await listed.Locator("[data-testid=token-revoke]").ClickAsync();
        await page.ClickAsync(".mud-dialog-actions button:has-text('Revoke')");
        await page.WaitForSelectorAsync("[data-testid=api-token-row] >> text=Revoked");
        await BrowserSession.ScreenshotAsync(page, "36-api-token-revoked.png");

        (await script.GetAsync("/api/backups")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_viewer_finds_the_api_page_in_the_menu_and_the_browser_asks_no_other_host_for_it()
    {
        var page = await _session.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var requested = new System.Collections.Concurrent.ConcurrentBag<string>();
        page.Request += (_, request) => requested.Add(request.Url);
        await _session.SignInAsync(page, "viewer@crearis.test", "Viewer-Passw0rd!");

        // The menu links to it; opened directly, so no click races the circuit's start.
        (await page.GetAttributeAsync("nav a:has-text('API')", "href")).Should().EndWith("api-docs");
        await page.GotoAsync(_session.BaseUrl + "/api-docs");
        await page.WaitForSelectorAsync("[data-testid=api-operation] >> text=\"/api/backups/{name}/download\"");
        await page.Locator("[data-testid=api-operation]").Nth(8).WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "37-api-page.png");

        var origin = new Uri(_session.BaseUrl).GetLeftPart(UriPartial.Authority);
        requested.Should().NotBeEmpty().And.OnlyContain(url => url.StartsWith(origin, StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal));
    }
}
