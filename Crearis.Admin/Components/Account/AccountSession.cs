using System.Security.Claims;
using Crearis.Admin.Data;
using Microsoft.AspNetCore.Identity;

namespace Crearis.Admin.Components.Account;

/// <summary>
/// Keeps the browser that changed its own account signed in. A password or two-factor change renews the security
/// stamp, which ends every session of the user at its next check; this one gets a new cookie with the new stamp.
/// </summary>
internal sealed class AccountSession(IServiceScopeFactory scopes, SignInManager<ApplicationUser> signIn)
{
    public async Task RefreshAsync(ClaimsPrincipal principal)
    {
        // A fresh scope reads the user as the change left it; the page's own context may hold an older copy.
        await using var scope = scopes.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().GetUserAsync(principal);
        if (user is not null) await signIn.RefreshSignInAsync(user);
    }
}
