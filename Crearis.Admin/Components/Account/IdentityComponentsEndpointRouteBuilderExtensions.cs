using Crearis.Admin.Components.Account;
using Crearis.Admin.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Microsoft.AspNetCore.Routing;

internal static class IdentityComponentsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// The one account endpoint the pages cannot be: sign-out (a form post from the app bar). The template's passkey,
    /// external-login and personal-data endpoints are gone with their pages.
    /// </summary>
    public static IEndpointConventionBuilder MapAdditionalIdentityEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var accountGroup = endpoints.MapGroup("/Account");

        accountGroup.MapPost("/Logout", async (
            [FromServices] SignInManager<ApplicationUser> signInManager,
            [FromForm] string? returnUrl) =>
        {
            await signInManager.SignOutAsync();
            // The app bar sends the page's path relative to the app; anything else lands on the app's root, never elsewhere.
            var target = $"~/{returnUrl}";
            return TypedResults.LocalRedirect(LocalUrl.IsLocal(target) ? target : "~/");
        });

        return accountGroup;
    }
}
