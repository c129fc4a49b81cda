using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Crearis.Admin.Data;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Security;

public enum ApiTokenStatus { Done, NotFound, InvalidInput, AlreadyRevoked, Forbidden, Failed }

/// <summary>A token just made: <see cref="Token"/> is its only appearance, to be shown once.</summary>
public sealed record CreatedApiToken(long Id, string Token, ApiTokenSummary Summary);

public sealed record ApiTokenResult(ApiTokenStatus Status, IReadOnlyList<string> Errors, CreatedApiToken? Created = null)
{
    public bool Succeeded => Status == ApiTokenStatus.Done;

    public static ApiTokenResult Fail(ApiTokenStatus status, string error) => new(status, [error]);
}

/// <summary>One token as lists show it (never the token itself, which is not kept).</summary>
public sealed record ApiTokenSummary(long Id, string Email, string Name, IReadOnlyList<ApiScope> Scopes, DateTimeOffset CreatedAt,
    string CreatedBy, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, string? LastUsedIp)
{
    public ApiTokenState StateAt(DateTimeOffset now) =>
        RevokedAt is not null ? ApiTokenState.Revoked : ExpiresAt <= now ? ApiTokenState.Expired : ApiTokenState.Active;
}

public enum ApiTokenState { Active, Expired, Revoked }

/// <summary>Why a presented token was not accepted, or the token and its user when it was.</summary>
public sealed record ApiTokenCheck(AuditOutcome Outcome, long? TokenId = null, string? UserId = null, string? Email = null,
    IReadOnlyList<string>? Roles = null, IReadOnlyList<ApiScope>? Scopes = null)
{
    public bool Accepted => Outcome == AuditOutcome.Succeeded;
}

/// <summary>
/// API tokens: made for a user with scopes and an expiry (at most a year), listed, revoked, and checked on each use.
/// Shared by the Users page (through <see cref="ApiTokenManagement"/>, which checks the caller is an admin), the
/// command line and the authentication handler. Every change is audited here, in the same transaction as the change.
/// </summary>
public sealed partial class ApiTokens(AdminDbContext db, ApiTokenKey key)
{
    public const string Prefix = "crb_";

    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(365);

    /// <summary>Reads a lifetime such as "90d" (days, 1 to 365).</summary>
    public static bool TryParseLifetime(string? text, out TimeSpan lifetime, out string? error)
    {
        lifetime = DefaultLifetime;
        error = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        var match = Days().Match(text.Trim());
        if (match.Success && int.TryParse(match.Groups[1].Value, out var days) && days is >= 1 and <= 365)
        {
            lifetime = TimeSpan.FromDays(days);
            return true;
        }
        error = $"'{text}' is not a lifetime: give days, from 1d to 365d (a token lives at most a year).";
        return false;
    }

    [GeneratedRegex(@"^(\d{1,4})d$")]
    private static partial Regex Days();

    /// <summary>Makes a token for the user with this e-mail. The token is in the result and nowhere else.</summary>
    public async Task<ApiTokenResult> CreateAsync(string email, string? name, IReadOnlyCollection<ApiScope> scopes, TimeSpan lifetime,
        string actor, CancellationToken ct = default)
    {
        if (scopes.Count == 0)
            return ApiTokenResult.Fail(ApiTokenStatus.InvalidInput, $"Give at least one scope: {string.Join(", ", ApiScopes.Vocabulary.Names)}.");
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
            return ApiTokenResult.Fail(ApiTokenStatus.InvalidInput, "A token lives at least a day and at most a year (365 days).");
        name = string.IsNullOrWhiteSpace(name) ? "API token" : name.Trim();
        if (name.Length > 100)
            return ApiTokenResult.Fail(ApiTokenStatus.InvalidInput, "The name is longer than 100 characters.");
        var user = await FindUserAsync(email, ct);
        if (user is null)
            return ApiTokenResult.Fail(ApiTokenStatus.NotFound, $"There is no user with the e-mail {email.Trim()}.");

        var token = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = DateTimeOffset.UtcNow;
        var row = new ApiToken
        {
            UserId = user.Id, Name = name, Hash = key.Hash(token), Scopes = [.. scopes.Distinct().Order()], CreatedAt = now,
            CreatedBy = actor, ExpiresAt = now + lifetime,
        };
        db.ApiTokens.Add(row);
        await db.SaveChangesAsync(ct);
        var summary = Summarize(row, user.Email ?? user.UserName ?? "");
        await AuditAsync(AuditAction.TokenCreate, AuditOutcome.Succeeded, actor, null, row.Id,
            $"for {summary.Email}: \"{name}\", {ApiScopes.Store(row.Scopes)}, expires {row.ExpiresAt:yyyy-MM-dd}", ct);
        return new ApiTokenResult(ApiTokenStatus.Done, [], new CreatedApiToken(row.Id, token, summary));
    }

    /// <summary>Every token (of one user, when an e-mail is given), newest first.</summary>
    public async Task<IReadOnlyList<ApiTokenSummary>> ListAsync(string? email = null, CancellationToken ct = default)
    {
        var query = db.ApiTokens.AsNoTracking().Include(t => t.User).AsQueryable();
        if (!string.IsNullOrWhiteSpace(email))
        {
            var normalized = email.Trim().ToUpperInvariant();
            query = query.Where(t => t.User!.NormalizedEmail == normalized);
        }
        var rows = await query.OrderByDescending(t => t.Id).ToListAsync(ct);
        return [.. rows.Select(t => Summarize(t, t.User?.Email ?? t.User?.UserName ?? ""))];
    }

    public async Task<ApiTokenResult> RevokeAsync(long id, string actor, CancellationToken ct = default)
    {
        var row = await db.ApiTokens.Include(t => t.User).SingleOrDefaultAsync(t => t.Id == id, ct);
        if (row is null)
        {
            await AuditAsync(AuditAction.TokenRevoke, AuditOutcome.NotFound, actor, null, id, null, ct);
            return ApiTokenResult.Fail(ApiTokenStatus.NotFound, $"There is no token {id}.");
        }
        if (row.RevokedAt is not null)
            return ApiTokenResult.Fail(ApiTokenStatus.AlreadyRevoked, $"Token {id} was already revoked at {row.RevokedAt:yyyy-MM-dd HH:mm}Z.");
        row.RevokedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        await AuditAsync(AuditAction.TokenRevoke, AuditOutcome.Succeeded, actor, null, id, $"of {row.User?.Email}: \"{row.Name}\"", ct);
        return new ApiTokenResult(ApiTokenStatus.Done, []);
    }

    /// <summary>
    /// Checks a presented token: known, not revoked, not expired, its user still there and not locked out. An accepted
    /// token's last use (time and address) is recorded; the caller audits the use once it knows how the request ended.
    /// A refused one is audited here.
    /// </summary>
    public async Task<ApiTokenCheck> CheckAsync(string presented, string? ipAddress, string endpoint, CancellationToken ct = default)
    {
        var check = await CheckCoreAsync(presented, ct);
        if (check.Accepted)
        {
            var now = DateTimeOffset.UtcNow;
            await db.ApiTokens.Where(t => t.Id == check.TokenId)
                .ExecuteUpdateAsync(u => u.SetProperty(t => t.LastUsedAt, now).SetProperty(t => t.LastUsedIp, ipAddress), ct);
        }
        else
        {
            await AuditAsync(AuditAction.TokenUse, check.Outcome, check.Email, ipAddress, check.TokenId, endpoint, ct);
        }
        return check;
    }

    private async Task<ApiTokenCheck> CheckCoreAsync(string presented, CancellationToken ct)
    {
        // Anything that is not crb_ and 43 base64url characters cannot be one of ours: no database look-up for it.
        if (presented.Length != Prefix.Length + 43 || !presented.StartsWith(Prefix, StringComparison.Ordinal))
            return new ApiTokenCheck(AuditOutcome.Rejected);
        var hash = key.Hash(presented);
        var row = await db.ApiTokens.AsNoTracking().Include(t => t.User).SingleOrDefaultAsync(t => t.Hash == hash, ct);
        if (row?.User is not { } user) return new ApiTokenCheck(AuditOutcome.Rejected);
        var email = user.Email ?? user.UserName;
        var now = DateTimeOffset.UtcNow;
        if (row.RevokedAt is not null) return new ApiTokenCheck(AuditOutcome.Revoked, row.Id, user.Id, email);
        if (row.ExpiresAt <= now) return new ApiTokenCheck(AuditOutcome.Expired, row.Id, user.Id, email);
        if (user.LockoutEnabled && user.LockoutEnd is { } until && until > now) return new ApiTokenCheck(AuditOutcome.LockedOut, row.Id, user.Id, email);
        var roles = await (from link in db.UserRoles
                           join role in db.Roles on link.RoleId equals role.Id
                           where link.UserId == user.Id
                           select role.Name).ToListAsync(ct);
        return new ApiTokenCheck(AuditOutcome.Succeeded, row.Id, user.Id, email, [.. roles.OfType<string>()], row.Scopes);
    }

    private async Task AuditAsync(AuditAction action, AuditOutcome outcome, string? user, string? ipAddress, long? tokenId, string? detail,
        CancellationToken ct)
    {
        db.AuditEvents.Add(new AuditEvent
        {
            At = DateTimeOffset.UtcNow, Action = action, Outcome = outcome.Name, User = user, IpAddress = ipAddress,
            Target = tokenId is { } id ? Target(id) : null, Detail = detail,
        });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>How a token is named in the audit trail.</summary>
    public static string Target(long id) => $"token {id}";

    private async Task<ApplicationUser?> FindUserAsync(string email, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(email)) return null;
        var normalized = email.Trim().ToUpperInvariant();
        return await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, ct);
    }

    private static ApiTokenSummary Summarize(ApiToken t, string email) =>
        new(t.Id, email, t.Name, t.Scopes, t.CreatedAt, t.CreatedBy, t.ExpiresAt, t.RevokedAt, t.LastUsedAt, t.LastUsedIp);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
