using Crearis.Admin.Security;
using Crearis.Admin.Services;

namespace Crearis.Admin.Api;

public sealed record AddUserRequest(string Email, string Role, string Password);

/// <summary>HTTP endpoints for scripts; every one is authorized on the server, whatever the UI shows.</summary>
public static class AdminApi
{
    public static void MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").DisableAntiforgery();

        api.MapGet("/database", async (DatabaseInfoService info, CancellationToken ct) =>
                Results.Ok(await info.GetAsync(ct)))
            .RequireAuthorization(Policies.SignedIn);

        api.MapPost("/users", async (AddUserRequest request, UserAdministration users) =>
            {
                var result = await users.AddUserAsync(request.Email, request.Role, request.Password);
                return result.Status switch
                {
                    AddUserStatus.Created => Results.Created($"/users?email={Uri.EscapeDataString(request.Email)}",
                        new { request.Email, Role = Roles.Normalize(request.Role) }),
                    AddUserStatus.AlreadyExists => Results.Conflict(new { errors = result.Errors }),
                    _ => Results.BadRequest(new { errors = result.Errors }),
                };
            })
            .RequireAuthorization(Policies.AdminOnly);
    }
}
