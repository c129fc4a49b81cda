using System.Security.Cryptography;
using Crearis.Admin.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Security;

public enum AddUserStatus { Created, InvalidRole, InvalidInput, AlreadyExists }

public sealed record AddUserResult(AddUserStatus Status, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Status == AddUserStatus.Created;
}

public enum UserChangeStatus { Done, NotFound, InvalidRole, InvalidInput, AlreadyExists, LastAdmin, Self, Forbidden, Failed, WrongCredentials }

/// <summary>The outcome of a change to a user: a value, never an exception. <see cref="Errors"/> say why, for people.</summary>
public sealed record UserChangeResult(UserChangeStatus Status, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Status == UserChangeStatus.Done;

    public static UserChangeResult Done { get; } = new(UserChangeStatus.Done, []);

    public static UserChangeResult Fail(UserChangeStatus status, params string[] errors) => new(status, errors);

    public static UserChangeResult From(IdentityResult result) => result.Succeeded
        ? Done
        : new(UserChangeStatus.InvalidInput, result.Errors.Select(e => e.Description).ToList());
}

/// <summary>A change that hands out new two-factor recovery codes: shown to the user once, stored only hashed.</summary>
public sealed record RecoveryCodesResult(UserChangeResult Result, IReadOnlyList<string> RecoveryCodes)
{
    public bool Succeeded => Result.Succeeded;
}

/// <summary>One row of the user list.</summary>
public sealed record UserSummary(string Email, string? Role, DateTimeOffset? LockedOutUntil, int FailedAttempts)
{
    public bool IsLockedOut(DateTimeOffset now) => LockedOutUntil is { } until && until > now;

    /// <summary>Locked by an admin (indefinitely) rather than for a while after wrong passwords.</summary>
    public bool IsLockedByAdmin => LockedOutUntil is { } until && until >= UserAdministration.LockedByAdmin;
}

public sealed record UserList(IReadOnlyList<UserSummary> Items, int Total)
{
    /// <summary>Set instead of items when the list could not be read (or the caller may not read it).</summary>
    public string? Error { get; init; }
}

/// <summary>
/// Creates, lists and changes users and roles; shared by the web UI and API, the CLI and the first-admin bootstrap,
/// and the account pages (a user's own password and two-factor authentication). Changes that could leave nobody able
/// to administer the app are refused: the last active admin (in role Admin and not locked out) is never demoted, locked
/// or deleted, and nobody locks or deletes themselves (the account pages offer no deletion at all).
/// </summary>
public sealed class UserAdministration(UserManager<ApplicationUser> users, RoleManager<IdentityRole> roles, AdminDbContext db)
{
    /// <summary>The lockout end an admin's lock sets: far enough ahead to mean "until unlocked".</summary>
    public static readonly DateTimeOffset LockedByAdmin = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Key of the advisory lock that serialises user changes, so two admins cannot demote each other at once.</summary>
    public const long UserChangeLockKey = 0x43524541_55534552; // "CREAUSER"

    /// <summary>How many two-factor recovery codes a user gets at a time.</summary>
    public const int RecoveryCodeCount = 10;

    public const string WrongPassword = "The current password is not right.";
    public const string WrongCode = "Verification code is invalid.";
    public const string TwoFactorOff = "Two-factor authentication is not on.";

    public async Task EnsureRolesAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));
        }
    }

    public async Task<AddUserResult> AddUserAsync(string email, string role, string password)
    {
        var roleName = Roles.Normalize(role);
        if (roleName is null)
            return new(AddUserStatus.InvalidRole, [$"Unknown role '{role}'. Use one of: {string.Join(", ", Roles.All)}."]);
        email = email.Trim();
        if (!new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
            return new(AddUserStatus.InvalidInput, [$"'{email}' is not an e-mail address."]);
        if (await users.FindByEmailAsync(email) is not null)
            return new(AddUserStatus.AlreadyExists, [$"A user with the e-mail {email} already exists."]);

        await EnsureRolesAsync();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, LockoutEnabled = true };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
            return new(AddUserStatus.InvalidInput, created.Errors.Select(e => e.Description).ToList());
        var added = await users.AddToRoleAsync(user, roleName);
        if (!added.Succeeded)
        {
            await users.DeleteAsync(user);
            return new(AddUserStatus.InvalidInput, added.Errors.Select(e => e.Description).ToList());
        }
        return new(AddUserStatus.Created, []);
    }

    /// <summary>One page of users ordered by e-mail, filtered by a part of the e-mail; paged by the database.</summary>
    public async Task<UserList> ListAsync(int page, int pageSize, string? search, CancellationToken ct = default)
    {
        var query = users.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = $"%{EscapeLike(search.Trim())}%";
            query = query.Where(u => EF.Functions.ILike(u.Email ?? u.UserName ?? "", pattern));
        }
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(u => u.NormalizedEmail)
            .Skip(Math.Max(page, 0) * pageSize).Take(pageSize)
            .Select(u => new { u.Id, u.Email, u.UserName, u.LockoutEnabled, u.LockoutEnd, u.AccessFailedCount })
            .ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var roleRows = await (from link in db.UserRoles
                              join role in db.Roles on link.RoleId equals role.Id
                              where ids.Contains(link.UserId)
                              select new { link.UserId, role.Name })
            .ToListAsync(ct);
        var items = rows.Select(r => new UserSummary(
                r.Email ?? r.UserName ?? "",
                RoleOf(roleRows.Where(x => x.UserId == r.Id).Select(x => x.Name)),
                r.LockoutEnabled ? r.LockoutEnd : null,
                r.AccessFailedCount))
            .ToList();
        return new UserList(items, total);
    }

    /// <summary>The user with this e-mail as a list row; null when there is none.</summary>
    public async Task<UserSummary?> FindAsync(string email, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(email) || await users.FindByEmailAsync(email.Trim()) is not { } user) return null;
        var roleNames = await users.GetRolesAsync(user);
        return new UserSummary(user.Email ?? user.UserName ?? "", RoleOf(roleNames), user.LockoutEnabled ? user.LockoutEnd : null,
            user.AccessFailedCount);
    }

    /// <summary>True when the user exists, is in role Admin and is not locked out: what every admin action asks of its caller.</summary>
    public async Task<bool> IsActiveAdminAsync(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || await users.FindByEmailAsync(email.Trim()) is not { } user) return false;
        return await users.IsInRoleAsync(user, Roles.Admin) && !await users.IsLockedOutAsync(user);
    }

    /// <summary>Puts the user in exactly this role (Admin or Viewer).</summary>
    public Task<UserChangeResult> ChangeRoleAsync(string email, string role) =>
        ChangeAsync(email, async user =>
        {
            var roleName = Roles.Normalize(role);
            if (roleName is null)
                return UserChangeResult.Fail(UserChangeStatus.InvalidRole, $"Unknown role '{role}'. Use one of: {string.Join(", ", Roles.All)}.");
            var current = await users.GetRolesAsync(user);
            if (current.Count == 1 && current[0] == roleName) return UserChangeResult.Done;
            if (roleName != Roles.Admin && await IsLastActiveAdminAsync(user))
                return LastAdmin(user, "demoted");

            await EnsureRolesAsync();
            var removed = await users.RemoveFromRolesAsync(user, current.Where(r => r != roleName));
            if (!removed.Succeeded) return UserChangeResult.From(removed);
            if (!current.Contains(roleName))
            {
                var added = await users.AddToRoleAsync(user, roleName);
                if (!added.Succeeded) return UserChangeResult.From(added);
            }
            // Signed-in sessions of this user carry the old role: a new stamp makes them sign in again.
            return UserChangeResult.From(await users.UpdateSecurityStampAsync(user));
        });

    /// <summary>Locks the user out until an admin unlocks them; their sessions end at the next check of the security stamp.</summary>
    public Task<UserChangeResult> LockAsync(string email, string actingEmail) =>
        ChangeAsync(email, async user =>
        {
            if (IsSelf(user, actingEmail))
                return UserChangeResult.Fail(UserChangeStatus.Self, "You cannot lock yourself out; ask another admin.");
            if (await IsLastActiveAdminAsync(user))
                return LastAdmin(user, "locked");
            if (!await users.GetLockoutEnabledAsync(user))
            {
                var enabled = await users.SetLockoutEnabledAsync(user, true);
                if (!enabled.Succeeded) return UserChangeResult.From(enabled);
            }
            var locked = await users.SetLockoutEndDateAsync(user, LockedByAdmin);
            if (!locked.Succeeded) return UserChangeResult.From(locked);
            return UserChangeResult.From(await users.UpdateSecurityStampAsync(user));
        });

    /// <summary>Lifts any lockout (an admin's, or the one after too many wrong passwords) and resets the failed count.</summary>
    public Task<UserChangeResult> UnlockAsync(string email) =>
        ChangeAsync(email, async user =>
        {
            if (await users.GetLockoutEnabledAsync(user))
            {
                var unlocked = await users.SetLockoutEndDateAsync(user, null);
                if (!unlocked.Succeeded) return UserChangeResult.From(unlocked);
            }
            return UserChangeResult.From(await users.ResetAccessFailedCountAsync(user));
        });

    /// <summary>Sets a new password, checked by Identity's password rules; nothing changes when it breaks one.</summary>
    public Task<UserChangeResult> ResetPasswordAsync(string email, string newPassword) =>
        ChangeAsync(email, async user =>
        {
            if (string.IsNullOrEmpty(newPassword))
                return UserChangeResult.Fail(UserChangeStatus.InvalidInput, "Enter a new password.");
            var errors = new List<string>();
            foreach (var validator in users.PasswordValidators)
            {
                var checkedPassword = await validator.ValidateAsync(users, user, newPassword);
                if (!checkedPassword.Succeeded) errors.AddRange(checkedPassword.Errors.Select(e => e.Description));
            }
            if (errors.Count > 0) return new(UserChangeStatus.InvalidInput, errors);

            // Remove and add in the one transaction: a failure in between never leaves the user without a password.
            var removed = await users.RemovePasswordAsync(user);
            if (!removed.Succeeded) return UserChangeResult.From(removed);
            var added = await users.AddPasswordAsync(user, newPassword);
            return UserChangeResult.From(added);
        });

    /// <summary>Deletes the user (roles, logins and tokens go with them).</summary>
    public Task<UserChangeResult> DeleteAsync(string email, string actingEmail) =>
        ChangeAsync(email, async user =>
        {
            if (IsSelf(user, actingEmail))
                return UserChangeResult.Fail(UserChangeStatus.Self, "You cannot delete yourself; ask another admin.");
            if (await IsLastActiveAdminAsync(user))
                return LastAdmin(user, "deleted");
            return UserChangeResult.From(await users.DeleteAsync(user));
        });

    /// <summary>True when the user exists and is not locked out: what a change to one's own account asks of its caller.</summary>
    public async Task<bool> IsActiveUserAsync(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || await users.FindByEmailAsync(email.Trim()) is not { } user) return false;
        return !await users.IsLockedOutAsync(user);
    }

    /// <summary>The user's own password change: the current password must be right, the new one meets Identity's rules.</summary>
    public Task<UserChangeResult> ChangeOwnPasswordAsync(string email, string currentPassword, string newPassword) =>
        ChangeAsync(email, async user =>
        {
            if (string.IsNullOrEmpty(newPassword))
                return UserChangeResult.Fail(UserChangeStatus.InvalidInput, "Enter a new password.");
            // Checked first, so a wrong current password is told apart from a new password that breaks the rules.
            if (!await users.CheckPasswordAsync(user, currentPassword))
                return UserChangeResult.Fail(UserChangeStatus.WrongCredentials, WrongPassword);
            return UserChangeResult.From(await users.ChangePasswordAsync(user, currentPassword, newPassword));
        });

    /// <summary>The user's authenticator key; null when they have none yet (or there is no such user).</summary>
    public async Task<string?> AuthenticatorKeyAsync(string email) =>
        string.IsNullOrWhiteSpace(email) || await users.FindByEmailAsync(email.Trim()) is not { } user
            ? null
            : await users.GetAuthenticatorKeyAsync(user);

    /// <summary>Gives the user an authenticator key when they have none (a key they already have is kept).</summary>
    public Task<UserChangeResult> CreateAuthenticatorKeyAsync(string email) =>
        ChangeAsync(email, async user =>
            string.IsNullOrEmpty(await users.GetAuthenticatorKeyAsync(user))
                ? UserChangeResult.From(await users.ResetAuthenticatorKeyAsync(user))
                : UserChangeResult.Done);

    /// <summary>
    /// Turns two-factor authentication on once the code from the user's authenticator app proves the key is set up;
    /// the first time it also hands out ten recovery codes.
    /// </summary>
    public async Task<RecoveryCodesResult> EnableTwoFactorAsync(string email, string code)
    {
        IReadOnlyList<string> codes = [];
        var result = await ChangeAsync(email, async user =>
        {
            // Apps show the code in groups ("123 456", "123-456").
            var token = code.Replace(" ", "").Replace("-", "");
            if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, token))
                return UserChangeResult.Fail(UserChangeStatus.WrongCredentials, WrongCode);
            var enabled = await users.SetTwoFactorEnabledAsync(user, true);
            if (!enabled.Succeeded) return UserChangeResult.From(enabled);
            if (await users.CountRecoveryCodesAsync(user) == 0)
                codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))?.ToList() ?? [];
            return UserChangeResult.Done;
        });
        return new(result, result.Succeeded ? codes : []);
    }

    /// <summary>Turns two-factor authentication off; the authenticator key stays, so turning it on again needs no new setup.</summary>
    public Task<UserChangeResult> DisableTwoFactorAsync(string email) =>
        ChangeAsync(email, async user =>
        {
            if (!await users.GetTwoFactorEnabledAsync(user))
                return UserChangeResult.Fail(UserChangeStatus.InvalidInput, TwoFactorOff);
            return UserChangeResult.From(await users.SetTwoFactorEnabledAsync(user, false));
        });

    /// <summary>A new authenticator key; two-factor authentication is off until a code from the new key turns it on.</summary>
    public Task<UserChangeResult> ResetAuthenticatorAsync(string email) =>
        ChangeAsync(email, async user =>
        {
            var disabled = await users.SetTwoFactorEnabledAsync(user, false);
            if (!disabled.Succeeded) return UserChangeResult.From(disabled);
            return UserChangeResult.From(await users.ResetAuthenticatorKeyAsync(user));
        });

    /// <summary>Ten new recovery codes in place of the old ones; only while two-factor authentication is on.</summary>
    public async Task<RecoveryCodesResult> RenewRecoveryCodesAsync(string email)
    {
        IReadOnlyList<string> codes = [];
        var result = await ChangeAsync(email, async user =>
        {
            if (!await users.GetTwoFactorEnabledAsync(user))
                return UserChangeResult.Fail(UserChangeStatus.InvalidInput, TwoFactorOff);
            codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))?.ToList() ?? [];
            return codes.Count == RecoveryCodeCount
                ? UserChangeResult.Done
                : UserChangeResult.Fail(UserChangeStatus.Failed, "No recovery codes were made.");
        });
        return new(result, result.Succeeded ? codes : []);
    }

    /// <summary>
    /// Runs one change in a transaction that holds the user-change advisory lock, so the last-admin check and the change
    /// cannot interleave with another admin's; anything but <see cref="UserChangeStatus.Done"/> rolls back.
    /// </summary>
    private async Task<UserChangeResult> ChangeAsync(string email, Func<ApplicationUser, Task<UserChangeResult>> change)
    {
        if (string.IsNullOrWhiteSpace(email))
            return UserChangeResult.Fail(UserChangeStatus.InvalidInput, "No e-mail address given.");
        email = email.Trim();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({UserChangeLockKey})");
        var user = await users.FindByEmailAsync(email);
        if (user is null)
            return UserChangeResult.Fail(UserChangeStatus.NotFound, $"There is no user with the e-mail {email}.");
        var result = await change(user);
        if (result.Succeeded) await transaction.CommitAsync();
        else
        {
            await transaction.RollbackAsync();
            db.ChangeTracker.Clear();
        }
        return result;
    }

    /// <summary>True when the user is an active admin and no other active admin exists.</summary>
    private async Task<bool> IsLastActiveAdminAsync(ApplicationUser user)
    {
        if (!await users.IsInRoleAsync(user, Roles.Admin) || await users.IsLockedOutAsync(user)) return false;
        var now = DateTimeOffset.UtcNow;
        var others = await (from link in db.UserRoles
                            join role in db.Roles on link.RoleId equals role.Id
                            join other in db.Users on link.UserId equals other.Id
                            where role.Name == Roles.Admin && other.Id != user.Id
                                  && (!other.LockoutEnabled || other.LockoutEnd == null || other.LockoutEnd <= now)
                            select other.Id)
            .AnyAsync();
        return !others;
    }

    private static UserChangeResult LastAdmin(ApplicationUser user, string what) =>
        UserChangeResult.Fail(UserChangeStatus.LastAdmin, $"Not {what}: {user.Email} is the last admin; add another admin first.");

    private static bool IsSelf(ApplicationUser user, string? actingEmail) =>
        string.Equals(user.Email, actingEmail?.Trim(), StringComparison.OrdinalIgnoreCase);

    /// <summary>Admin when the user has it (it includes everything a Viewer may), else their one role.</summary>
    private static string? RoleOf(IEnumerable<string?> names)
    {
        var list = names.Where(n => n is not null).ToList();
        return list.Contains(Roles.Admin) ? Roles.Admin : list.FirstOrDefault();
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    public async Task<bool> AnyAdminAsync() => (await users.GetUsersInRoleAsync(Roles.Admin)).Count > 0;

    public Task<int> CountUsersAsync() => users.Users.CountAsync();

    /// <summary>A password that meets Identity's default rules: 20 characters with every character class.</summary>
    public static string GeneratePassword()
    {
        const string lower = "abcdefghijkmnopqrstuvwxyz", upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", digits = "23456789", symbols = "!#%+-=?@";
        const string all = lower + upper + digits + symbols;
        var chars = new char[20];
        chars[0] = lower[RandomNumberGenerator.GetInt32(lower.Length)];
        chars[1] = upper[RandomNumberGenerator.GetInt32(upper.Length)];
        chars[2] = digits[RandomNumberGenerator.GetInt32(digits.Length)];
        chars[3] = symbols[RandomNumberGenerator.GetInt32(symbols.Length)];
        for (var i = 4; i < chars.Length; i++) chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }
}
