using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.OpenApi;

namespace Crearis.Admin.Api;

/// <summary>
/// The API's wiring besides its endpoints: bearer tokens next to the sign-in cookie, scopes, problem+json errors and the
/// OpenAPI 3.1 document at <see cref="DocumentPath"/>.
/// </summary>
public static class ApiDocumentation
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string BearerScheme = "bearer";

    public static void AddCrearisApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(sp => new ApiTokenKey(sp.GetRequiredService<IConfiguration>()));
        services.AddScoped<ApiTokens>();
        services.AddScoped<ApiTokenManagement>();
        services.AddSingleton<IAuthorizationHandler, ApiScopeHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiForbiddenResultHandler>();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddPolicyScheme(ApiTokenAuthenticationHandler.SelectorScheme, "Sign-in cookie, or an API token on the API", o =>
                o.ForwardDefaultSelector = ctx => ApiTokenAuthenticationHandler.IsTokenRequest(ctx.Request)
                    ? ApiTokenAuthenticationHandler.SchemeName
                    : IdentityConstants.ApplicationScheme);
        // Registered after Identity's own settings, so this default wins: every request picks cookie or token itself.
        services.Configure<AuthenticationOptions>(o => o.DefaultScheme = ApiTokenAuthenticationHandler.SelectorScheme);

        services.AddSingleton<ApiDocumentSource>();
        services.AddProblemDetails();
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            // Only the API for scripts: pages, sign-in and the page-side downloads are not part of it.
            options.ShouldInclude = d => d.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Crearis Backup Admin API",
                    Version = DocumentName,
                    Description = "Backups, exports, imports, jobs and users for scripts. Authenticate with `Authorization: Bearer crb_…` " +
                                  "(an API token made by an admin on the Users page or with `users token create`); the token's scopes and " +
                                  "its user's current role both apply. Errors are `application/problem+json`.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "crb_ API token",
                    Description = $"An API token. Scopes: {string.Join(", ", ApiScopes.Vocabulary.Names)}.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var scopes = context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiScopeRequirement>()
                    .SelectMany(r => r.AnyOf).Distinct().Select(s => s.ToName()).ToList();
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = scopes });
                return Task.CompletedTask;
            });
        });
    }

    /// <summary>API errors without a body of their own (401, 403, 404 from the framework) become problem+json too.</summary>
    public static void UseCrearisApiErrors(this WebApplication app) =>
        app.UseWhen(ctx => ctx.Request.Path.StartsWithSegments("/api"), branch => branch.UseStatusCodePages());

    public static void MapCrearisApiDocument(this WebApplication app) =>
        app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(Policies.SignedIn);

    /// <summary>
    /// What every API operation says about itself: its name, group, summary, what it requires (in the description, as the
    /// API page shows it) and the errors every protected endpoint can answer.
    /// </summary>
    public static RouteHandlerBuilder Documented(this RouteHandlerBuilder builder, string operationId, string tag, string summary,
        string description, string role, params ApiScope[] anyOf) =>
        builder.WithName(operationId).WithTags(tag).WithSummary(summary)
            .WithDescription($"{description} Requires scope {Names(anyOf)} when called with an API token, and the role {(role == Roles.Viewer ? "Viewer or Admin" : role)}.")
            .RequireScope(anyOf)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    private static string Names(IReadOnlyList<ApiScope> scopes) => scopes.Count switch
    {
        1 => $"`{scopes[0].ToName()}`",
        _ => string.Join(", ", scopes.Take(scopes.Count - 1).Select(s => $"`{s.ToName()}`")) + $" or `{scopes[^1].ToName()}`",
    };
}

/// <summary>
/// The OpenAPI document, made once in-process for the API page: the endpoints do not change while the app runs, and a
/// page that is rendered twice (prerendered, then interactive) shows it at once the second time.
/// </summary>
public sealed class ApiDocumentSource(IServiceProvider services)
{
    private readonly Lazy<Task<OpenApiDocument>> _document = new(() =>
        services.GetRequiredKeyedService<Microsoft.AspNetCore.OpenApi.IOpenApiDocumentProvider>(ApiDocumentation.DocumentName)
            .GetOpenApiDocumentAsync());

    public Task<OpenApiDocument> GetAsync() => _document.Value;
}
