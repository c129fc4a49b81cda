namespace Crearis.Admin.Data;

/// <summary>
/// A long export or import run by the background service. Stored, so a reloaded page, another admin's browser or a
/// restarted app knows what is (or was) running.
/// </summary>
public class BackupJob
{
    public Guid Id { get; set; }

    /// <summary>export, import or dry-run.</summary>
    public string Kind { get; set; } = "";

    public string Status { get; set; } = JobStatus.Queued;
    public string StartedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string File { get; set; } = "";
    public string? Mode { get; set; }
    public string Options { get; set; } = "{}";

    /// <summary>The latest progress (phase, table, counts, rate) as JSON.</summary>
    public string? Progress { get; set; }

    /// <summary>The history entry written when the job ended.</summary>
    public long? RunId { get; set; }

    public string? Message { get; set; }
}

public static class JobStatus
{
    public const string Queued = "Queued";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";
    public const string Cancelled = "Cancelled";

    /// <summary>The app stopped while the job ran; PostgreSQL rolled its transaction back.</summary>
    public const string Interrupted = "Interrupted";

    public static bool IsActive(string status) => status is Queued or Running;
}

/// <summary>One entry of the audit trail: who did what, from where, when, and how it went.</summary>
public class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string? User { get; set; }
    public string? IpAddress { get; set; }

    /// <summary>sign-in, sign-in-failed, export, import, dry-run, upload, download, delete, user-change …</summary>
    public string Action { get; set; } = "";

    public string? Target { get; set; }
    public string Outcome { get; set; } = "";
    public string? Detail { get; set; }
}
