using Crearis.Backup.Core.Import;

namespace Crearis.Admin.Backups;

/// <summary>
/// What an admin chooses on the Import page before a dry run, the options the command line has as flags: the mode,
/// for a merge how strict conflicts are and whether deletions are applied, the tables (all, only some, or all but
/// some; with the tables they need), and whether rows the database refuses are skipped. The dry run and the import
/// after it are made from the same choices, so the import does what the dry run showed.
/// </summary>
public sealed record ImportChoices
{
    /// <summary>Merge by default: its dry run also finds the conflicts and changed rows the New Only import would leave.</summary>
    public ImportMode Mode { get; init; } = ImportMode.Merge;

    /// <summary>Merge only: what counts as a conflict.</summary>
    public ConflictStrictness Strictness { get; init; } = ConflictStrictness.Cell;

    /// <summary>Merge only: delete rows the backup's instance deleted since the two last exchanged a backup.</summary>
    public bool ApplyDeletes { get; init; }

    /// <summary>Only these tables (empty: every table of the backup).</summary>
    public IReadOnlyList<string> Tables { get; init; } = [];

    /// <summary>Every table but these.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Also bring the tables the chosen ones need (the engine adds those the backup holds).</summary>
    public bool WithDependencies { get; init; }

    /// <summary>Skip rows the database refuses and report them, instead of rolling everything back at the first.</summary>
    public bool ContinueOnError { get; init; }

    /// <summary>The engine's options for these choices; strictness and deletions are a merge's only.</summary>
    public ImportOptions ToOptions(bool dryRun) => new(
        Mode,
        DryRun: dryRun,
        Tables: Tables.Count > 0 ? [.. Tables] : null,
        Exclude: Exclude.Count > 0 ? [.. Exclude] : null,
        WithDependencies: WithDependencies,
        ContinueOnError: ContinueOnError,
        Conflicts: Mode == ImportMode.Merge ? Strictness : ConflictStrictness.Cell,
        ApplyDeletes: Mode == ImportMode.Merge && ApplyDeletes);
}
