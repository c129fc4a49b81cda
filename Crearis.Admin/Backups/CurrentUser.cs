using Microsoft.AspNetCore.Components.Authorization;

namespace Crearis.Admin.Backups;

/// <summary>The signed-in user of a circuit, for naming who started a job or made an audited change.</summary>
public sealed class CurrentUser(AuthenticationStateProvider authentication)
{
    public async Task<(string Name, bool IsAdmin)> GetAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return (state.User.Identity?.Name ?? "unknown", state.User.IsInRole(Security.Roles.Admin));
    }
}
