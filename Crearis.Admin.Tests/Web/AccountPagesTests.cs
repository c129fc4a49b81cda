using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crearis.Admin.Tests.Web;

/// <summary>
/// The account pages over HTTP against the real app: sign-in, sign-out, the own password and two-factor authentication.
/// What the product does not need is gone, and every account change obeys the Users page's rules and lands in its audit.
/// </summary>
public sealed partial class AccountPagesTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string Admin = CrearisAppFactory.AdminEmail;
    private const string Viewer = "viewer@crearis.test";
    private const string ViewerPassword = "Viewer-Passw0rd!";
    private const string NewPassword = "Brand-New-Passw0rd-4711";
    private static readonly Uri App = new("http://localhost/");
    private CrearisAppFactory _factory = null!;
    private WebApplicationFactory<Program> _app = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _factory = new CrearisAppFactory(database.ConnectionString);
        // Every request checks the security stamp (not once a minute), so a change that ends sessions shows at once.
        _app = _factory.WithWebHostBuilder(b => b.ConfigureServices(s =>
            s.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero)));
        await using var scope = _app.Services.CreateAsyncScope();
        (await scope.ServiceProvider.GetRequiredService<UserAdministration>().AddUserAsync(Viewer, Roles.Viewer, ViewerPassword))
            .Succeeded.Should().BeTrue();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task The_last_admin_cannot_delete_their_own_account_from_the_account_pages()
    {
        using var admin = await SignedInAsync(Admin, CrearisAppFactory.AdminPassword);

        var deleted = await PostAsync(admin, "/Account/Manage/DeletePersonalData", "delete-user",
            new() { ["Input.Password"] = CrearisAppFactory.AdminPassword });

        (await UserAsync(Admin)).Should().NotBeNull("the last admin is still there");
        deleted.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await SignInAsync(Admin, CrearisAppFactory.AdminPassword)).Should().Be(App);
    }

    [Theory]
    [InlineData("/Account/Manage/DeletePersonalData")]
    [InlineData("/Account/Manage/PersonalData")]
    [InlineData("/Account/Manage/Passkeys")]
    [InlineData("/Account/Manage/RenamePasskey?id=AAAA")]
    [InlineData("/Account/Manage/Email")]
    [InlineData("/Account/Manage/ExternalLogins")]
    [InlineData("/Account/Manage/SetPassword")]
    [InlineData("/Account/ExternalLogin")]
    [InlineData("/Account/Register")]
    [InlineData("/Account/ForgotPassword")]
    [InlineData("/Account/ForgotPasswordConfirmation")]
    [InlineData("/Account/ResetPassword?code=AAAA")]
    [InlineData("/Account/ResetPasswordConfirmation")]
    [InlineData("/Account/InvalidPasswordReset")]
    [InlineData("/Account/ConfirmEmail?userId=x&code=AAAA")]
    [InlineData("/Account/ConfirmEmailChange?userId=x&email=a@b.test&code=AAAA")]
    [InlineData("/Account/ResendEmailConfirmation")]
    public async Task A_page_the_product_does_not_need_is_not_found(string path)
    {
        using var viewer = await SignedInAsync(Viewer, ViewerPassword);

        var response = await viewer.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/Account/PasskeyCreationOptions")]
    [InlineData("/Account/PasskeyRequestOptions")]
    [InlineData("/Account/PerformExternalLogin")]
    [InlineData("/Account/Manage/LinkExternalLogin")]
    [InlineData("/Account/Manage/DownloadPersonalData")]
    public async Task An_endpoint_the_product_does_not_need_is_not_found(string path)
    {
        using var viewer = await SignedInAsync(Viewer, ViewerPassword);

        var response = await PostAsync(viewer, path, handler: null, new() { ["provider"] = "x", ["returnUrl"] = "/" });

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_account_page_links_to_the_password_and_two_factor_pages_and_to_nothing_that_is_gone()
    {
        using var viewer = await SignedInAsync(Viewer, ViewerPassword);

        var response = await viewer.GetAsync("/Account/Manage");
        var html = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        html.Should().Contain(Viewer);
        html.Should().Contain("Account/Manage/ChangePassword").And.Contain("Account/Manage/TwoFactorAuthentication");
        foreach (var gone in new[] { "PersonalData", "Passkey", "Manage/Email", "ExternalLogins", "PhoneNumber" })
            html.Should().NotContain(gone);
    }

    [Fact]
    public async Task The_sign_in_page_offers_no_passkey_and_no_e_mail_based_recovery()
    {
        using var client = Browser();

        var html = await client.GetStringAsync("/Account/Login");

        html.Should().NotContainEquivalentOf("passkey");
        html.Should().NotContain("ForgotPassword").And.NotContain("Register");
    }

    [Fact]
    public async Task The_admin_schema_the_app_uses_is_exactly_the_one_its_migrations_create()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();

        db.Database.HasPendingModelChanges().Should().BeFalse(
            "a model with tables the migrations never create (passkeys) fails with a server error when they are read");
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("http://localhost@evil.example/")]
    [InlineData("javascript:alert(1)")]
    [InlineData("%")]
    [InlineData("%%%zz")]
    [InlineData("backups")]
    public async Task A_correct_password_with_a_hostile_return_url_lands_on_the_dashboard(string returnUrl)
    {
        var landing = await SignInAsync(Viewer, ViewerPassword, returnUrl);

        landing.Should().Be(App);
    }

    [Theory]
    [InlineData("/backups", "/backups")]
    [InlineData("/history?page=2", "/history?page=2")]
    [InlineData("http://localhost/audit", "/audit")]
    public async Task A_correct_password_with_a_return_url_of_this_app_lands_there(string returnUrl, string expected)
    {
        var landing = await SignInAsync(Viewer, ViewerPassword, returnUrl);

        landing.Should().Be(new Uri(App, expected));
    }

    [Fact]
    public async Task A_wrong_password_is_not_echoed_back_into_the_sign_in_page()
    {
        using var client = Browser();
        const string wrong = "Not-The-Password-4711";

        var response = await PostSignInAsync(client, Viewer, wrong);
        var html = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        html.Should().Contain("Invalid login attempt");
        html.Should().Contain(Viewer, "the e-mail may stay in the form");
        html.Should().NotContain(wrong);
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("https://evil.example/")]
    [InlineData("%")]
    public async Task Signing_out_with_a_hostile_return_url_signs_out_and_lands_in_this_app(string returnUrl)
    {
        using var viewer = await SignedInAsync(Viewer, ViewerPassword);

        var response = await PostAsync(viewer, "/Account/Logout", handler: null, new() { ["ReturnUrl"] = returnUrl });

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        new Uri(App, response.Headers.Location!).Host.Should().Be("localhost");
        (await viewer.GetAsync("/")).Headers.Location!.ToString().Should().Contain("/Account/Login", "the session ended");
    }

    [Fact]
    public async Task A_user_changes_their_own_password_and_the_change_is_audited()
    {
        using var viewer = await SignedInAsync(Viewer, ViewerPassword);
        using var elsewhere = await SignedInAsync(Viewer, ViewerPassword);

        var changed = await ChangePasswordAsync(viewer, ViewerPassword, NewPassword);

        changed.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await viewer.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.OK, "the session that changed the password goes on");
        (await elsewhere.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.Redirect, "other sessions end");
        (await SignInAsync(Viewer, NewPassword)).Should().Be(App);
        (await SignInAsync(Viewer, ViewerPassword)).Should().BeNull();
        (await AuditAsync()).Should().Equal((Viewer, "succeeded", Viewer, "own password changed"));
    }

    [Fact]
    public async Task A_wrong_current_password_changes_nothing_says_so_echoes_nothing_and_is_audited()
    {
        using var viewer = await SignedInAsync(Viewer, ViewerPassword);
        const string wrong = "Wrong-Current-4711";

        var response = await ChangePasswordAsync(viewer, wrong, NewPassword);
        var html = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        html.Should().Contain("The current password is not right.");
        html.Should().NotContain(wrong).And.NotContain(NewPassword);
        (await SignInAsync(Viewer, ViewerPassword)).Should().Be(App);
        (await SignInAsync(Viewer, NewPassword)).Should().BeNull();
        (await AuditAsync()).Should().Equal(
            (Viewer, "wrong-credentials", Viewer, "own password changed refused: The current password is not right."));
    }

    [Fact]
    public async Task A_new_password_that_breaks_the_rules_is_refused_with_identitys_reasons()
    {
        using var viewer = await SignedInAsync(Viewer, ViewerPassword);

        var response = await ChangePasswordAsync(viewer, ViewerPassword, "short-1");

        (await response.Content.ReadAsStringAsync()).Should().Contain("Passwords must have at least one uppercase");
        (await SignInAsync(Viewer, ViewerPassword)).Should().Be(App);
        (await AuditAsync()).Should().ContainSingle().Which.Outcome.Should().Be("invalid");
    }

    [Fact]
    public async Task A_user_locked_by_an_admin_cannot_change_their_own_account_and_the_refusal_is_audited()
    {
        await using (var scope = _app.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<UserAdministration>().LockAsync(Viewer, Admin))
                .Status.Should().Be(UserChangeStatus.Done);
        // A session that has not noticed the lock yet: its sign-in still says Viewer.
        await using var session = SignedInScope(Viewer, Roles.Viewer);
        var account = session.ServiceProvider.GetRequiredService<UserManagement>();

        var password = await account.ChangeOwnPasswordAsync(ViewerPassword, NewPassword);
        var twoFactor = await account.ResetOwnAuthenticatorAsync();

        password.Status.Should().Be(UserChangeStatus.Forbidden);
        twoFactor.Status.Should().Be(UserChangeStatus.Forbidden);
        var user = (await UserAsync(Viewer))!;
        await using (var scope = _app.Services.CreateAsyncScope())
            (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().CheckPasswordAsync(user, ViewerPassword))
                .Should().BeTrue("nothing changed");
        (await AuditAsync()).Should().Equal(
            (Viewer, "forbidden", Viewer, "own password changed refused: Only a signed-in user may change their account; yours is locked or gone."),
            (Viewer, "forbidden", Viewer,
                "authenticator key reset, two-factor authentication disabled refused: Only a signed-in user may change their account; yours is locked or gone."));
    }

    [Fact]
    public async Task Two_factor_authentication_is_enabled_used_renewed_and_disabled_and_every_change_is_audited()
    {
        using var viewer = await SignedInAsync(Viewer, ViewerPassword);

        // Set up: the key the page shows gives the code an authenticator app would show.
        var setup = await viewer.GetStringAsync("/Account/Manage/EnableAuthenticator");
        var key = SharedKey().Match(setup).Groups[1].Value.Replace(" ", "").ToUpperInvariant();
        key.Should().NotBeEmpty();
        var wrongCode = await PostAsync(viewer, "/Account/Manage/EnableAuthenticator", "send-code", new() { ["Input.Code"] = WrongCode(key) });
        (await UserAsync(Viewer))!.TwoFactorEnabled.Should().BeFalse();
        var enabled = await PostAsync(viewer, "/Account/Manage/EnableAuthenticator", "send-code", new() { ["Input.Code"] = Totp(key) });
        var recoveryCodes = RecoveryCode().Matches(await enabled.Content.ReadAsStringAsync()).Select(m => m.Groups[1].Value).ToList();

        (await wrongCode.Content.ReadAsStringAsync()).Should().Contain("Verification code is invalid.");
        recoveryCodes.Should().HaveCount(10);
        (await UserAsync(Viewer))!.TwoFactorEnabled.Should().BeTrue();
        (await viewer.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.OK, "the session that enabled 2FA goes on");

        // A password alone no longer signs in; a recovery code after it does.
        using var other = Browser();
        var password = await PostSignInAsync(other, Viewer, ViewerPassword);
        password.Headers.Location!.ToString().Should().Contain("Account/LoginWith2fa");
        (await other.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.Redirect, "not signed in yet");
        var recovered = await PostAsync(other, "/Account/LoginWithRecoveryCode", "login-with-recovery-code",
            new() { ["Input.RecoveryCode"] = recoveryCodes[0] }, tokenFrom: "/Account/LoginWithRecoveryCode");
        recovered.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await other.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.OK);

        var renewed = await PostAsync(viewer, "/Account/Manage/GenerateRecoveryCodes", "generate-recovery-codes", []);
        RecoveryCode().Matches(await renewed.Content.ReadAsStringAsync()).Should().HaveCount(10);
        var disabled = await PostAsync(viewer, "/Account/Manage/Disable2fa", "disable-2fa", []);
        disabled.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await UserAsync(Viewer))!.TwoFactorEnabled.Should().BeFalse();
        var reset = await PostAsync(viewer, "/Account/Manage/ResetAuthenticator", "reset-authenticator", []);
        reset.StatusCode.Should().Be(HttpStatusCode.Redirect);
        (await viewer.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.OK, "the session that made the changes goes on");
        (await UserAsync(Viewer))!.TwoFactorEnabled.Should().BeFalse();

        (await AuditAsync()).Should().Equal(
            (Viewer, "succeeded", Viewer, "authenticator key created"),
            (Viewer, "wrong-credentials", Viewer, "two-factor authentication enabled refused: Verification code is invalid."),
            (Viewer, "succeeded", Viewer, "two-factor authentication enabled"),
            (Viewer, "succeeded", Viewer, "two-factor recovery codes renewed"),
            (Viewer, "succeeded", Viewer, "two-factor authentication disabled"),
            (Viewer, "succeeded", Viewer, "authenticator key reset, two-factor authentication disabled"));
        (await SignInAuditAsync()).Should().Contain(("needs-2fa", null)).And.Contain(("succeeded", "with a recovery code"));
    }

    [Fact]
    public async Task With_2fa_on_the_authenticator_code_completes_the_sign_in_and_a_hostile_return_url_still_lands_in_this_app()
    {
        using var viewer = await SignedInAsync(Viewer, ViewerPassword);
        var setup = await viewer.GetStringAsync("/Account/Manage/EnableAuthenticator");
        var key = SharedKey().Match(setup).Groups[1].Value.Replace(" ", "").ToUpperInvariant();
        (await PostAsync(viewer, "/Account/Manage/EnableAuthenticator", "send-code", new() { ["Input.Code"] = Totp(key) }))
            .StatusCode.Should().Be(HttpStatusCode.OK);
        using var browser = Browser();

        var password = await PostSignInAsync(browser, Viewer, ViewerPassword, "//evil.example/");
        var secondStep = new Uri(App, password.Headers.Location!);
        var wrong = await PostAsync(browser, secondStep.PathAndQuery, "login-with-2fa",
            new() { ["Input.TwoFactorCode"] = WrongCode(key) }, tokenFrom: secondStep.PathAndQuery);
        var right = await PostAsync(browser, secondStep.PathAndQuery, "login-with-2fa",
            new() { ["Input.TwoFactorCode"] = Totp(key, 1) }, tokenFrom: secondStep.PathAndQuery);

        secondStep.AbsolutePath.Should().Be("/Account/LoginWith2fa");
        (await wrong.Content.ReadAsStringAsync()).Should().Contain("Invalid authenticator code.");
        right.StatusCode.Should().Be(HttpStatusCode.Redirect);
        new Uri(App, right.Headers.Location!).Should().Be(App);
        (await browser.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await SignInAuditAsync()).Should().Contain(("wrong-credentials", "with an authenticator code"))
            .And.Contain(("succeeded", "with an authenticator code"));
    }

    [Fact]
    public async Task Two_factor_pages_that_need_2fa_on_say_so_instead_of_failing()
    {
        using var viewer = await SignedInAsync(Viewer, ViewerPassword);

        var disable = await viewer.GetAsync("/Account/Manage/Disable2fa");
        var codes = await viewer.GetAsync("/Account/Manage/GenerateRecoveryCodes");
        using var anonymous = Browser();
        var secondStep = await anonymous.GetAsync("/Account/LoginWith2fa");

        disable.StatusCode.Should().Be(HttpStatusCode.OK);
        (await disable.Content.ReadAsStringAsync()).Should().Contain("Two-factor authentication is not on.");
        codes.StatusCode.Should().Be(HttpStatusCode.OK);
        (await codes.Content.ReadAsStringAsync()).Should().Contain("Two-factor authentication is not on.");
        secondStep.StatusCode.Should().Be(HttpStatusCode.Redirect, "without a password first there is no second step");
        secondStep.Headers.Location!.ToString().Should().Contain("/Account/Login");
    }

    /// <summary>A scope whose sign-in says the given user is signed in with the given role, as a page's would.</summary>
    private AsyncServiceScope SignedInScope(string email, string role)
    {
        var scope = _app.Services.CreateAsyncScope();
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, email), new Claim(ClaimTypes.Role, role)], "Test");
        ((IHostEnvironmentAuthenticationStateProvider)scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>())
            .SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(identity))));
        return scope;
    }

    private HttpClient Browser() =>
        _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private async Task<HttpClient> SignedInAsync(string email, string password)
    {
        var client = Browser();
        (await PostSignInAsync(client, email, password)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        return client;
    }

    /// <summary>Where a fresh browser lands after signing in (resolved against the app), or null when it was refused.</summary>
    private async Task<Uri?> SignInAsync(string email, string password, string? returnUrl = null)
    {
        using var client = Browser();
        var response = await PostSignInAsync(client, email, password, returnUrl);
        response.StatusCode.Should().NotBe(HttpStatusCode.InternalServerError);
        return response.StatusCode == HttpStatusCode.Redirect ? new Uri(App, response.Headers.Location!) : null;
    }

    private static Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string email, string password, string? returnUrl = null)
    {
        var path = returnUrl is null ? "/Account/Login" : $"/Account/Login?ReturnUrl={Uri.EscapeDataString(returnUrl)}";
        return PostAsync(client, path, "login",
            new() { ["Input.Email"] = email, ["Input.Password"] = password, ["Input.RememberMe"] = "false" }, tokenFrom: "/Account/Login");
    }

    private static Task<HttpResponseMessage> ChangePasswordAsync(HttpClient client, string current, string next) =>
        PostAsync(client, "/Account/Manage/ChangePassword", "change-password", new()
        {
            ["Input.OldPassword"] = current,
            ["Input.NewPassword"] = next,
            ["Input.ConfirmPassword"] = next,
        });

    /// <summary>
    /// Posts a form as a browser would: with the antiforgery token of a page this client may open (the form's own page,
    /// or the password page when the form's page is gone) and the form's name.
    /// </summary>
    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string? handler,
        Dictionary<string, string> fields, string tokenFrom = "/Account/Manage/ChangePassword")
    {
        var page = await client.GetAsync(tokenFrom);
        var token = AntiforgeryField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        token.Should().NotBeEmpty($"{tokenFrom} carries an antiforgery token");
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token);
        if (handler is not null) fields["_handler"] = handler;
        return await client.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    private async Task<ApplicationUser?> UserAsync(string email)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email);
    }

    /// <summary>The user-change entries, oldest first: who did it, the outcome, whom it changed, what.</summary>
    private async Task<List<(string? User, string Outcome, string? Target, string? Detail)>> AuditAsync()
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AdminDbContext>>().CreateDbContextAsync();
        return (await db.AuditEvents.Where(a => a.Action == AuditAction.UserChange).OrderBy(a => a.Id).ToListAsync())
            .Select(a => (a.User, a.Outcome, a.Target, a.Detail)).ToList();
    }

    private async Task<List<(string Outcome, string? Detail)>> SignInAuditAsync()
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AdminDbContext>>().CreateDbContextAsync();
        return (await db.AuditEvents.Where(a => (a.Action == AuditAction.SignIn || a.Action == AuditAction.SignInFailed) && a.User == Viewer)
                .OrderBy(a => a.Id).ToListAsync())
            .Select(a => (a.Outcome, a.Detail)).ToList();
    }

    /// <summary>The code an authenticator app shows now for this key (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits).</summary>
    private static string Totp(string base32Key, long stepOffset = 0)
    {
        var step = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30 + stepOffset;
        var counter = BitConverter.GetBytes(step);
        if (BitConverter.IsLittleEndian) Array.Reverse(counter);
        var hash = HMACSHA1.HashData(Base32(base32Key), counter);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6");
    }

    /// <summary>A six-digit code that is not valid now nor in the steps around now that Identity accepts.</summary>
    private static string WrongCode(string base32Key)
    {
        var near = Enumerable.Range(-3, 7).Select(i => Totp(base32Key, i)).ToHashSet();
        return Enumerable.Range(0, 10).Select(i => $"{i}{i}{i}{i}{i}{i}").First(c => !near.Contains(c));
    }

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('='))
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. bytes];
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<kbd>([a-z2-7 ]+)</kbd>")]
    private static partial Regex SharedKey();

    [GeneratedRegex("<code class=\"recovery-code\">([^<]+)</code>")]
    private static partial Regex RecoveryCode();
}
