using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Crearis.Admin.Services;

namespace Crearis.Admin.Api;

public sealed record AddUserRequest(string Email, string Role, string Password);

public sealed record StartImportRequest(string Backup, string Mode, bool DryRun = false, string[]? Tables = null, string[]? Exclude = null,
    bool WithDependencies = false, bool ContinueOnError = false);

public sealed record StartExportRequest(string[]? Tables = null, string[]? Exclude = null, string? Description = null);

/// <summary>HTTP endpoints for scripts; every one is authorized on the server, whatever the UI shows.</summary>
public static class AdminApi
{
    public static void MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        // The backup file itself, streamed; names are checked, so no request reaches another file.
        endpoints.MapGet("/backups/{name}/download", async (string name, BackupStorage storage, AuditLog audit, HttpContext http) =>
            {
                var path = storage.ReadablePathOf(name);
                var user = http.User.Identity?.Name;
                var ip = http.Connection.RemoteIpAddress?.ToString();
                if (path is null)
                {
                    await audit.WriteAsync(AuditAction.Download, BackupStorage.IsValidName(name) ? AuditOutcome.NotFound : AuditOutcome.RefusedName, user, ip, name);
                    return BackupStorage.IsValidName(name) ? Results.NotFound() : Results.BadRequest(new { error = "Not a backup file name." });
                }
                await audit.WriteAsync(AuditAction.Download, AuditOutcome.Succeeded, user, ip, name);
                return Results.File(path, name.EndsWith(".age", StringComparison.Ordinal) ? "application/octet-stream" : "application/gzip", name,
                    enableRangeProcessing: true);
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

        // Jobs for scripts: the same background service the pages use; admins only.
        api.MapPost("/imports", async (StartImportRequest request, BackupJobService jobs, HttpContext http) =>
            {
                if (!ImportModeNames.TryParse(request.Mode, out var mode))
                    return Results.BadRequest(new { error = $"mode must be {string.Join(" or ", ImportModeNames.All)}." });
                var options = new Crearis.Backup.Core.Import.ImportOptions(mode, request.DryRun, request.Tables, request.Exclude, request.WithDependencies, request.ContinueOnError);
                var started = await jobs.StartImportAsync(http.User.Identity!.Name!, request.Backup, options,
                    http.Connection.RemoteIpAddress?.ToString());
                return started.JobId is { } id
                    ? Results.Accepted($"/api/jobs/{id}", new { id })
                    : Results.Conflict(new { error = started.Refusal });
            })
            .RequireAuthorization(Policies.AdminOnly);

        api.MapPost("/exports", async (StartExportRequest request, BackupJobService jobs, HttpContext http) =>
            {
                var started = await jobs.StartExportAsync(http.User.Identity!.Name!,
                    new Crearis.Backup.Core.Export.ExportOptions(request.Tables, request.Exclude, request.Description),
                    http.Connection.RemoteIpAddress?.ToString());
                return Results.Accepted($"/api/jobs/{started.JobId}", new { id = started.JobId });
            })
            .RequireAuthorization(Policies.AdminOnly);

        api.MapGet("/jobs/{id:guid}", (Guid id, BackupJobService jobs) =>
                jobs.Live(id) is { } job
                    ? Results.Ok(new
                    {
                        job.Id, Kind = job.Kind.ToName(), Status = job.Status.ToName(), job.File, job.Mode, job.StartedBy, job.CreatedAt,
                        job.Progress, job.RunId, job.Message,
                    })
                    : Results.NotFound())
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
