using System.Security.Claims;
using System.Text.Encodings.Web;
using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace Crearis.Admin.Security;

/// <summary>
/// <c>Authorization: Bearer crb_…</c> on <c>/api</c> (and the OpenAPI document). The token's user is signed in with
/// their current roles, limited further by the token's scopes. Nothing here logs the header or the token.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, AuditLog audit) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "CrearisApiToken";

    /// <summary>The scheme that picks one of the two per request: a bearer token on the API, else the sign-in cookie.</summary>
    public const string SelectorScheme = "CrearisCookieOrToken";

    public const string TokenIdClaim = "crearis:token";
    public const string ScopeClaim = "crearis:scope";

    /// <summary>True for requests that the token scheme handles: the API (and its document) with a bearer header.</summary>
    public static bool IsTokenRequest(HttpRequest request) =>
        (request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/openapi"))
        && request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var presented = header["Bearer ".Length..].Trim();
        var ip = Context.Connection.RemoteIpAddress?.ToString();
        var endpoint = $"{Request.Method} {Request.Path}";
        var tokens = Context.RequestServices.GetRequiredService<ApiTokens>();
        var check = await tokens.CheckAsync(presented, ip, endpoint, Context.RequestAborted);
        if (!check.Accepted) return AuthenticateResult.Fail("The API token is unknown, revoked or expired, or its user may not sign in.");

        // One audit entry per use, written when the answer is known (so a use refused for its scope says so).
        Response.OnStarting(() => audit.WriteAsync(AuditAction.TokenUse, OutcomeOf(Response.StatusCode), check.Email, ip,
            ApiTokens.Target(check.TokenId!.Value), endpoint));

        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, check.UserId!));
        identity.AddClaim(new Claim(ClaimTypes.Name, check.Email ?? ""));
        identity.AddClaim(new Claim(TokenIdClaim, check.TokenId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var role in check.Roles ?? []) identity.AddClaim(new Claim(ClaimTypes.Role, role));
        foreach (var scope in check.Scopes ?? []) identity.AddClaim(new Claim(ScopeClaim, scope.ToName()));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return Task.CompletedTask;
    }

    private static AuditOutcome OutcomeOf(int status) => status switch
    {
        < 400 => AuditOutcome.Succeeded,
        StatusCodes.Status403Forbidden => AuditOutcome.Forbidden,
        StatusCodes.Status404NotFound => AuditOutcome.NotFound,
        < 500 => AuditOutcome.Rejected,
        _ => AuditOutcome.Failed,
    };
}

/// <summary>
/// The endpoint needs one of these scopes when called with a token; a signed-in person (cookie) is limited only by the
/// endpoint's role policy. Also endpoint metadata, read by the OpenAPI document.
/// </summary>
public sealed class ApiScopeRequirement(params ApiScope[] anyOf) : IAuthorizationRequirement
{
    public IReadOnlyList<ApiScope> AnyOf { get; } = anyOf;
}

public sealed class ApiScopeHandler : AuthorizationHandler<ApiScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiScopeRequirement requirement)
    {
        var token = context.User.Identities.Any(i => i.AuthenticationType == ApiTokenAuthenticationHandler.SchemeName);
        if (!token || requirement.AnyOf.Any(s => context.User.HasClaim(ApiTokenAuthenticationHandler.ScopeClaim, s.ToName())))
            context.Succeed(requirement);
        else
            context.Fail(new AuthorizationFailureReason(this,
                $"This API token lacks the scope {string.Join(" or ", requirement.AnyOf.Select(a => a.ToName()))}; make a token with it on the Users page or with users token create."));
        return Task.CompletedTask;
    }
}

/// <summary>
/// A refused API call says why in its problem+json (the missing scope), so a script's author knows what to change;
/// everything else is answered as the framework does.
/// </summary>
public sealed class ApiForbiddenResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        var reasons = result.AuthorizationFailure?.FailureReasons.Where(r => r.Handler is ApiScopeHandler).Select(r => r.Message).ToList();
        if (result.Forbidden && reasons is { Count: > 0 } && context.Request.Path.StartsWithSegments("/api"))
        {
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: string.Join(" ", reasons)).ExecuteAsync(context);
            return;
        }
        await _default.HandleAsync(next, context, policy, result);
    }
}

public static class ApiScopeEndpointExtensions
{
    /// <summary>Tokens need one of <paramref name="anyOf"/> here (on top of the role policy of the endpoint).</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, params ApiScope[] anyOf) where TBuilder : IEndpointConventionBuilder
    {
        var requirement = new ApiScopeRequirement(anyOf);
        builder.WithMetadata(requirement);
        return builder.RequireAuthorization(p => p.AddRequirements(requirement));
    }
}
