using System.Text.Json;
using Crearis.Admin.Backups;
using Crearis.Admin.Components.Pages.Import;
using Crearis.Admin.Data;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;

namespace Crearis.Admin.Components.Pages.History;

/// <summary>
/// A history entry in a person's words: its outcome, mode, counts and options as the history stores them (names made
/// for scripts: <c>AppliedWithSkips</c>, <c>new-only</c>, <c>missingFromBackup</c>, option JSON) read as sentences.
/// </summary>
public static class RunWords
{
    /// <summary>The outcomes a run can have, in the order the History filter offers them.</summary>
    public static readonly IReadOnlyList<string> Outcomes = ["Succeeded", "Applied", "AppliedWithSkips", "DryRun", "Conflicts", "Failed", "Refused"];

    /// <summary>"Applied with skipped rows", "Dry run — nothing written"; an export's "Succeeded" and "Failed" as they are.</summary>
    public static string Outcome(string stored) => stored switch
    {
        "Succeeded" => "Succeeded",
        _ when Enum.TryParse<ImportOutcome>(stored, out var outcome) && stored == outcome.ToString() => ImportResultView.OutcomeText(outcome),
        _ => stored,
    };

    /// <summary>"Import New Only", "Merge Changes"; an export has no mode.</summary>
    public static string Mode(string? stored) =>
        ImportModeNames.TryParse(stored, out var mode) ? mode.Label() : stored ?? "";

    /// <summary>The header of a per-table count, as the Import page words it.</summary>
    public static string Column(string key, bool dryRun) => key switch
    {
        "total" or "rows" => "Rows",
        "inserted" => dryRun ? "Would insert" : "Inserted",
        "updated" => dryRun ? "Would update" : "Updated",
        "unchanged" => "Unchanged",
        "skipped" => "Skipped",
        "failed" => "Failed",
        "missingFromBackup" => "Only in database",
        "conflicts" => "Conflicts",
        "deletedThere" => "Deleted there",
        "deleted" => "Deleted",
        "deletedHere" => "Deleted here",
        "bytes" => "Bytes",
        _ => key,
    };

    /// <summary>What a row of the History list counts: "376 rows · 12 inserted · 3 updated · 1 skipped".</summary>
    public static string Rows(BackupRun run) => string.Join(" · ", RowParts(run));

    /// <summary>The parts of <see cref="Rows"/>, each kept on one line.</summary>
    public static IReadOnlyList<string> RowParts(BackupRun run)
    {
        var rows = $"{run.TotalRows:N0} rows";
        if (run.Kind == JobKind.Export) return [rows];
        var (inserted, updated) = run.Kind == JobKind.DryRun ? ("would insert", "would update") : ("inserted", "updated");
        var parts = new List<string> { rows, $"{run.Inserted:N0} {inserted}", $"{run.Updated:N0} {updated}" };
        if (run.Skipped > 0) parts.Add($"{run.Skipped:N0} skipped");
        return parts;
    }

    /// <summary>The options a run was started with, one phrase each (the stored JSON, read).</summary>
    public static IReadOnlyList<string> Options(string json, JobKind kind)
    {
        var words = new List<string>();
        JsonElement root;
        try { root = JsonDocument.Parse(json).RootElement; }
        catch (JsonException) { return words; }
        if (root.ValueKind != JsonValueKind.Object) return words;

        var tables = Names(root, "tables");
        var exclude = Names(root, "exclude");
        words.Add(tables.Count > 0 ? $"Only the tables {string.Join(", ", tables)}" : "All tables");
        if (exclude.Count > 0) words.Add($"Leaving out {string.Join(", ", exclude)}");
        if (Text(root, "description") is { Length: > 0 } description) words.Add($"Description: {description}");
        if (kind == JobKind.Export) return words;

        if (Flag(root, "withDependencies")) words.Add("With the tables the chosen ones depend on");
        words.Add(Flag(root, "continueOnError") ? "Rows that fail are skipped and reported" : "Stops at the first row that fails");
        switch (Text(root, "conflicts"))
        {
            case "cell": words.Add("A conflict is the same field changed on both sides"); break;
            case "row": words.Add("A conflict is the same row changed on both sides"); break;
        }
        switch (Text(root, "onConflict"))
        {
            case "fail": words.Add("Undecided conflicts stop the merge"); break;
            case "keep-target": words.Add("Conflicts keep this database's value"); break;
            case "take-backup": words.Add("Conflicts take the backup's value"); break;
        }
        if (Flag(root, "applyDeletes")) words.Add("Rows the backup's instance deleted are deleted here too");
        if (root.TryGetProperty("resolutions", out var r) && r.ValueKind == JsonValueKind.Number)
            words.Add($"{r.GetInt32():N0} conflicts decided beforehand");
        return words;
    }

    /// <summary>The errors or warnings a run stored, as the engine's typed issues (so they read like the Import page's).</summary>
    public static IReadOnlyList<BackupIssue> Issues(JsonElement root, string name, IssueSeverity severity)
    {
        if (!root.TryGetProperty(name, out var list) || list.ValueKind != JsonValueKind.Array) return [];
        return list.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object).Select(i => new BackupIssue(
            severity, Code(Text(i, "code")), Text(i, "message") ?? "", Text(i, "suggestion"), Text(i, "table"), Text(i, "key"),
            Text(i, "column"), Text(i, "constraint"), BackupPhases.Parse(Text(i, "phase")))).ToList();
    }

    private static IssueCode Code(string? wire)
    {
        try { return JsonSerializer.Deserialize<IssueCode>(JsonSerializer.Serialize(wire ?? "")); }
        catch (JsonException) { return default; }
    }

    private static List<string> Names(JsonElement root, string name) =>
        root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];

    private static bool Flag(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
