using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// What an import run found, gathered as it goes: counts per table, errors and warnings (at most
/// <see cref="ListedPerCode"/> of one code per table), rows only in the target, examples of changed rows.
/// </summary>
internal sealed class ImportReport
{
    public const int ListedPerCode = 50;
    public const int ExamplesPerTable = 3;

    /// <summary>Conflicts listed in one result (all are counted per table).</summary>
    public const int ListedConflicts = 10_000;

    public List<BackupIssue> Errors { get; } = [];
    public List<BackupIssue> Warnings { get; } = [];
    public Dictionary<string, TableCounts> Counts { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, IReadOnlyList<string>> Missing { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, IReadOnlyList<ChangeExample>> Examples { get; } = new(StringComparer.Ordinal);
    public List<MergeConflict> Conflicts { get; } = [];

    /// <summary>Conflicts no decision or policy settled: with them the run writes nothing.</summary>
    public long Undecided { get; set; }

    public MergeBase? MergeBase { get; set; }

    /// <summary>Rows were skipped (and reported): the run, if committed, is "applied with skips".</summary>
    public bool Skipped { get; set; }

    /// <summary>Records an error unless it was already recorded as a warning or its code is listed often enough.</summary>
    public void AddError(BackupIssue issue)
    {
        if (issue.Severity == IssueSeverity.Warning) return;
        if (Errors.Count(e => e.Code == issue.Code && e.Table == issue.Table) < ListedPerCode) Errors.Add(issue);
    }

    public ImportResult Build(ImportOutcome outcome, ImportOptions options, IBackupSource source, TimeSpan duration,
        ImportStop? stoppedAt, IReadOnlyList<string> notReached)
    {
        var warnings = Warnings.Concat(source.Issues.Where(i => i.Severity == IssueSeverity.Warning)).ToList();
        var errors = Errors.Concat(source.Issues.Where(i => i.Severity == IssueSeverity.Error)).ToList();
        // A failed import wrote nothing; a failed dry run keeps what it would have done, table by table.
        var counts = outcome is ImportOutcome.Failed or ImportOutcome.Refused or ImportOutcome.Conflicts && !options.DryRun
            ? Counts.ToDictionary(c => c.Key, c => c.Value with { Inserted = 0, Updated = 0, Deleted = 0 }, StringComparer.Ordinal)
            : new Dictionary<string, TableCounts>(Counts, StringComparer.Ordinal);
        return new ImportResult(outcome, options.Mode, options.DryRun, source.Summary.Format, duration, counts, errors, warnings, Missing)
        {
            ChangeExamples = Examples, StoppedAt = stoppedAt, NotReached = notReached, MergeBase = MergeBase, Conflicts = Conflicts,
        };
    }
}
