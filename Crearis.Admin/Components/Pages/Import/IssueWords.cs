using Crearis.Backup.Core.Results;

namespace Crearis.Admin.Components.Pages.Import;

/// <summary>
/// The engine's typed issues in an admin's words: what happened (by code), and where (phase, table, row key, column,
/// constraint). The engine's own message says the details and its suggestion what to do; the code stays for scripts
/// and support, out of the reading line.
/// </summary>
public static class IssueWords
{
    private static readonly Dictionary<IssueCode, string> Titles = new()
    {
        [IssueCode.BadChecksum] = "A file in the backup is not what it was when it was written",
        [IssueCode.BadIndex] = "The backup's list of tables cannot be read",
        [IssueCode.BadManifest] = "The backup's description cannot be read",
        [IssueCode.BadRowCount] = "A table holds a different number of rows than the backup says",
        [IssueCode.BadTableFile] = "A table of the backup cannot be read",
        [IssueCode.BadValue] = "A value does not fit its column here",
        [IssueCode.CannotRead] = "The file cannot be read",
        [IssueCode.CheckViolation] = "A value breaks a rule of this database",
        [IssueCode.CorruptArchive] = "The file is damaged",
        [IssueCode.DatabaseError] = "The database refused the work",
        [IssueCode.DatabaseUnreachable] = "The database cannot be reached",
        [IssueCode.DependencyMissing] = "A table the chosen ones depend on is not included",
        [IssueCode.DuplicateKey] = "Two rows of the backup have the same key",
        [IssueCode.FkViolation] = "A row points at a row that does not exist",
        [IssueCode.ImportRunning] = "Another import is running",
        [IssueCode.KeyNull] = "A row has no key to match it by",
        [IssueCode.LinkNotRecovered] = "Links the old backup format cannot prove were left out",
        [IssueCode.LinkRecovered] = "Links of the old backup format were recovered",
        [IssueCode.LossyTextNumber] = "A number written as text may have lost digits",
        [IssueCode.MissingFile] = "A file the backup lists is missing",
        [IssueCode.MissingIndex] = "The backup has no list of tables",
        [IssueCode.MissingManifest] = "The backup has no description",
        [IssueCode.NotABackup] = "The file is not a backup",
        [IssueCode.NotFound] = "Not found",
        [IssueCode.NotNullViolation] = "A required value is missing",
        [IssueCode.NotTarGz] = "The file is not a .tar.gz archive",
        [IssueCode.OutputFolderMissing] = "The folder to write to does not exist",
        [IssueCode.UndoChangedSince] = "A row was changed since the import",
        [IssueCode.UndoBlocked] = "The import cannot be undone",
        [IssueCode.RefNotInFile] = "A link points at a row the backup cannot name",
        [IssueCode.RefUnresolved] = "A link points at a row that is neither in the backup nor here",
        [IssueCode.RefUnresolvedNulled] = "A link that points nowhere was left empty",
        [IssueCode.SchemaColumnMissing] = "A column of the backup does not exist here",
        [IssueCode.SchemaTableMissing] = "A table of the backup does not exist here",
        [IssueCode.SchemaTypeChanged] = "A column has another type here",
        [IssueCode.TagCacheInconsistent] = "A row's tag list disagrees with its tags",
        [IssueCode.TargetDuplicateKey] = "Two rows of this database have the same key",
        [IssueCode.TriggerRefused] = "A rule of this database refused a row",
        [IssueCode.UniqueViolation] = "A value is already taken by another row",
        [IssueCode.UnknownColumn] = "A column is not known",
        [IssueCode.UnknownTable] = "A table is not known",
        [IssueCode.UnsupportedVersion] = "The backup was written by a version this one cannot read",
        [IssueCode.UploadFailed] = "The upload failed",
        [IssueCode.UploadTooLarge] = "The upload is too large",
        [IssueCode.DuplicateEntry] = "The archive holds the same file twice",
        [IssueCode.UnsafeEntry] = "The archive holds something that is not a plain file",
        [IssueCode.UnexpectedEntry] = "The archive holds a file the backup does not list",
        [IssueCode.TooLarge] = "Something in the file is larger than this tool reads",
        [IssueCode.BadRow] = "A row of the backup cannot be read",
        [IssueCode.UndeclaredColumn] = "A row carries a column the backup does not declare",
        [IssueCode.LedgerNotRecorded] = "The exchange could not be remembered for later merges",
        [IssueCode.NoMergeBase] = "No earlier exchange to compare with: the backup's values win",
        [IssueCode.MergeConflict] = "Fields changed on both sides",
        [IssueCode.UnknownResolution] = "A decision names a conflict this merge does not have",
        [IssueCode.BadResolutions] = "The decisions file cannot be read",
        [IssueCode.BaseUnknown] = "The backup builds on one this database never received",
        [IssueCode.BaseMismatch] = "The backups do not follow each other",
        [IssueCode.DeletedThereKept] = "Rows deleted in the backup's instance are kept here",
        [IssueCode.DifferentialNeedsMerge] = "A backup of changes can only be merged",
        [IssueCode.KeyRequired] = "The backup is encrypted and no key was given",
        [IssueCode.KeyMismatch] = "The key does not open the backup",
        [IssueCode.NotAuthentic] = "The encrypted backup was changed or is incomplete",
        [IssueCode.Cancelled] = "Cancelled",
    };

    /// <summary>What happened, in plain words.</summary>
    public static string Title(this BackupIssue issue) => Titles.GetValueOrDefault(issue.Code) ?? "Something went wrong";

    /// <summary>The words for an issue code as stored (its wire name, e.g. in a run's row journal).</summary>
    public static string TitleOf(string wire) =>
        Titles.FirstOrDefault(t => t.Key.Wire == wire).Value ?? wire;

    /// <summary>What the run was doing when it happened, as a phrase after "while".</summary>
    public static string Doing(BackupPhase phase) => phase switch
    {
        BackupPhase.Validate => "checking the backup against this database",
        BackupPhase.Stage => "reading the backup",
        BackupPhase.Map => "matching rows by their keys",
        BackupPhase.Write => "writing rows",
        BackupPhase.LateSeed => "linking rows that refer to each other",
        BackupPhase.Derived => "restoring values the platform derives",
        BackupPhase.Commit => "committing",
        BackupPhase.Export => "writing the file",
        _ => "finishing",
    };

    /// <summary>Where it happened: "table projects · row theater.x · column regio · rule projects_regio_check · while writing rows".</summary>
    public static string Where(this BackupIssue issue)
    {
        var parts = new List<string>();
        if (issue.Table is { } table) parts.Add($"table {table}");
        if (issue.Key is { } key) parts.Add($"row {key}");
        if (issue.Column is { } column) parts.Add($"column {column}");
        if (issue.Constraint is { } constraint) parts.Add($"rule {constraint}");
        if (issue.Phase is { } phase) parts.Add($"while {Doing(phase)}");
        return string.Join(" · ", parts);
    }
}
