using System.Text.Json;
using System.Text.Json.Serialization;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;

namespace Crearis.Admin.Backups;

/// <summary>The JSON documents the CLI prints with --json and the history stores: one shape for scripts and people.</summary>
public static class ResultJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static object Issue(BackupIssue i) => new
    {
        code = i.Code, table = i.Table, key = i.Key, column = i.Column, constraint = i.Constraint, phase = i.Phase?.Wire(),
        message = i.Message, suggestion = i.Suggestion,
    };

    public static string Import(ImportResult result) => JsonSerializer.Serialize(new
    {
        mode = result.Mode.ToName(),
        dryRun = result.DryRun,
        format = (int?)result.Format,
        outcome = result.Outcome.ToString(),
        durationMs = (long)result.Duration.TotalMilliseconds,
        stoppedAt = result.StoppedAt is { } stop ? new { phase = stop.Phase.Wire(), table = stop.Table } : null,
        notReached = result.NotReached.Count > 0 ? result.NotReached : null,
        tables = result.Tables.ToDictionary(t => t.Key, t => new
        {
            total = t.Value.Total, inserted = t.Value.Inserted, updated = t.Value.Updated, unchanged = t.Value.Unchanged,
            skipped = t.Value.Skipped, failed = t.Value.Failed, missingFromBackup = t.Value.MissingFromBackup,
            conflicts = t.Value.Conflicts, deletedThere = t.Value.DeletedThere, deleted = t.Value.Deleted, deletedHere = t.Value.DeletedHere,
        }),
        mergeBase = result.MergeBase is { } b
            ? new { backupSha256 = b.BackupSha256, direction = b.Direction, peer = b.Peer, backupCreatedAt = b.BackupCreatedAt } : null,
        conflicts = result.Conflicts.Select(Conflict),
        errors = result.Errors.Select(Issue),
        warnings = result.Warnings.Select(Issue),
        missingFromBackup = result.MissingFromBackup,
        changeExamples = result.ChangeExamples.ToDictionary(t => t.Key, t => t.Value.Select(e => new
        {
            key = e.Key,
            fields = e.Changes.ToDictionary(c => c.Key, c => new { before = c.Value.Before, after = c.Value.After }),
        })),
    }, Options);

    /// <summary>
    /// One conflict as scripts read it (and as a resolutions file repeats it): every member present, null included —
    /// a row-level conflict has "column": null.
    /// </summary>
    public static Dictionary<string, object?> Conflict(MergeConflict c) => new()
    {
        ["table"] = c.Table, ["key"] = c.Key, ["column"] = c.Column, ["kind"] = c.Kind,
        ["base"] = c.Base, ["target"] = c.Target, ["backup"] = c.Backup, ["taken"] = c.Taken, ["value"] = c.Value,
    };

    public static string Export(ExportResult result) => JsonSerializer.Serialize(new
    {
        succeeded = result.Succeeded,
        file = result.File,
        format = 2,
        durationMs = (long)result.Duration.TotalMilliseconds,
        tables = result.Manifest?.Tables.ToDictionary(t => t.Name, t => new { rows = t.Rows, bytes = t.Bytes, sha256 = t.Sha256 }),
        differential = Differential(result.Manifest?.Differential),
        filter = result.Manifest?.Filter,
        scrub = Scrub(result.Manifest?.Scrub),
        errors = result.Issues.Select(Issue),
    }, Options);

    /// <summary>A scrubbed copy: the key's fingerprint and the columns replaced (column → kind); null when not scrubbed.</summary>
    public static object? Scrub(Crearis.Backup.Core.Format.Crearis.ManifestScrub? scrub) => scrub is null ? null : new
    {
        scrubbed = true,
        derived = scrub.Derived,
        keyFingerprint = scrub.KeyFingerprint,
        columns = scrub.Columns,
    };

    /// <summary>A differential's base and, per table, its tombstones and context rows; null for a full backup.</summary>
    public static object? Differential(Crearis.Backup.Core.Format.Crearis.ManifestDifferential? differential) => differential is null ? null : new
    {
        baseSha256 = differential.BaseSha256,
        baseCreatedAt = differential.BaseCreatedAt,
        tombstones = differential.Tables.ToDictionary(t => t.Name, t => t.DeletedRows),
        contextRows = differential.Tables.ToDictionary(t => t.Name, t => t.ContextRows),
    };
}
