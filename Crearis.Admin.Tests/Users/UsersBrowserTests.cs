using Crearis.Admin.Security;
using Crearis.Admin.Tests.Browser;
using Crearis.Admin.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Crearis.Admin.Tests.Users;

/// <summary>The Users page in headless Chromium: an admin adds a viewer through the dialog.</summary>
public sealed class UsersBrowserTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private CrearisAppFactory _app = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private string _baseUrl = "";

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _app = new CrearisAppFactory(database.ConnectionString);
        _app.UseKestrel(0);
        _app.StartServer();
        _baseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(BrowserOptions.Headless());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _app.DisposeAsync();
    }

    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(RepoPaths.Artifacts, name), FullPage = true });

    [Fact]
    public async Task An_admin_adds_a_viewer_through_the_dialog_and_sees_them_in_the_grid()
    {
        // A few users, so the grid shows every state: an admin, viewers, one locked by an admin.
        await _app.AddUserAsync("ops@crearis.test", Roles.Admin, "Ops-Passw0rd!");
        await _app.AddUserAsync("anna.viewer@crearis.test", Roles.Viewer, "Anna-Passw0rd!");
        await _app.AddUserAsync("former.colleague@crearis.test", Roles.Viewer, "Former-Passw0rd!");
        await using (var scope = _app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<UserAdministration>().LockAsync("former.colleague@crearis.test", CrearisAppFactory.AdminEmail);

        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 800 } });
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(_baseUrl + "/Account/Login");
        await page.FillAsync("#Input\\.Email", CrearisAppFactory.AdminEmail);
        await page.FillAsync("#Input\\.Password", CrearisAppFactory.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=row-counts]");

        await page.GotoAsync(_baseUrl + "/users");
        // Usable once the circuit is interactive: the buttons say so by becoming enabled.
        await page.WaitForSelectorAsync("[data-testid=add-user]:enabled");
        await page.WaitForSelectorAsync("[data-testid=users-grid] >> text=former.colleague@crearis.test");
        await Shot(page, "30-users.png");

        await page.ClickAsync("[data-testid=add-user]");
        await page.WaitForSelectorAsync("[data-testid=add-user-dialog]");
        await page.FillAsync("[data-testid=new-user-email]", "new.viewer@crearis.test");
        await page.ClickAsync("[data-testid=role-viewer]");

        // Identity's password rules are shown in the dialog, which stays open.
        await page.FillAsync("[data-testid=new-user-password]", "password");
        await page.FillAsync("[data-testid=new-user-password-repeat]", "password");
        await page.ClickAsync("[data-testid=add-user-submit]");
        var errors = await page.WaitForSelectorAsync("[data-testid=add-user-errors]");
        (await errors!.TextContentAsync()).Should().Contain("Passwords must have at least one");
        await Shot(page, "32-add-user-password-rules.png");

        await page.FillAsync("[data-testid=new-user-password]", "New-Viewer-Passw0rd!");
        await page.FillAsync("[data-testid=new-user-password-repeat]", "New-Viewer-Passw0rd!");
        await page.ClickAsync("[data-testid=new-user-email]"); // leaves the repeat field, so it is validated
        await Shot(page, "31-add-user.png");
        await page.ClickAsync("[data-testid=add-user-submit]");

        await page.WaitForSelectorAsync("[data-testid=add-user-dialog]", new() { State = WaitForSelectorState.Detached });
        await page.WaitForSelectorAsync(".mud-snackbar >> text=Added new.viewer@crearis.test as Viewer.");
        var row = page.Locator("[data-testid=users-grid] tr", new() { HasText = "new.viewer@crearis.test" });
        await row.WaitForAsync();
        (await row.Locator("[data-testid=user-role]").TextContentAsync())!.Trim().Should().Be(Roles.Viewer);
        (await row.Locator("[data-testid=user-status]").TextContentAsync())!.Trim().Should().Be("Active");
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var added = await scope.ServiceProvider.GetRequiredService<UserAdministration>().FindAsync("new.viewer@crearis.test");
            added!.Role.Should().Be(Roles.Viewer);
        }
    }
}
