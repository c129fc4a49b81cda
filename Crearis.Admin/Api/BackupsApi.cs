using System.ComponentModel;
using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Crearis.Backup.Core.Results;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Crearis.Admin.Api;

/// <summary>A finding about a backup as the API sends it: the typed code scripts match on, and what to do.</summary>
public sealed record ApiIssue(string Code, string Severity, string Message, string? Suggestion, string? Table, string? Key, string? Column)
{
    public static ApiIssue From(BackupIssue i) =>
        new(i.Code.Wire, i.Severity == IssueSeverity.Error ? "error" : "warning", i.Message, i.Suggestion, i.Table, i.Key, i.Column);
}

/// <summary>One backup file as <c>GET /api/backups</c> lists it (the Backups page's columns).</summary>
/// <param name="Kinds">differential, filtered, scrubbed: what kind of copy the file is (known once it was verified).</param>
public sealed record BackupItem(string Name, long Size, DateTimeOffset Modified, int? Format, DateTimeOffset? CreatedAt, string? SourceDatabase,
    long? TotalRows, bool? Verified, IReadOnlyList<ApiIssue> Issues, IReadOnlyList<string> Kinds)
{
    public static BackupItem From(BackupFileInfo f) =>
        new(f.Name, f.Size, f.Modified, (int?)f.Format, f.CreatedAt, f.SourceDatabase, f.TotalRows, f.Verified, [.. f.Issues.Select(ApiIssue.From)],
            KindNames(f));

    /// <summary>The wire names of <see cref="BackupFileInfo.Kinds"/>.</summary>
    public static IReadOnlyList<string> KindNames(BackupFileInfo f) => [.. f.Kinds.Select(k => k.ToString().ToLowerInvariant())];
}

public sealed record BackupTable(string Name, long Rows);

/// <summary>One backup with its manifest: what the Inspect dialog shows.</summary>
public sealed record BackupDetails(string Name, long Size, DateTimeOffset Modified, int? Format, DateTimeOffset? CreatedAt, string? SourceDatabase,
    string? Description, long? TotalRows, bool? Verified, IReadOnlyList<ApiIssue> Issues, IReadOnlyList<BackupTable> Tables, IReadOnlyList<string> Kinds)
{
    public static BackupDetails From(BackupFileInfo f) =>
        new(f.Name, f.Size, f.Modified, (int?)f.Format, f.CreatedAt, f.SourceDatabase, f.Summary?.Description, f.TotalRows, f.Verified,
            [.. f.Issues.Select(ApiIssue.From)], [.. (f.Summary?.Tables ?? []).Select(t => new BackupTable(t.Table, t.Rows))], BackupItem.KindNames(f));
}

public sealed record BackupList(IReadOnlyList<BackupItem> Items, int Total, int Page, int PageSize);

/// <summary>The multipart form of an upload: one file field named <c>file</c>.</summary>
public sealed record BackupUpload(IFormFile File);

/// <summary>The names of <see cref="BackupSort"/> in <c>GET /api/backups?sort=</c>.</summary>
public static class BackupSorts
{
    public static readonly Vocabulary<BackupSort> Vocabulary = new(
        (BackupSort.CreatedDesc, "created-desc"), (BackupSort.CreatedAsc, "created-asc"), (BackupSort.NameAsc, "name-asc"),
        (BackupSort.NameDesc, "name-desc"), (BackupSort.SizeDesc, "size-desc"), (BackupSort.SizeAsc, "size-asc"));
}

/// <summary>The backup folder for scripts: list, describe, upload and download, as the Backups page does.</summary>
public static class BackupsApi
{
    private const string Tag = "Backups";

    public static void MapBackupsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/backups", async (BackupStorage storage, CancellationToken ct,
                [Description("Page number, from 0.")] int page = 0,
                [Description("Files per page, 1 to 500.")] int pageSize = 50,
                [Description("created-desc (default), created-asc, name-asc, name-desc, size-desc or size-asc; created is the snapshot time where the file was verified, else the file's write time.")] string? sort = null,
                [Description("Only files whose name, or known source database, contains this (any case).")] string? search = null) =>
            {
                if (page < 0 || pageSize is < 1 or > 500)
                    return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad paging",
                        detail: "page starts at 0; pageSize is 1 to 500.");
                var order = BackupSort.CreatedDesc;
                if (sort is not null && !BackupSorts.Vocabulary.TryParse(sort, out order))
                    return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown sort",
                        detail: $"sort is one of {string.Join(", ", BackupSorts.Vocabulary.Names)}.");
                var listed = await storage.ListAsync(page, pageSize, order, search, ct);
                return Results.Ok(new BackupList([.. listed.Items.Select(BackupItem.From)], listed.Total, page, pageSize));
            })
            .Documented("listBackups", Tag, "List the backup folder",
                "One page of the backup files (newest first unless `sort` says otherwise), filtered by a part of the name or source database. " +
                "Files are not read whole here: `verified` is known only for files verified before (kept across restarts).",
                Roles.Viewer, ApiScope.BackupsRead)
            .RequireAuthorization(Policies.SignedIn)
            .Produces<BackupList>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/backups/{name}", async ([Description("The backup's file name.")] string name, BackupStorage storage, CancellationToken ct,
                [Description("Read the whole file once to check its checksums (remembered per file version).")] bool verify = true) =>
                await storage.GetAsync(name, verify, ct) is { } file
                    ? Results.Ok(BackupDetails.From(file))
                    : NameProblem(name))
            .Documented("getBackup", Tag, "Describe one backup",
                "The manifest (source, tables and rows) and, with `verify` (default), the result of checking every checksum; " +
                "a file version is verified once and remembered.",
                Roles.Viewer, ApiScope.BackupsRead)
            .RequireAuthorization(Policies.SignedIn)
            .Produces<BackupDetails>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        // The same rules as the page's /backups/{name}/download: Admins only, plain backup names of plain, non-empty files
        // only (no links, pipes or devices), every try audited.
        api.MapGet("/backups/{name}/download", async ([Description("The backup's file name.")] string name, BackupStorage storage, AuditLog audit, HttpContext http) =>
            {
                var path = storage.ReadablePathOf(name);
                var user = http.User.Identity?.Name;
                var ip = http.Connection.RemoteIpAddress?.ToString();
                if (path is null)
                {
                    await audit.WriteAsync(AuditAction.Download, BackupStorage.IsValidName(name) ? AuditOutcome.NotFound : AuditOutcome.RefusedName, user, ip, name);
                    return NameProblem(name);
                }
                await audit.WriteAsync(AuditAction.Download, AuditOutcome.Succeeded, user, ip, name);
                return Results.File(path, name.EndsWith(".age", StringComparison.Ordinal) ? "application/octet-stream" : "application/gzip", name,
                    enableRangeProcessing: true);
            })
            .Documented("downloadBackup", Tag, "Download a backup file",
                "The file itself, streamed (ranges supported).", Roles.Admin, ApiScope.BackupsRead)
            .RequireAuthorization(Policies.AdminOnly)
            .Produces(StatusCodes.Status200OK, contentType: "application/gzip")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/backups", UploadAsync)
            .Documented("uploadBackup", Tag, "Upload a backup",
                "A `.tar.gz` (or encrypted `.tar.gz.age`) in the multipart field `file`, streamed to disk, verified and kept under a " +
                "sanitized unique name. A file that fails verification is not kept: the answer lists its typed issues " +
                "(`issues[].code`, e.g. `NOT_TAR_GZ`, `BAD_CHECKSUM`, `UPLOAD_TOO_LARGE`).",
                Roles.Admin, ApiScope.Import)
            .RequireAuthorization(Policies.AdminOnly)
            .Accepts<BackupUpload>("multipart/form-data")
            .Produces<BackupItem>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
    }

    private static async Task<IResult> UploadAsync(HttpContext http, BackupStorage storage, AuditLog audit, CancellationToken ct)
    {
        var request = http.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
            return NoFile();
        // The file is streamed, never buffered: the server's general body limit gives way to the backup folder's own.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = storage.MaxUploadBytes + 1024 * 1024;
        var user = http.User.Identity?.Name;
        var ip = http.Connection.RemoteIpAddress?.ToString();
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition()
                || HeaderUtilities.RemoveQuotes(disposition.Name).Value != "file")
                continue;
            var fileName = Path.GetFileName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "");
            var (saved, issues) = await storage.SaveUploadAsync(fileName, section.Body, ct);
            await audit.WriteAsync(AuditAction.Upload, saved is null ? AuditOutcome.Rejected : AuditOutcome.Succeeded, user, ip, saved?.Name ?? fileName,
                saved is null ? string.Join(" ", issues.Select(i => i.Code)) : null);
            if (saved is not null) return Results.Created($"/api/backups/{saved.Name}", BackupItem.From(saved));
            var tooLarge = issues.Any(i => i.Code == IssueCode.UploadTooLarge);
            return IssueProblem(tooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest,
                $"{fileName} was not kept.", issues);
        }
        return NoFile();
    }

    private static IResult NoFile() => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "No file",
        detail: "Send the backup as multipart/form-data in a file field named 'file'.");

    /// <summary>Refusals that carry the backup's typed issues in <c>issues</c> beside the usual problem members.</summary>
    public static IResult IssueProblem(int status, string title, IReadOnlyList<BackupIssue> issues) =>
        Results.Problem(statusCode: status, title: title, detail: string.Join(" ", issues.Select(i => i.Message)),
            extensions: new Dictionary<string, object?> { ["issues"] = issues.Select(ApiIssue.From).ToList() });

    private static IResult NameProblem(string name) => BackupStorage.IsValidName(name)
        ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such backup", detail: $"There is no backup named {name}.")
        : Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a backup file name",
            detail: "A backup is addressed by its plain file name (.tar.gz or .tar.gz.age), without folders.");
}
