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
        }),
        errors = result.Errors.Select(Issue),
        warnings = result.Warnings.Select(Issue),
        missingFromBackup = result.MissingFromBackup,
        changeExamples = result.ChangeExamples.ToDictionary(t => t.Key, t => t.Value.Select(e => new
        {
            key = e.Key,
            fields = e.Changes.ToDictionary(c => c.Key, c => new { before = c.Value.Before, after = c.Value.After }),
        })),
    }, Options);

    public static string Export(ExportResult result) => JsonSerializer.Serialize(new
    {
        succeeded = result.Succeeded,
        file = result.File,
        format = 2,
        durationMs = (long)result.Duration.TotalMilliseconds,
        tables = result.Manifest?.Tables.ToDictionary(t => t.Name, t => new { rows = t.Rows, bytes = t.Bytes, sha256 = t.Sha256 }),
        errors = result.Issues.Select(Issue),
    }, Options);
}
