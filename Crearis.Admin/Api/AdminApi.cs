using Crearis.Admin.Backups;
using Crearis.Admin.Security;
using Crearis.Admin.Services;

namespace Crearis.Admin.Api;

public sealed record AddUserRequest(string Email, string Role, string Password);

/// <summary>HTTP endpoints for scripts; every one is authorized on the server, whatever the UI shows.</summary>
public static class AdminApi
{
    public static void MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        // The backup file itself, streamed; names are checked, so no request reaches another file.
        endpoints.MapGet("/backups/{name}/download", async (string name, BackupStorage storage, AuditLog audit, HttpContext http) =>
            {
                var path = storage.PathOf(name);
                var user = http.User.Identity?.Name;
                var ip = http.Connection.RemoteIpAddress?.ToString();
                if (path is null)
                {
                    await audit.WriteAsync("download", BackupStorage.IsValidName(name) ? "not-found" : "refused-name", user, ip, name);
                    return BackupStorage.IsValidName(name) ? Results.NotFound() : Results.BadRequest(new { error = "Not a backup file name." });
                }
                await audit.WriteAsync("download", "succeeded", user, ip, name);
                return Results.File(path, "application/gzip", name, enableRangeProcessing: true);
            })
            .RequireAuthorization(Policies.AdminOnly);

        endpoints.MapGet("/history/{id:long}/download", async (long id, HistoryService history) =>
                await history.GetAsync(id) is { } run
                    ? Results.File(System.Text.Encoding.UTF8.GetBytes(run.Result), "application/json", $"crearis-run-{id}.json")
                    : Results.NotFound())
            .RequireAuthorization(Policies.SignedIn);

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
