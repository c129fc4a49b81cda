using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Crearis.Admin.Tests.Browser;

/// <summary>
/// The pages this round added or changed (API page, own account, password, the tokens dialog) on a phone: nothing is
/// wider than the screen, so no control is out of reach. Screenshots at 390 px go to the test artifacts.
/// </summary>
public sealed class PhoneLayoutBrowserTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private BrowserSession _session = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _session = await BrowserSession.StartAsync(database.ConnectionString);
        await _session.App.AddUserAsync("viewer@crearis.test", Roles.Viewer, "Viewer-Passw0rd!");
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    [Theory]
    [InlineData("/api-docs", "text=List the backup folder", "40-api-page-390.png")]
    [InlineData("/Account/Manage", "h1, h2, h3", "41-account-390.png")]
    [InlineData("/Account/Manage/ChangePassword", "input[type=password]", "42-change-password-390.png")]
    public async Task A_page_fits_a_390_px_screen(string path, string ready, string screenshot)
    {
        var page = await PhonePageAsync();

        await page.GotoAsync(_session.BaseUrl + path);
        await page.WaitForSelectorAsync(ready);
        await BrowserSession.ScreenshotAsync(page, screenshot);

        (await WidestAsync(page)).Should().BeLessThanOrEqualTo(390, $"{path} scrolls sideways on a phone");
    }

    [Fact]
    public async Task The_api_tokens_dialog_fits_a_390_px_screen()
    {
        var page = await PhonePageAsync();
        await page.GotoAsync(_session.BaseUrl + "/users");
        var row = page.Locator("[data-testid=users-grid] tr", new() { HasText = "viewer@crearis.test" });
        await row.Locator("[data-testid=api-tokens]").ClickAsync();
        await page.WaitForSelectorAsync("[data-testid=api-tokens-dialog]");
        await BrowserSession.ScreenshotAsync(page, "43-api-tokens-390.png");

        var dialog = await page.Locator("[data-testid=api-tokens-dialog]").BoundingBoxAsync();
        dialog!.X.Should().BeGreaterThanOrEqualTo(0);
        (dialog.X + dialog.Width).Should().BeLessThanOrEqualTo(390, "the dialog's buttons stay on screen");
    }

    private async Task<IPage> PhonePageAsync()
    {
        var page = await _session.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await _session.SignInAsync(page);
        await page.SetViewportSizeAsync(390, 844);
        return page;
    }

    /// <summary>How wide the page's content is, in CSS pixels (more than the viewport: it scrolls sideways).</summary>
    private static Task<int> WidestAsync(IPage page) => page.EvaluateAsync<int>("document.documentElement.scrollWidth");
}
