using Crearis.Admin.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Crearis.Admin.Tests.Browser;

/// <summary>The real app on a real loopback port, and Debian's Chromium driving it.</summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private BrowserSession(CrearisAppFactory app, IPlaywright playwright, IBrowser browser, string baseUrl)
    {
        App = app;
        Playwright = playwright;
        Browser = browser;
        BaseUrl = baseUrl;
    }

    public CrearisAppFactory App { get; }
    public IPlaywright Playwright { get; }
    public IBrowser Browser { get; }
    public string BaseUrl { get; }

    public static async Task<BrowserSession> StartAsync(string connectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var app = new CrearisAppFactory(connectionString, settings: settings);
        app.UseKestrel(0);
        app.StartServer();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(BrowserOptions.Headless());
        return new BrowserSession(app, playwright, browser, baseUrl);
    }

    public Task<IPage> NewPageAsync() => Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });

    /// <summary>
    /// A signed-in admin's page in a browser context of its own at the given size (a second page of the context shares
    /// the sign-in), waiting up to a minute for what it is asked to find.
    /// </summary>
    public async Task<IPage> SignedInPageAsync(int width, int height, bool acceptDownloads = false)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, AcceptDownloads = acceptDownloads });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await SignInAsync(page);
        return page;
    }

    /// <summary>Signs in through the login form and waits for the dashboard.</summary>
    public async Task SignInAsync(IPage page, string email = CrearisAppFactory.AdminEmail, string password = CrearisAppFactory.AdminPassword)
    {
        await page.GotoAsync(BaseUrl + "/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=row-counts]");
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, name), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await App.DisposeAsync();
        try { Directory.Delete(App.BackupFolder, recursive: true); } catch (IOException) { }
    }
}
