using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Crearis.Admin.Services;
using Crearis.Backup.Core.Import;

namespace Crearis.Admin.Api;

public sealed record AddUserRequest(string Email, string Role, string Password);

public sealed record StartImportRequest(string Backup, string Mode, bool DryRun = false, string[]? Tables = null, string[]? Exclude = null,
    bool WithDependencies = false, bool ContinueOnError = false);

/// <summary>
/// An export to start. <c>base</c>: a file name of the backup folder this database exported (a differential against it);
/// <c>projects</c> (domaincodes), <c>users</c> (sysmails), <c>since</c> ("30d" or "2026-01-01"): a filtered export;
/// <c>scrub</c>: a scrubbed copy (needs the app's scrub key).
/// </summary>
public sealed record StartExportRequest(string[]? Tables = null, string[]? Exclude = null, string? Description = null,
    string? Base = null, string[]? Projects = null, string[]? Users = null, string? Since = null, bool Scrub = false)
{
    public Crearis.Admin.Backups.ExportSettings ToSettings() => new()
    {
        Tables = Tables, Exclude = Exclude, Description = Description, Base = Base, Projects = Projects, Users = Users, Since = Since, Scrub = Scrub,
    };
}

/// <summary>A job was queued: follow it at <c>/api/jobs/{id}</c>.</summary>
public sealed record JobStarted(Guid Id);

public sealed record UserAdded(string Email, string Role);

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

        // Every row a run added, changed, kept, skipped or refused (its journal), as CSV or JSON, filtered like the
        // preview. Admins only: the rows are the platform's content, personal data included.
        endpoints.MapGet("/history/{id:long}/rows.{format}", async (long id, string format, string? table, string? action, string? key,
                HistoryService history, RunRowsService rows, AuditLog audit, HttpContext http) =>
            {
                var kind = format switch { "csv" => RunRowsFormat.Csv, "json" => RunRowsFormat.Json, _ => (RunRowsFormat?)null };
                RowAction? only = null;
                if (action is not null)
                {
                    if (!RowActions.Vocabulary.TryParse(action, out var parsed))
                        return Results.BadRequest(new { error = $"action is one of {string.Join(", ", RowActions.Vocabulary.Names)}." });
                    only = parsed;
                }
                if (kind is null) return Results.BadRequest(new { error = "The rows come as rows.csv or rows.json." });
                if (await history.GetAsync(id) is not { Journal: { } journal }) return Results.NotFound();
                var name = $"crearis-run-{id}-rows.{format}";
                await audit.WriteAsync(AuditAction.Download, AuditOutcome.Succeeded, http.User.Identity?.Name, http.Connection.RemoteIpAddress?.ToString(), name);
                return Results.Stream(output => rows.WriteAsync(journal, new RunRowsFilter(table, only, key), kind.Value, output, http.RequestAborted),
                    kind == RunRowsFormat.Csv ? "text/csv; charset=utf-8" : "application/json", name);
            })
            .RequireAuthorization(Policies.AdminOnly);

        var api = endpoints.MapGroup("/api").DisableAntiforgery();
        api.MapBackupsApi();

        api.MapGet("/database", async (DatabaseInfoService info, CancellationToken ct) =>
                Results.Ok(await info.GetAsync(ct)))
            .Documented("getDatabase", "Database", "The connected database",
                "Host, name, server version and the rows of each content table.", Roles.Viewer, ApiScope.BackupsRead)
            .RequireAuthorization(Policies.SignedIn)
            .Produces(StatusCodes.Status200OK, contentType: "application/json");

        // Jobs for scripts: the same background service the pages use; admins only.
        api.MapPost("/imports", async (StartImportRequest request, BackupJobService jobs, HttpContext http) =>
            {
                if (!ImportModeNames.TryParse(request.Mode, out var mode))
                    return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown mode",
                        detail: $"mode must be {string.Join(" or ", ImportModeNames.All)}.");
                var options = new Crearis.Backup.Core.Import.ImportOptions(mode, request.DryRun, request.Tables, request.Exclude, request.WithDependencies, request.ContinueOnError);
                var started = await jobs.StartImportAsync(http.User.Identity!.Name!, request.Backup, options,
                    http.Connection.RemoteIpAddress?.ToString());
                return started.JobId is { } id
                    ? Results.Accepted($"/api/jobs/{id}", new JobStarted(id))
                    : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not started", detail: started.Refusal);
            })
            .Documented("startImport", "Jobs", "Start an import or a dry run",
                "Imports a backup of the folder into the connected database in the background (`dryRun` rolls back at the end). " +
                "Follow it with `GET /api/jobs/{id}`. 409 when the file is missing or another import holds the database (who and since when).",
                Roles.Admin, ApiScope.Import)
            .RequireAuthorization(Policies.AdminOnly)
            .Produces<JobStarted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapPost("/exports", async (StartExportRequest request, BackupJobService jobs, HttpContext http) =>
            {
                var started = await jobs.StartExportAsync(http.User.Identity!.Name!, request.ToSettings(), http.Connection.RemoteIpAddress?.ToString());
                return started.JobId is { } id
                    ? Results.Accepted($"/api/jobs/{id}", new JobStarted(id))
                    : BackupsApi.IssueProblem(StatusCodes.Status400BadRequest, "Export not started", started.Issues ?? []);
            })
            .Documented("startExport", "Jobs", "Start an export",
                "Exports the connected database (all tables, or the ones named) into a new file of the backup folder, in the background. " +
                "`base` (a file name of the backup folder that this database exported, full or differential) makes it a differential: only rows " +
                "new or changed since, and a tombstone per row deleted. `projects` (domaincodes), `users` (sysmails) and `since` (`30d` or a date, " +
                "`2026-01-01`) make it a filtered export: the rows selected and every row they refer to; a filtered backup never deletes on import. " +
                "`scrub: true` writes a scrubbed copy for development (personal data replaced by keyed pseudonyms) with the app's scrub key. " +
                "Follow the job with `GET /api/jobs/{id}`; a base this database did not export fails the job with `BASE_UNKNOWN`, a project or user " +
                "no row has with `FILTER_UNKNOWN`. 400 with typed `issues[].code` when the request cannot be an export: `BAD_SINCE` (since is not " +
                "a moment in the past), `NOT_FOUND` (no backup of that name in the folder), `SCRUB_KEY_INVALID` (scrub, but neither " +
                "`Crearis:Backups:ScrubKeyFile` nor `CREARIS_SCRUB_KEY` is set), `FILTER_WITH_BASE` / `SCRUB_NOT_DIFFERENTIAL` (a base with a " +
                "filter or with scrub: a differential is never filtered or scrubbed).",
                Roles.Admin, ApiScope.Export)
            .RequireAuthorization(Policies.AdminOnly)
            .Produces<JobStarted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/jobs/{id:guid}", (Guid id, BackupJobService jobs) =>
                jobs.Live(id) is { } job
                    ? Results.Ok(new
                    {
                        job.Id, Kind = job.Kind.ToName(), Status = job.Status.ToName(), job.File, job.Mode, job.StartedBy, job.CreatedAt,
                        job.Progress, job.RunId, job.Message,
                    })
                    : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such job", detail: $"There is no job {id}."))
            .Documented("getJob", "Jobs", "Follow a job",
                "`kind` export, import or dry-run; `status` Queued, Running, Succeeded, Failed, Cancelled or Interrupted; progress while it runs, " +
                "and the history entry (`runId`) when it ends.", Roles.Viewer, ApiScope.BackupsRead, ApiScope.Export, ApiScope.Import)
            .RequireAuthorization(Policies.SignedIn)
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/users", async (AddUserRequest request, UserAdministration users) =>
            {
                var result = await users.AddUserAsync(request.Email, request.Role, request.Password);
                return result.Status switch
                {
                    AddUserStatus.Created => Results.Created($"/users?email={Uri.EscapeDataString(request.Email)}",
                        new UserAdded(request.Email, Roles.Normalize(request.Role)!)),
                    AddUserStatus.AlreadyExists => UserProblem(StatusCodes.Status409Conflict, result.Errors),
                    _ => UserProblem(StatusCodes.Status400BadRequest, result.Errors),
                };
            })
            .Documented("addUser", "Users", "Add a user",
                "Adds a sign-in with a role (Admin or Viewer) and a password that meets the password rules.", Roles.Admin, ApiScope.UsersAdmin)
            .RequireAuthorization(Policies.AdminOnly)
            .Produces<UserAdded>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static IResult UserProblem(int status, IReadOnlyList<string> errors) =>
        Results.Problem(statusCode: status, title: "User not added", detail: string.Join(" ", errors),
            extensions: new Dictionary<string, object?> { ["errors"] = errors });
}
