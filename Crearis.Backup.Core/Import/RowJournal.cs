namespace Crearis.Backup.Core.Import;

/// <summary>What an import does (or, in a dry run, would do) with one row of the backup.</summary>
public enum RowAction
{
    /// <summary>A new row: inserted.</summary>
    Insert,

    /// <summary>A row the target has with other values: the changed fields are written (merge).</summary>
    Update,

    /// <summary>A row the target already has, left as it is ("Import New Only").</summary>
    Keep,

    /// <summary>Set aside before writing: its key is missing or doubled, or a link cannot be resolved.</summary>
    Skip,

    /// <summary>Refused by the database while writing (with continue-on-error; otherwise the run fails).</summary>
    Fail,
}

/// <summary>
/// One row's entry in the journal. <see cref="Detail"/> is JSON: for an insert the values written ({column: text}),
/// for an update each changed field ({column: [before, after]}); <see cref="Issue"/> is the issue code's wire name of a
/// skipped or failed row. <see cref="Target"/> finds an inserted or updated row in the target, as JSON text values:
/// its id ({"id": "12"}) where the table has one, otherwise its natural key columns with the target's values — what
/// <see cref="ImportUndo"/> matches by.
/// </summary>
public sealed record JournalRow(string Table, RowAction Action, long Line, string Key, string? Detail, string? Issue, string? Target = null);

/// <summary>
/// Where an import writes, row by row, what it does — the full preview of a dry run, the record of an import. It is
/// written while the import's transaction is open and must not be part of it (a dry run rolls back): an implementation
/// writes on its own connection. Rows arrive table by table, in the order the tables are written.
/// </summary>
public interface IRowJournal
{
    Task WriteAsync(IAsyncEnumerable<JournalRow> rows, CancellationToken ct);
}
