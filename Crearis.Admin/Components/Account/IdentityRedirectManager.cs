using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Crearis.Admin.Data;

namespace Crearis.Admin.Components.Account;

internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public const string StatusCookieName = "Identity.StatusMessage";

    private static readonly CookieBuilder StatusCookieBuilder = new()
    {
        SameSite = SameSiteMode.Strict,
        HttpOnly = true,
        IsEssential = true,
        MaxAge = TimeSpan.FromSeconds(5),
    };

    /// <summary>Redirects to a page of this app, named by the code (a path relative to the app, or its absolute URL).</summary>
    public void RedirectTo(string uri)
    {
        if (Uri.TryCreate(uri, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
            uri = navigationManager.ToBaseRelativePath(uri);
        navigationManager.NavigateTo(uri);
    }

    /// <summary>
    /// Redirects to where a visitor asked to go after signing in, when that is in this app; anywhere else, and text that
    /// is no URL at all, lands on the app's root. The value comes from the query string, so it is never trusted.
    /// </summary>
    public void RedirectToReturnUrl(string? returnUrl) => navigationManager.NavigateTo(LocalReturnUrl(returnUrl));

    /// <summary>The return URL as a local path ("/backups"), or the app's root.</summary>
    public string LocalReturnUrl(string? returnUrl)
    {
        // The login redirect of a page (RedirectToLogin) sends the page's absolute URL: this app's own become their path.
        if (returnUrl is not null && !returnUrl.StartsWith('/')
            && Uri.TryCreate(returnUrl, UriKind.Absolute, out var absolute) && string.IsNullOrEmpty(absolute.UserInfo)
            && Uri.TryCreate(navigationManager.BaseUri, UriKind.Absolute, out var baseUri)
            && Uri.Compare(absolute, baseUri, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0
            && absolute.AbsolutePath.StartsWith(baseUri.AbsolutePath, StringComparison.Ordinal))
        {
            returnUrl = absolute.PathAndQuery;
        }
        return LocalUrl.IsLocal(returnUrl) && !returnUrl!.StartsWith('~') ? returnUrl : navigationManager.BaseUri;
    }

    public void RedirectTo(string uri, Dictionary<string, object?> queryParameters)
    {
        var uriWithoutQuery = navigationManager.ToAbsoluteUri(uri).GetLeftPart(UriPartial.Path);
        var newUri = navigationManager.GetUriWithQueryParameters(uriWithoutQuery, queryParameters);
        RedirectTo(newUri);
    }

    public void RedirectToWithStatus(string uri, string message, HttpContext context)
    {
        context.Response.Cookies.Append(StatusCookieName, message, StatusCookieBuilder.Build(context));
        RedirectTo(uri);
    }

    private string CurrentPath => navigationManager.ToAbsoluteUri(navigationManager.Uri).GetLeftPart(UriPartial.Path);

    public void RedirectToCurrentPage() => RedirectTo(CurrentPath);

    public void RedirectToCurrentPageWithStatus(string message, HttpContext context)
        => RedirectToWithStatus(CurrentPath, message, context);

    public void RedirectToInvalidUser(UserManager<ApplicationUser> userManager, HttpContext context)
        => RedirectToWithStatus("Account/InvalidUser", $"Error: Unable to load user with ID '{userManager.GetUserId(context.User)}'.", context);
}
