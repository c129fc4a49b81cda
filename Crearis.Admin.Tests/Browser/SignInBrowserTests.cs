using Crearis.Admin.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Crearis.Admin.Tests.Browser;

/// <summary>Drives the real app on a real port with Debian's Chromium, headless.</summary>
public sealed class SignInBrowserTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private BrowserSession _session = null!;
    private IBrowser _browser => _session.Browser;
    private string _baseUrl => _session.BaseUrl;

    public async Task InitializeAsync()
    {
        await database.ResetWithDemoDataAsync(300);
        _session = await BrowserSession.StartAsync(database.ConnectionString);
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    [Fact]
    public async Task An_admin_signs_in_and_lands_on_the_dashboard_with_row_counts()
    {
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 900 } });
        await page.GotoAsync(_baseUrl + "/");

        await page.WaitForURLAsync("**/Account/Login**");
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, "01-login.png"), FullPage = true });
        await page.FillAsync("#Input\\.Email", CrearisAppFactory.AdminEmail);
        await page.FillAsync("#Input\\.Password", CrearisAppFactory.AdminPassword);
        await page.ClickAsync("button[type=submit]");

        await page.WaitForSelectorAsync("[data-testid=row-counts]");
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, "02-dashboard.png"), FullPage = true });
        (await page.TextContentAsync("[data-testid=signed-in-user]"))!.Trim().Should().Be(CrearisAppFactory.AdminEmail);
        (await page.TextContentAsync("[data-testid=db-name]")).Should().Be(database.DatabaseName);
        var users = int.Parse((await page.TextContentAsync("td[data-table=users]"))!.Trim().Replace(",", ""));
        users.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task A_wrong_password_shows_an_error_on_the_login_page()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(_baseUrl + "/Account/Login");
        await page.FillAsync("#Input\\.Email", CrearisAppFactory.AdminEmail);
        await page.FillAsync("#Input\\.Password", "not-the-password");
        await page.ClickAsync("button[type=submit]");

        await page.WaitForSelectorAsync("text=Invalid login attempt");
        page.Url.Should().Contain("/Account/Login");
        await page.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, "03-login-failed.png"), FullPage = true });
    }
}

public static class BrowserOptions
{
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("CREARIS_CHROMIUM") is { Length: > 0 } given ? given : "/usr/bin/chromium";

    /// <summary>Debian's Chromium, headless, without the background traffic this closed network refuses.</summary>
    public static BrowserTypeLaunchOptions Headless() => new()
    {
        ExecutablePath = ChromiumPath,
        Headless = true,
        Args =
        [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        ],
    };
}
