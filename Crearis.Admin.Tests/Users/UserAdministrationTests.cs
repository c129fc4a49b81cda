using System.Net;
using System.Security.Claims;
using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Crearis.Admin.Tests.Infrastructure;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crearis.Admin.Tests.Users;

/// <summary>User administration against the real test database, and sign-ins over HTTP to see that it took effect.</summary>
public sealed class UserAdministrationTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private const string Admin = CrearisAppFactory.AdminEmail;
    private const string SecondAdmin = "second-admin@crearis.test";
    private const string Viewer = "viewer@crearis.test";
    private const string Password = "Viewer-Passw0rd!";
    private CrearisAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        await database.ResetAsync();
        _app = new CrearisAppFactory(database.ConnectionString);
        _ = _app.Services; // starts the app: admin schema, roles and the first admin
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<T> WithUsersAsync<T>(Func<UserAdministration, Task<T>> action)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserAdministration>());
    }

    private enum SignIn { SignedIn, LockedOut, Refused }

    private async Task<SignIn> SignInAsync(string email, string password)
    {
        using var client = _app.CreateBrowserLikeClient();
        var response = await CrearisAppFactory.SignInAsync(client, email, password);
        if (response.StatusCode != HttpStatusCode.Redirect) return SignIn.Refused;
        return response.Headers.Location!.ToString().Contains("Lockout") ? SignIn.LockedOut : SignIn.SignedIn;
    }

    [Fact]
    public async Task The_last_admin_cannot_be_demoted_locked_or_deleted()
    {
        await _app.AddUserAsync(Viewer, Roles.Viewer, Password);

        var demoted = await WithUsersAsync(u => u.ChangeRoleAsync(Admin, Roles.Viewer));
        var locked = await WithUsersAsync(u => u.LockAsync(Admin, Viewer));
        var deleted = await WithUsersAsync(u => u.DeleteAsync(Admin, Viewer));

        foreach (var result in new[] { demoted, locked, deleted })
        {
            result.Status.Should().Be(UserChangeStatus.LastAdmin);
            result.Errors.Should().ContainSingle().Which.Should().Contain($"{Admin} is the last admin; add another admin first.");
        }
        var admin = await WithUsersAsync(u => u.FindAsync(Admin));
        admin!.Role.Should().Be(Roles.Admin);
        admin.IsLockedOut(DateTimeOffset.UtcNow).Should().BeFalse();
        (await SignInAsync(Admin, CrearisAppFactory.AdminPassword)).Should().Be(SignIn.SignedIn);
    }

    [Fact]
    public async Task With_a_second_admin_the_first_may_be_demoted_and_then_the_second_is_the_last()
    {
        await _app.AddUserAsync(SecondAdmin, Roles.Admin, Password);

        var demoted = await WithUsersAsync(u => u.ChangeRoleAsync(Admin, "viewer"));
        var secondDemoted = await WithUsersAsync(u => u.ChangeRoleAsync(SecondAdmin, Roles.Viewer));

        demoted.Status.Should().Be(UserChangeStatus.Done);
        (await WithUsersAsync(u => u.FindAsync(Admin)))!.Role.Should().Be(Roles.Viewer);
        secondDemoted.Status.Should().Be(UserChangeStatus.LastAdmin);
        (await WithUsersAsync(u => u.FindAsync(SecondAdmin)))!.Role.Should().Be(Roles.Admin);
    }

    [Fact]
    public async Task A_locked_out_admin_does_not_count_as_another_admin()
    {
        await _app.AddUserAsync(SecondAdmin, Roles.Admin, Password);
        (await WithUsersAsync(u => u.LockAsync(SecondAdmin, Admin))).Status.Should().Be(UserChangeStatus.Done);

        var demoted = await WithUsersAsync(u => u.ChangeRoleAsync(Admin, Roles.Viewer));
        var deleted = await WithUsersAsync(u => u.DeleteAsync(Admin, SecondAdmin));

        demoted.Status.Should().Be(UserChangeStatus.LastAdmin);
        deleted.Status.Should().Be(UserChangeStatus.LastAdmin);
    }

    [Fact]
    public async Task An_admin_cannot_lock_or_delete_themselves_even_when_another_admin_exists()
    {
        await _app.AddUserAsync(SecondAdmin, Roles.Admin, Password);

        var locked = await WithUsersAsync(u => u.LockAsync(Admin, Admin.ToUpperInvariant()));
        var deleted = await WithUsersAsync(u => u.DeleteAsync(Admin, Admin));

        locked.Status.Should().Be(UserChangeStatus.Self);
        deleted.Status.Should().Be(UserChangeStatus.Self);
        (await SignInAsync(Admin, CrearisAppFactory.AdminPassword)).Should().Be(SignIn.SignedIn);
    }

    [Fact]
    public async Task Two_admins_demoting_each_other_at_once_leave_one_admin()
    {
        await _app.AddUserAsync(SecondAdmin, Roles.Admin, Password);

        var results = await Task.WhenAll(
            WithUsersAsync(u => u.ChangeRoleAsync(Admin, Roles.Viewer)),
            WithUsersAsync(u => u.ChangeRoleAsync(SecondAdmin, Roles.Viewer)));

        results.Select(r => r.Status).Should().BeEquivalentTo([UserChangeStatus.Done, UserChangeStatus.LastAdmin]);
        var roles = new[] { (await WithUsersAsync(u => u.FindAsync(Admin)))!.Role, (await WithUsersAsync(u => u.FindAsync(SecondAdmin)))!.Role };
        roles.Should().ContainSingle(r => r == Roles.Admin);
    }

    [Fact]
    public async Task A_locked_user_cannot_sign_in_even_with_the_right_password()
    {
        await _app.AddUserAsync(Viewer, Roles.Viewer, Password);
        (await SignInAsync(Viewer, Password)).Should().Be(SignIn.SignedIn);

        var locked = await WithUsersAsync(u => u.LockAsync(Viewer, Admin));

        locked.Status.Should().Be(UserChangeStatus.Done);
        (await SignInAsync(Viewer, Password)).Should().Be(SignIn.LockedOut);
        var row = await WithUsersAsync(u => u.FindAsync(Viewer));
        row!.IsLockedByAdmin.Should().BeTrue();
    }

    [Fact]
    public async Task Unlocking_lets_the_user_sign_in_again_and_resets_the_failed_count()
    {
        await _app.AddUserAsync(Viewer, Roles.Viewer, Password);
        for (var i = 0; i < 3; i++) (await SignInAsync(Viewer, "wrong-" + i)).Should().Be(SignIn.Refused);
        await WithUsersAsync(u => u.LockAsync(Viewer, Admin));
        (await WithUsersAsync(u => u.FindAsync(Viewer)))!.FailedAttempts.Should().Be(3);

        var unlocked = await WithUsersAsync(u => u.UnlockAsync(Viewer));

        unlocked.Status.Should().Be(UserChangeStatus.Done);
        var row = await WithUsersAsync(u => u.FindAsync(Viewer));
        row!.IsLockedOut(DateTimeOffset.UtcNow).Should().BeFalse();
        row.FailedAttempts.Should().Be(0);
        (await SignInAsync(Viewer, Password)).Should().Be(SignIn.SignedIn);
    }

    [Fact]
    public async Task Unlocking_lifts_the_lockout_after_five_wrong_passwords()
    {
        await _app.AddUserAsync(Viewer, Roles.Viewer, Password);
        for (var i = 0; i < 5; i++) await SignInAsync(Viewer, "wrong-" + i);
        (await SignInAsync(Viewer, Password)).Should().Be(SignIn.LockedOut);

        (await WithUsersAsync(u => u.UnlockAsync(Viewer))).Status.Should().Be(UserChangeStatus.Done);

        (await SignInAsync(Viewer, Password)).Should().Be(SignIn.SignedIn);
    }

    [Fact]
    public async Task After_a_password_reset_the_new_password_signs_in_and_the_old_one_does_not()
    {
        await _app.AddUserAsync(Viewer, Roles.Viewer, Password);

        var reset = await WithUsersAsync(u => u.ResetPasswordAsync(Viewer, "Brand-New-Passw0rd!"));

        reset.Status.Should().Be(UserChangeStatus.Done);
        (await SignInAsync(Viewer, "Brand-New-Passw0rd!")).Should().Be(SignIn.SignedIn);
        (await SignInAsync(Viewer, Password)).Should().Be(SignIn.Refused);
    }

    [Fact]
    public async Task A_password_that_breaks_the_rules_is_refused_with_identitys_reasons_and_the_old_one_still_works()
    {
        await _app.AddUserAsync(Viewer, Roles.Viewer, Password);

        var reset = await WithUsersAsync(u => u.ResetPasswordAsync(Viewer, "short"));

        reset.Status.Should().Be(UserChangeStatus.InvalidInput);
        reset.Errors.Should().Contain(e => e.Contains("Passwords must be at least"));
        (await SignInAsync(Viewer, Password)).Should().Be(SignIn.SignedIn);
    }

    [Fact]
    public async Task A_deleted_user_is_gone_and_cannot_sign_in()
    {
        await _app.AddUserAsync(Viewer, Roles.Viewer, Password);

        var deleted = await WithUsersAsync(u => u.DeleteAsync(Viewer, Admin));
        var again = await WithUsersAsync(u => u.DeleteAsync(Viewer, Admin));

        deleted.Status.Should().Be(UserChangeStatus.Done);
        again.Status.Should().Be(UserChangeStatus.NotFound);
        (await WithUsersAsync(u => u.FindAsync(Viewer))).Should().BeNull();
        (await SignInAsync(Viewer, Password)).Should().Be(SignIn.Refused);
    }

    [Fact]
    public async Task An_unknown_role_is_refused_and_changes_nothing()
    {
        await _app.AddUserAsync(Viewer, Roles.Viewer, Password);

        var result = await WithUsersAsync(u => u.ChangeRoleAsync(Viewer, "Superuser"));

        result.Status.Should().Be(UserChangeStatus.InvalidRole);
        (await WithUsersAsync(u => u.FindAsync(Viewer)))!.Role.Should().Be(Roles.Viewer);
    }

    [Fact]
    public async Task The_list_is_paged_and_searched_by_the_database_in_e_mail_order()
    {
        for (var i = 0; i < 24; i++)
            await _app.AddUserAsync($"person-{i:00}@crearis.test", i % 4 == 0 ? Roles.Admin : Roles.Viewer, Password);

        var first = await WithUsersAsync(u => u.ListAsync(0, 10, null));
        var last = await WithUsersAsync(u => u.ListAsync(2, 10, null));
        var found = await WithUsersAsync(u => u.ListAsync(0, 10, "PERSON-1"));
        var none = await WithUsersAsync(u => u.ListAsync(0, 10, "100%_sure"));

        first.Total.Should().Be(25);
        first.Items.Select(i => i.Email).Should().Equal([Admin, .. Enumerable.Range(0, 9).Select(i => $"person-{i:00}@crearis.test")]);
        first.Items[0].Role.Should().Be(Roles.Admin);
        first.Items[1].Role.Should().Be(Roles.Admin);
        first.Items[2].Role.Should().Be(Roles.Viewer);
        last.Items.Should().HaveCount(5);
        found.Total.Should().Be(10);
        found.Items.Should().OnlyContain(i => i.Email.StartsWith("person-1"));
        none.Total.Should().Be(0);
        none.Items.Should().BeEmpty();
    }

    [Fact]
    public async Task The_users_page_service_refuses_a_session_whose_admin_role_the_database_no_longer_grants()
    {
        await _app.AddUserAsync(SecondAdmin, Roles.Admin, Password);
        await _app.AddUserAsync(Viewer, Roles.Viewer, Password);
        // SecondAdmin signed in as an admin, then was demoted by the first admin.
        await WithUsersAsync(u => u.ChangeRoleAsync(SecondAdmin, Roles.Viewer));

        await using var scope = SignedInScope(SecondAdmin, Roles.Admin);
        var management = scope.ServiceProvider.GetRequiredService<UserManagement>();
        var deleted = await management.DeleteAsync(Viewer);
        var list = await management.ListAsync(0, 10, null);

        deleted.Status.Should().Be(UserChangeStatus.Forbidden);
        list.Error.Should().NotBeNull();
        list.Items.Should().BeEmpty();
        (await WithUsersAsync(u => u.FindAsync(Viewer))).Should().NotBeNull();
    }

    [Fact]
    public async Task The_users_page_service_writes_an_audit_entry_for_every_change()
    {
        await using var scope = SignedInScope(Admin, Roles.Admin);
        var management = scope.ServiceProvider.GetRequiredService<UserManagement>();

        (await management.AddAsync(Viewer, Roles.Viewer, Password)).Status.Should().Be(UserChangeStatus.Done);
        (await management.ChangeRoleAsync(Viewer, Roles.Admin)).Status.Should().Be(UserChangeStatus.Done);
        (await management.LockAsync(Viewer)).Status.Should().Be(UserChangeStatus.Done);
        (await management.UnlockAsync(Viewer)).Status.Should().Be(UserChangeStatus.Done);
        (await management.ResetPasswordAsync(Viewer, "Another-Passw0rd!")).Status.Should().Be(UserChangeStatus.Done);
        (await management.LockAsync(Admin)).Status.Should().Be(UserChangeStatus.Self);
        (await management.DeleteAsync(Viewer)).Status.Should().Be(UserChangeStatus.Done);

        var entries = await AuditAsync();
        entries.Should().Equal(
            ("succeeded", Viewer, "added as Viewer"),
            ("succeeded", Viewer, "role Viewer → Admin"),
            ("succeeded", Viewer, "locked until an admin unlocks"),
            ("succeeded", Viewer, "unlocked, failed sign-in count reset"),
            ("succeeded", Viewer, "password reset"),
            ("refused-self", Admin, "locked until an admin unlocks refused: You cannot lock yourself out; ask another admin."),
            ("succeeded", Viewer, "deleted"));
    }

    /// <summary>A scope whose circuit authentication says the given user is signed in with the given role.</summary>
    private AsyncServiceScope SignedInScope(string email, string role)
    {
        var scope = _app.Services.CreateAsyncScope();
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, email), new Claim(ClaimTypes.Role, role)], "Test");
        ((IHostEnvironmentAuthenticationStateProvider)scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>())
            .SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(identity))));
        return scope;
    }

    private async Task<List<(string Outcome, string Target, string Detail)>> AuditAsync()
    {
        var contexts = _app.Services.GetRequiredService<IDbContextFactory<AdminDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var entries = await db.AuditEvents.Where(a => a.Action == UserManagement.AuditAction).OrderBy(a => a.Id).ToListAsync();
        entries.Should().OnlyContain(a => a.User == Admin);
        return entries.Select(a => (a.Outcome, a.Target!, a.Detail!)).ToList();
    }
}
