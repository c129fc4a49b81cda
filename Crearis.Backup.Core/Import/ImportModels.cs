using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Import;

public enum ImportMode
{
    /// <summary>"Import New Only": rows whose natural key exists are left alone.</summary>
    NewOnly,

    /// <summary>"Merge Changes": new rows inserted, changed rows updated, unchanged rows untouched.</summary>
    Merge,
}

public sealed record ImportOptions(
    ImportMode Mode,
    bool DryRun = false,
    IReadOnlyList<string>? Tables = null,
    IReadOnlyList<string>? Exclude = null,
    bool WithDependencies = false,
    bool ContinueOnError = false,
    ConflictStrictness Conflicts = ConflictStrictness.Cell,
    ConflictPolicy OnConflict = ConflictPolicy.Fail,
    IReadOnlyList<ConflictResolution>? Resolutions = null,
    bool ApplyDeletes = false)
{
    /// <summary>
    /// Keep this run in the instance's sync ledger (its rows become a merge base for later exchanges). On by default;
    /// off only where a run must leave the admin schema alone.
    /// </summary>
    public bool RecordExchange { get; init; } = true;

    /// <summary>
    /// Merge three ways where a base is known (the default). False compares two ways even then — the backup's values
    /// win wherever a row differs — which is what the benchmark measures conflict detection against.
    /// </summary>
    public bool ThreeWay { get; init; } = true;
}

public enum ImportOutcome
{
    /// <summary>Committed; every row of the backup is in the database or was already there.</summary>
    Applied,

    /// <summary>Committed with rows skipped and reported (--continue-on-error, or links the original format cannot carry).</summary>
    AppliedWithSkips,

    /// <summary>Ran in full and was rolled back on purpose.</summary>
    DryRun,

    /// <summary>Failed while writing and rolled back: nothing was written.</summary>
    Failed,

    /// <summary>Refused before writing: the file failed verification or the request does not fit the database.</summary>
    Refused,

    /// <summary>A merge found conflicts that no decision covers (with <see cref="ConflictPolicy.Fail"/>): nothing was written.</summary>
    Conflicts,
}

public sealed record TableCounts
{
    public long Total { get; init; }
    public long Inserted { get; init; }
    public long Updated { get; init; }
    public long Unchanged { get; init; }
    public long Skipped { get; init; }
    public long Failed { get; init; }

    /// <summary>Rows in the target that a full backup does not hold (never deleted; listed for the admin).</summary>
    public long MissingFromBackup { get; init; }

    /// <summary>Merge with a base: fields (or rows) changed differently on both sides since the base.</summary>
    public long Conflicts { get; init; }

    /// <summary>Merge with a base: rows the backup's instance deleted since the base that are untouched here.</summary>
    public long DeletedThere { get; init; }

    /// <summary>Of those, the rows deleted here (with apply-deletes, or by a decision).</summary>
    public long Deleted { get; init; }

    /// <summary>Merge with a base: rows deleted here since the base that the backup still holds unchanged; they stay deleted.</summary>
    public long DeletedHere { get; init; }
}

/// <summary>Where an aborted import stopped.</summary>
public sealed record ImportStop(BackupPhase Phase, string? Table);

/// <summary>One row a merge changes (or would change): its natural key and each changed column, before → after.</summary>
public sealed record ChangeExample(string Key, IReadOnlyDictionary<string, (string? Before, string? After)> Changes);

public sealed record ImportResult(
    ImportOutcome Outcome,
    ImportMode Mode,
    bool DryRun,
    BackupFormat? Format,
    TimeSpan Duration,
    IReadOnlyDictionary<string, TableCounts> Tables,
    IReadOnlyList<BackupIssue> Errors,
    IReadOnlyList<BackupIssue> Warnings,
    IReadOnlyDictionary<string, IReadOnlyList<string>> MissingFromBackup)
{
    /// <summary>For merges: a few example rows per table with their changed fields, before → after.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ChangeExample>> ChangeExamples { get; init; } =
        new Dictionary<string, IReadOnlyList<ChangeExample>>();

    /// <summary>Where a run that was aborted stopped (phase and table); null when it ran to the end.</summary>
    public ImportStop? StoppedAt { get; init; }

    /// <summary>Tables of the backup the run never reached because it stopped first (they have no counts).</summary>
    public IReadOnlyList<string> NotReached { get; init; } = [];

    /// <summary>Merge: the exchange used as the three-way base; null for a two-way merge (no base known).</summary>
    public MergeBase? MergeBase { get; init; }

    /// <summary>Merge with a base: every conflict found (up to <see cref="ImportReport.ListedConflicts"/>), decided or not.</summary>
    public IReadOnlyList<MergeConflict> Conflicts { get; init; } = [];

    public bool Succeeded => Outcome is ImportOutcome.Applied or ImportOutcome.AppliedWithSkips or ImportOutcome.DryRun;

    /// <summary>A file that failed verification: refused before anything was read into the database.</summary>
    public static ImportResult Refused(ImportOptions options, BackupFormat? format, IReadOnlyList<BackupIssue> issues) =>
        new(ImportOutcome.Refused, options.Mode, options.DryRun, format, TimeSpan.Zero, new Dictionary<string, TableCounts>(),
            issues.Where(i => i.Severity == IssueSeverity.Error).ToList(), issues.Where(i => i.Severity == IssueSeverity.Warning).ToList(),
            new Dictionary<string, IReadOnlyList<string>>());
}
