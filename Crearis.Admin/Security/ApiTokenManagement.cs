using System.Data.Common;
using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Security;

/// <summary>
/// What the Users page calls for API tokens. Like <see cref="UserManagement"/>: each call checks on the server that the
/// caller is an active admin (by the circuit's sign-in and by the database) and runs in a scope of its own; the audit
/// entries are written by <see cref="ApiTokens"/>.
/// </summary>
public sealed class ApiTokenManagement(IServiceScopeFactory scopes, CurrentUser current, ILogger<ApiTokenManagement> logger)
{
    public Task<ApiTokenResult> CreateAsync(string email, string? name, IReadOnlyCollection<ApiScope> scopes, TimeSpan lifetime) =>
        RunAsync((tokens, actor) => tokens.CreateAsync(email, name, scopes, lifetime, actor));

    public Task<ApiTokenResult> RevokeAsync(long id) => RunAsync((tokens, actor) => tokens.RevokeAsync(id, actor));

    /// <summary>The user's tokens; null when the caller may not see them (or the database could not be read).</summary>
    public async Task<IReadOnlyList<ApiTokenSummary>?> ListAsync(string email)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await ActingAdminAsync(scope.ServiceProvider) is null) return null;
            return await scope.ServiceProvider.GetRequiredService<ApiTokens>().ListAsync(email);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or TimeoutException or ApiTokenKeyException)
        {
            logger.LogError(e, "Could not read the API tokens of {Email}", email);
            return null;
        }
    }

    private async Task<ApiTokenResult> RunAsync(Func<ApiTokens, string, Task<ApiTokenResult>> change)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await ActingAdminAsync(scope.ServiceProvider) is not { } actor)
                return ApiTokenResult.Fail(ApiTokenStatus.Forbidden, "Only admins may manage API tokens; your account is no longer an active admin.");
            return await change(scope.ServiceProvider.GetRequiredService<ApiTokens>(), actor);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or TimeoutException or ApiTokenKeyException)
        {
            logger.LogError(e, "Could not change an API token");
            return ApiTokenResult.Fail(ApiTokenStatus.Failed, $"Nothing was changed; the database said: {e.Message}");
        }
    }

    private async Task<string?> ActingAdminAsync(IServiceProvider services)
    {
        var (name, isAdmin) = await current.GetAsync();
        return isAdmin && await services.GetRequiredService<UserAdministration>().IsActiveAdminAsync(name) ? name : null;
    }
}
