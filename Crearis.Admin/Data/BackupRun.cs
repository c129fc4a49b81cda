namespace Crearis.Admin.Data;

/// <summary>One export, import or dry run, as the history shows it.</summary>
public class BackupRun
{
    public long Id { get; set; }

    /// <summary>Stored as export, import or dry-run (<see cref="JobKinds"/>).</summary>
    public JobKind Kind { get; set; }

    /// <summary>Who started it: the signed-in user, or "cli:&lt;os user&gt;".</summary>
    public string StartedBy { get; set; } = "";

    public DateTimeOffset StartedAt { get; set; }
    public long DurationMs { get; set; }
    public string File { get; set; } = "";
    public string? Mode { get; set; }
    public int? Format { get; set; }

    /// <summary>The options as given (tables, exclude, flags), as JSON.</summary>
    public string Options { get; set; } = "{}";

    /// <summary>Applied, AppliedWithSkips, DryRun, Failed, Refused (import) or Succeeded/Failed (export).</summary>
    public string Outcome { get; set; } = "";

    public long TotalRows { get; set; }
    public long Inserted { get; set; }
    public long Updated { get; set; }
    public long Unchanged { get; set; }
    public long Skipped { get; set; }
    public long Failed { get; set; }
    public int ErrorCount { get; set; }
    public int WarningCount { get; set; }

    /// <summary>The run's row journal (<see cref="RunRow"/>), when one was kept: every row it added, changed, kept, skipped or refused.</summary>
    public Guid? Journal { get; set; }

    /// <summary>When the import was undone ("Undo this import" on its history page); null while it stands.</summary>
    public DateTimeOffset? UndoneAt { get; set; }

    /// <summary>Who undid it.</summary>
    public string? UndoneBy { get; set; }

    /// <summary>The full result (per-table counts, errors, warnings) as JSON, for the details page and download.</summary>
    public string Result { get; set; } = "{}";
}
