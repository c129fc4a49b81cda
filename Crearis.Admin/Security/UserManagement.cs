using System.Data.Common;
using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Security;

/// <summary>
/// What the Users page and the account pages call. A change to another user checks on the server that the caller is an
/// admin — by the sign-in and by the database, so an admin demoted or locked since signing in is refused at once; a
/// change to one's own account (password, two-factor authentication) needs a signed-in user the database still knows
/// and has not locked out. Every change runs in a scope of its own (a fresh <see cref="UserAdministration"/>, never a
/// circuit's long-lived context) and writes an audit entry (action <c>user-change</c>, target the user's e-mail, detail
/// what changed).
/// </summary>
public sealed class UserManagement(IServiceScopeFactory scopes, CurrentUser current, AuditLog audit, ILogger<UserManagement> logger)
{
    /// <summary>The audit action of every change made here.</summary>
    public const AuditAction AuditAction = Data.AuditAction.UserChange;

    public async Task<UserList> ListAsync(int page, int pageSize, string? search, CancellationToken ct = default)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var administration = scope.ServiceProvider.GetRequiredService<UserAdministration>();
            if (await ActingAdminAsync(administration) is null)
                return new UserList([], 0) { Error = "Only admins may see the users." };
            return await administration.ListAsync(page, pageSize, search, ct);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or TimeoutException)
        {
            logger.LogError(e, "Could not read the users");
            return new UserList([], 0) { Error = $"The database said: {Describe(e)}" };
        }
    }

    public Task<UserChangeResult> AddAsync(string email, string role, string password) =>
        RunAsync(email, $"added as {Roles.Normalize(role) ?? role}", async (administration, _) =>
        {
            var added = await administration.AddUserAsync(email, role, password);
            return added.Status switch
            {
                AddUserStatus.Created => UserChangeResult.Done,
                AddUserStatus.AlreadyExists => new(UserChangeStatus.AlreadyExists, added.Errors),
                AddUserStatus.InvalidRole => new(UserChangeStatus.InvalidRole, added.Errors),
                _ => new(UserChangeStatus.InvalidInput, added.Errors),
            };
        });

    public Task<UserChangeResult> ChangeRoleAsync(string email, string role) =>
        RunCoreAsync(email, $"role → {Roles.Normalize(role) ?? role}", async (administration, _) =>
        {
            var before = await administration.FindAsync(email);
            var result = await administration.ChangeRoleAsync(email, role);
            return (result, $"role {before?.Role ?? "none"} → {Roles.Normalize(role) ?? role}");
        });

    public Task<UserChangeResult> LockAsync(string email) =>
        RunAsync(email, "locked until an admin unlocks", (administration, actor) => administration.LockAsync(email, actor));

    public Task<UserChangeResult> UnlockAsync(string email) =>
        RunAsync(email, "unlocked, failed sign-in count reset", (administration, _) => administration.UnlockAsync(email));

    public Task<UserChangeResult> ResetPasswordAsync(string email, string newPassword) =>
        RunAsync(email, "password reset", (administration, _) => administration.ResetPasswordAsync(email, newPassword));

    public Task<UserChangeResult> DeleteAsync(string email) =>
        RunAsync(email, "deleted", (administration, actor) => administration.DeleteAsync(email, actor));

    /// <summary>The signed-in user's own password; the current one must be given.</summary>
    public Task<UserChangeResult> ChangeOwnPasswordAsync(string currentPassword, string newPassword) =>
        RunOwnAsync("own password changed", (administration, self) => administration.ChangeOwnPasswordAsync(self, currentPassword, newPassword));

    /// <summary>
    /// The signed-in user's authenticator key, created (and audited) the first time they set up an app;
    /// <c>Created</c> says this call made it, a change that renewed their security stamp.
    /// </summary>
    public async Task<(UserChangeResult Result, string? Key, bool Created)> OwnAuthenticatorKeyAsync()
    {
        var (name, _) = await current.GetAsync();
        if (await ReadAsync(administration => administration.AuthenticatorKeyAsync(name)) is { Length: > 0 } key)
            return (UserChangeResult.Done, key, false);
        var created = await RunOwnAsync("authenticator key created", (administration, self) => administration.CreateAuthenticatorKeyAsync(self));
        return created.Succeeded
            ? (created, await ReadAsync(administration => administration.AuthenticatorKeyAsync(name)), true)
            : (created, null, false);
    }

    private async Task<T> ReadAsync<T>(Func<UserAdministration, Task<T>> read)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<UserAdministration>());
    }

    public async Task<RecoveryCodesResult> EnableOwnTwoFactorAsync(string code)
    {
        IReadOnlyList<string> codes = [];
        var result = await RunOwnAsync("two-factor authentication enabled", async (administration, self) =>
        {
            var enabled = await administration.EnableTwoFactorAsync(self, code);
            codes = enabled.RecoveryCodes;
            return enabled.Result;
        });
        return new(result, result.Succeeded ? codes : []);
    }

    public Task<UserChangeResult> DisableOwnTwoFactorAsync() =>
        RunOwnAsync("two-factor authentication disabled", (administration, self) => administration.DisableTwoFactorAsync(self));

    public Task<UserChangeResult> ResetOwnAuthenticatorAsync() =>
        RunOwnAsync("authenticator key reset, two-factor authentication disabled",
            (administration, self) => administration.ResetAuthenticatorAsync(self));

    public async Task<RecoveryCodesResult> RenewOwnRecoveryCodesAsync()
    {
        IReadOnlyList<string> codes = [];
        var result = await RunOwnAsync("two-factor recovery codes renewed", async (administration, self) =>
        {
            var renewed = await administration.RenewRecoveryCodesAsync(self);
            codes = renewed.RecoveryCodes;
            return renewed.Result;
        });
        return new(result, result.Succeeded ? codes : []);
    }

    private Task<UserChangeResult> RunAsync(string email, string detail, Func<UserAdministration, string, Task<UserChangeResult>> change) =>
        RunCoreAsync(email, detail, async (administration, actor) => (await change(administration, actor), detail));

    /// <summary>A change of the caller's own account: the target is whoever is signed in, whatever their role.</summary>
    private async Task<UserChangeResult> RunOwnAsync(string detail, Func<UserAdministration, string, Task<UserChangeResult>> change)
    {
        var (name, _) = await current.GetAsync();
        return await RunCoreAsync(name, detail, async (administration, self) => (await change(administration, self), detail), ActingUserAsync,
            "Only a signed-in user may change their account; yours is locked or gone.");
    }

    private Task<UserChangeResult> RunCoreAsync(string email, string detail,
        Func<UserAdministration, string, Task<(UserChangeResult Result, string Detail)>> change) =>
        RunCoreAsync(email, detail, change, ActingAdminAsync, "Only admins may change users; your account is no longer an active admin.");

    /// <summary>
    /// Asks <paramref name="authorize"/> who the caller is (null: refused), runs the change in a scope of its own and
    /// writes the audit entry, refusals and database failures included.
    /// </summary>
    private async Task<UserChangeResult> RunCoreAsync(string email, string detail,
        Func<UserAdministration, string, Task<(UserChangeResult Result, string Detail)>> change,
        Func<UserAdministration, Task<string?>> authorize, string forbidden)
    {
        var target = email.Trim();
        var (name, _) = await current.GetAsync();
        UserChangeResult result;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var administration = scope.ServiceProvider.GetRequiredService<UserAdministration>();
            if (await authorize(administration) is { } actor)
                (result, detail) = await change(administration, actor);
            else
                result = UserChangeResult.Fail(UserChangeStatus.Forbidden, forbidden);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or TimeoutException)
        {
            logger.LogError(e, "Could not change the user {Email}", target);
            result = UserChangeResult.Fail(UserChangeStatus.Failed, $"Nothing was changed; the database said: {Describe(e)}");
        }
        await audit.WriteAsync(AuditAction, Outcome(result.Status), name, null, target,
            result.Succeeded ? detail : $"{detail} refused: {string.Join(" ", result.Errors)}");
        return result;
    }

    /// <summary>The caller's e-mail when they are signed in and the database knows them and has not locked them out.</summary>
    private async Task<string?> ActingUserAsync(UserAdministration administration)
    {
        var (name, _) = await current.GetAsync();
        return await administration.IsActiveUserAsync(name) ? name : null;
    }

    /// <summary>The caller's e-mail when the circuit says Admin and the database agrees (in role Admin, not locked out).</summary>
    private async Task<string?> ActingAdminAsync(UserAdministration administration)
    {
        var (name, isAdmin) = await current.GetAsync();
        return isAdmin && await administration.IsActiveAdminAsync(name) ? name : null;
    }

    private static string Describe(Exception e) => (e as Npgsql.PostgresException ?? e.InnerException as Npgsql.PostgresException)?.MessageText ?? e.Message;

    private static AuditOutcome Outcome(UserChangeStatus status) => status switch
    {
        UserChangeStatus.Done => AuditOutcome.Succeeded,
        UserChangeStatus.LastAdmin => AuditOutcome.RefusedLastAdmin,
        UserChangeStatus.Self => AuditOutcome.RefusedSelf,
        UserChangeStatus.Forbidden => AuditOutcome.Forbidden,
        UserChangeStatus.NotFound => AuditOutcome.NotFound,
        UserChangeStatus.AlreadyExists => AuditOutcome.AlreadyExists,
        UserChangeStatus.Failed => AuditOutcome.Failed,
        UserChangeStatus.WrongCredentials => AuditOutcome.WrongCredentials,
        _ => AuditOutcome.Invalid,
    };
}
