using Crearis.Backup.Core.Import;

namespace Crearis.Admin.Data;

/// <summary>
/// One row of a run's journal (<see cref="IRowJournal"/>): what a dry run would do or an import did with one row of the
/// backup. The preview pages through these on the server; <see cref="BackupRun.Journal"/> ties them to their run.
/// </summary>
public sealed class RunRow
{
    public long Id { get; set; }

    /// <summary>The journal the rows were written under (made before the run, so the history entry comes after).</summary>
    public Guid Journal { get; set; }

    public string Table { get; set; } = "";

    /// <summary>Stored as insert, update, keep, skip or fail (<see cref="RowActions"/>).</summary>
    public RowAction Action { get; set; }

    /// <summary>The row's line in the backup (its order there).</summary>
    public long Line { get; set; }

    /// <summary>The natural key as text (a user's sysmail, an event's xmlid).</summary>
    public string Key { get; set; } = "";

    /// <summary>JSON: an insert's values ({column: text}); an update's changed fields ({column: [before, after]}).</summary>
    public string? Detail { get; set; }

    /// <summary>The issue code (wire name) of a skipped or failed row.</summary>
    public string? Issue { get; set; }

    /// <summary>JSON: where an added or changed row is in the target (its id, or its key columns) — what an undo matches by.</summary>
    public string? Target { get; set; }
}

/// <summary>The names of <see cref="RowAction"/> in the database, the API and the downloads, and their words on the pages.</summary>
public static class RowActions
{
    public static readonly Vocabulary<RowAction> Vocabulary = new(
        (RowAction.Insert, "insert"), (RowAction.Update, "update"), (RowAction.Keep, "keep"), (RowAction.Skip, "skip"), (RowAction.Fail, "fail"));

    public static string ToName(this RowAction action) => Vocabulary.Name(action);

    public static RowAction Parse(string name) => Vocabulary.Parse(name);

    /// <summary>The tab and column heading: what happens (would happen) to such a row.</summary>
    public static string Label(this RowAction action, bool dryRun) => (action, dryRun) switch
    {
        (RowAction.Insert, true) => "Would be added",
        (RowAction.Insert, false) => "Added",
        (RowAction.Update, true) => "Would be changed",
        (RowAction.Update, false) => "Changed",
        (RowAction.Keep, _) => "Already here, left as is",
        (RowAction.Skip, true) => "Would be skipped",
        (RowAction.Skip, false) => "Skipped",
        (RowAction.Fail, true) => "Would be refused",
        (RowAction.Fail, false) => "Refused",
        _ => action.ToString(),
    };
}
