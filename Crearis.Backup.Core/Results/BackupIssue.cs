namespace Crearis.Backup.Core.Results;

public enum IssueSeverity { Warning, Error }

/// <summary>
/// One finding of an export, verification or import: what went wrong (or may be lossy), where, and what to do.
/// Expected outcomes are values; exceptions are kept for bugs.
/// </summary>
/// <param name="Code">Stable machine-readable code, e.g. <see cref="IssueCode.RefUnresolved"/>.</param>
/// <param name="Table">Table the row belongs to, when there is one.</param>
/// <param name="Key">The row's natural key (e.g. the sysmail, xmlid), or the line/file where there is none.</param>
/// <param name="Column">The column concerned.</param>
/// <param name="Constraint">The database constraint or trigger that objected, when known.</param>
public sealed record BackupIssue(
    IssueSeverity Severity,
    IssueCode Code,
    string Message,
    string? Suggestion = null,
    string? Table = null,
    string? Key = null,
    string? Column = null,
    string? Constraint = null,
    BackupPhase? Phase = null)
{
    public static BackupIssue Error(IssueCode code, string message, string? suggestion = null, string? table = null,
        string? key = null, string? column = null, string? constraint = null, BackupPhase? phase = null) =>
        new(IssueSeverity.Error, code, message, suggestion, table, key, column, constraint, phase);

    public static BackupIssue Warning(IssueCode code, string message, string? suggestion = null, string? table = null,
        string? key = null, string? column = null) =>
        new(IssueSeverity.Warning, code, message, suggestion, table, key, column);
}
