namespace Crearis.Admin.Data;

/// <summary>
/// A long export or import run by the background service. Stored, so a reloaded page, another admin's browser or a
/// restarted app knows what is (or was) running.
/// </summary>
public class BackupJob
{
    public Guid Id { get; set; }

    /// <summary>Stored as export, import or dry-run (<see cref="JobKinds"/>).</summary>
    public JobKind Kind { get; set; }

    /// <summary>Stored as Queued, Running, … (<see cref="JobStatuses"/>).</summary>
    public JobStatus Status { get; set; } = JobStatus.Queued;
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

public enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>The app stopped while the job ran; PostgreSQL rolled its transaction back.</summary>
    Interrupted,
}

/// <summary>The names of <see cref="JobStatus"/>, stored in <c>backup_jobs.status</c> and sent by <c>GET /api/jobs/{id}</c>.</summary>
public static class JobStatuses
{
    public static readonly Vocabulary<JobStatus> Vocabulary = new(
        (JobStatus.Queued, "Queued"),
        (JobStatus.Running, "Running"),
        (JobStatus.Succeeded, "Succeeded"),
        (JobStatus.Failed, "Failed"),
        (JobStatus.Cancelled, "Cancelled"),
        (JobStatus.Interrupted, "Interrupted"));

    public static string ToName(this JobStatus status) => Vocabulary.Name(status);

    public static JobStatus Parse(string name) => Vocabulary.Parse(name);

    /// <summary>Queued or running: not finished yet.</summary>
    public static bool IsActive(this JobStatus status) => status is JobStatus.Queued or JobStatus.Running;
}

/// <summary>One entry of the audit trail: who did what, from where, when, and how it went.</summary>
public class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string? User { get; set; }
    public string? IpAddress { get; set; }

    /// <summary>Stored as sign-in, sign-in-failed, export, … (<see cref="AuditActions"/>).</summary>
    public AuditAction Action { get; set; }

    public string? Target { get; set; }

    /// <summary>What came of it (<see cref="AuditOutcome"/>).</summary>
    public string Outcome { get; set; } = "";

    public string? Detail { get; set; }
}
