using System.Net;
using System.Net.Http.Json;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Web;

public sealed class AuthorizationTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private CrearisAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _app = new CrearisAppFactory(database.ConnectionString);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/")]
    [InlineData("/backups")]
    [InlineData("/history")]
    [InlineData("/users")]
    public async Task Anonymous_visitors_are_sent_to_the_login_page(string path)
    {
        using var client = _app.CreateBrowserLikeClient();

        var response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().Should().Contain("/Account/Login");
    }

    [Fact]
    public async Task Anonymous_callers_of_the_api_get_401_not_a_login_page()
    {
        using var client = _app.CreateBrowserLikeClient();

        var response = await client.GetAsync("/api/database");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_login_page_and_the_logo_are_reachable_without_signing_in()
    {
        using var client = _app.CreateBrowserLikeClient();

        (await client.GetAsync("/Account/Login")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("/assets/logo.svg")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_first_admin_from_configuration_can_sign_in_and_see_the_dashboard()
    {
        using var client = _app.CreateBrowserLikeClient();

        var signIn = await CrearisAppFactory.SignInAsync(client, CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword);
        signIn.StatusCode.Should().Be(HttpStatusCode.Redirect);

        var dashboard = await client.GetAsync("/");
        dashboard.StatusCode.Should().Be(HttpStatusCode.OK);
        (await dashboard.Content.ReadAsStringAsync()).Should().Contain("Dashboard");
    }

    [Fact]
    public async Task A_viewer_gets_403_on_admin_actions()
    {
        await _app.AddUserAsync("viewer@crearis.test", Roles.Viewer, "Viewer-Passw0rd!");
        using var client = _app.CreateBrowserLikeClient();
        (await CrearisAppFactory.SignInAsync(client, "viewer@crearis.test", "Viewer-Passw0rd!"))
            .StatusCode.Should().Be(HttpStatusCode.Redirect);

        var addUser = await client.PostAsJsonAsync("/api/users",
            new { email = "someone@crearis.test", role = "Admin", password = "Someone-Passw0rd!" });
        var usersPage = await client.GetAsync("/users");
        var read = await client.GetAsync("/api/database");

        addUser.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        usersPage.StatusCode.Should().Be(HttpStatusCode.Redirect);
        usersPage.Headers.Location!.ToString().Should().Contain("/Account/AccessDenied");
        read.StatusCode.Should().Be(HttpStatusCode.OK, "viewers may read");
        (await read.Content.ReadAsStringAsync()).Should().Contain(database.DatabaseName);
    }

    [Fact]
    public async Task An_admin_may_add_users_through_the_api()
    {
        using var client = _app.CreateBrowserLikeClient();
        await CrearisAppFactory.SignInAsync(client, CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword);

        var created = await client.PostAsJsonAsync("/api/users",
            new { email = "second@crearis.test", role = "viewer", password = "Second-Passw0rd!" });
        var duplicate = await client.PostAsJsonAsync("/api/users",
            new { email = "second@crearis.test", role = "Viewer", password = "Second-Passw0rd!" });
        var weak = await client.PostAsJsonAsync("/api/users",
            new { email = "third@crearis.test", role = "Viewer", password = "short" });

        created.StatusCode.Should().Be(HttpStatusCode.Created);
        duplicate.StatusCode.Should().Be(HttpStatusCode.Conflict);
        weak.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await weak.Content.ReadAsStringAsync()).Should().Contain("Passwords must be at least");
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_for_the_right_one()
    {
        using var client = _app.CreateBrowserLikeClient();
        for (var i = 0; i < 5; i++)
            await CrearisAppFactory.SignInAsync(client, CrearisAppFactory.AdminEmail, "wrong-password-" + i);

        var right = await CrearisAppFactory.SignInAsync(client, CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword);

        right.StatusCode.Should().Be(HttpStatusCode.Redirect);
        right.Headers.Location!.ToString().Should().Contain("Account/Lockout");
    }
}
