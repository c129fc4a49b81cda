using System.Text.Json;
using Crearis.Admin.Data;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Import;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Backups;

/// <summary>Writes every export, import and dry run into the admin schema's history.</summary>
public static class RunRecorder
{
    public static async Task<BackupRun> RecordImportAsync(string adminConnection, string startedBy, DateTimeOffset startedAt,
        string file, ImportOptions options, ImportResult result, CancellationToken ct = default, Guid? journal = null)
    {
        var run = new BackupRun
        {
            Journal = journal,
            Kind = JobKinds.OfImport(options.DryRun),
            StartedBy = startedBy,
            StartedAt = startedAt,
            DurationMs = (long)result.Duration.TotalMilliseconds,
            File = file,
            Mode = options.Mode.ToName(),
            Format = (int?)result.Format,
            Options = JsonSerializer.Serialize(new
            {
                tables = options.Tables, exclude = options.Exclude, options.WithDependencies, options.ContinueOnError, options.DryRun,
                conflicts = options.Mode == ImportMode.Merge ? options.Conflicts : (ConflictStrictness?)null,
                onConflict = options.Mode == ImportMode.Merge ? options.OnConflict : (ConflictPolicy?)null,
                applyDeletes = options.ApplyDeletes ? true : (bool?)null,
                resolutions = options.Resolutions is { Count: > 0 } r ? r.Count : (int?)null,
            }, ResultJson.Options),
            Outcome = result.Outcome.ToString(),
            TotalRows = result.Tables.Values.Sum(t => t.Total),
            Inserted = result.Tables.Values.Sum(t => t.Inserted),
            Updated = result.Tables.Values.Sum(t => t.Updated),
            Unchanged = result.Tables.Values.Sum(t => t.Unchanged),
            Skipped = result.Tables.Values.Sum(t => t.Skipped),
            Failed = result.Tables.Values.Sum(t => t.Failed),
            ErrorCount = result.Errors.Count,
            WarningCount = result.Warnings.Count,
            Result = ResultJson.Import(result),
        };
        var saved = await SaveAsync(adminConnection, run, ct);
        if (journal is not null) await RunJournal.PruneAsync(adminConnection, ct);
        return saved;
    }

    public static async Task<BackupRun> RecordExportAsync(string adminConnection, string startedBy, DateTimeOffset startedAt,
        string file, ExportOptions options, ExportResult result, CancellationToken ct = default)
    {
        var run = new BackupRun
        {
            Kind = JobKind.Export,
            StartedBy = startedBy,
            StartedAt = startedAt,
            DurationMs = (long)result.Duration.TotalMilliseconds,
            File = file,
            Format = 2,
            // Names only: the base by its file name, the scrub key by its public fingerprint (never a key).
            Options = JsonSerializer.Serialize(new
            {
                tables = options.Tables, exclude = options.Exclude, options.Description,
                @base = options.Base is null ? null : Path.GetFileName(options.Base),
                projects = options.Filter?.Projects, users = options.Filter?.Users, since = options.Filter?.Since?.Text,
                scrub = options.Scrub?.Fingerprint,
            }, ResultJson.Options),
            Outcome = result.Succeeded ? "Succeeded" : "Failed",
            TotalRows = result.TotalRows,
            ErrorCount = result.Issues.Count,
            Result = ResultJson.Export(result),
        };
        return await SaveAsync(adminConnection, run, ct);
    }

    /// <summary>Saves the run; the admin schema must exist (the operation layer makes sure of it once).</summary>
    private static async Task<BackupRun> SaveAsync(string adminConnection, BackupRun run, CancellationToken ct)
    {
        var options = new DbContextOptionsBuilder<AdminDbContext>().UseAdminDatabase(adminConnection).Options;
        await using var db = new AdminDbContext(options);
        db.BackupRuns.Add(run);
        await db.SaveChangesAsync(ct);
        return run;
    }
}
