namespace Crearis.Admin.Data;

/// <summary>What a job or a history entry did.</summary>
public enum JobKind
{
    Export,
    Import,
    DryRun,
}

/// <summary>
/// The names of <see cref="JobKind"/>: stored in <c>backup_jobs.kind</c> and <c>backup_runs.kind</c>, sent by
/// <c>GET /api/jobs/{id}</c> ("export", "import", "dry-run"), and the label a person reads ("Export", "Import", "Dry run").
/// </summary>
public static class JobKinds
{
    public static readonly Vocabulary<JobKind> Vocabulary = new(
        (JobKind.Export, "export"),
        (JobKind.Import, "import"),
        (JobKind.DryRun, "dry-run"));

    /// <summary>The stored and wire name: export, import or dry-run.</summary>
    public static string ToName(this JobKind kind) => Vocabulary.Name(kind);

    public static JobKind Parse(string name) => Vocabulary.Parse(name);

    /// <summary>What a person reads: Export, Import or Dry run.</summary>
    public static string Label(this JobKind kind) => kind switch
    {
        JobKind.Export => "Export",
        JobKind.Import => "Import",
        JobKind.DryRun => "Dry run",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>An import with <c>DryRun</c> set is a dry run.</summary>
    public static JobKind OfImport(bool dryRun) => dryRun ? JobKind.DryRun : JobKind.Import;

    /// <summary>An import or a dry run: both write into the content database (a dry run rolls back).</summary>
    public static bool IsImport(this JobKind kind) => kind is JobKind.Import or JobKind.DryRun;
}
