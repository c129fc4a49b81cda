using Crearis.Backup.Core.Import;

namespace Crearis.Admin.Data;

/// <summary>What an audit entry records.</summary>
public enum AuditAction
{
    SignIn,
    SignInFailed,
    Export,
    Import,
    DryRun,
    Upload,
    Download,
    Delete,
    UserChange,
    TokenCreate,
    TokenRevoke,
    TokenUse,

    /// <summary>An admin decided (or cleared) conflicts of a backup's merge.</summary>
    ConflictDecide,

    /// <summary>An admin started the merge of a backup with the stored decisions.</summary>
    ConflictMerge,

    /// <summary>The content database's instance was marked production or development (production refuses scrubbed copies).</summary>
    InstanceMark,

    /// <summary>An import was undone from its history entry (or the undo was refused).</summary>
    Undo,
}

/// <summary>The names of <see cref="AuditAction"/>, stored in <c>audit_events.action</c> and listed in the Audit page's filter.</summary>
public static class AuditActions
{
    public static readonly Vocabulary<AuditAction> Vocabulary = new(
        (AuditAction.SignIn, "sign-in"),
        (AuditAction.SignInFailed, "sign-in-failed"),
        (AuditAction.Export, "export"),
        (AuditAction.Import, "import"),
        (AuditAction.DryRun, "dry-run"),
        (AuditAction.Upload, "upload"),
        (AuditAction.Download, "download"),
        (AuditAction.Delete, "delete"),
        (AuditAction.UserChange, "user-change"),
        (AuditAction.TokenCreate, "token-create"),
        (AuditAction.TokenRevoke, "token-revoke"),
        (AuditAction.TokenUse, "token-use"),
        (AuditAction.ConflictDecide, "conflict-decide"),
        (AuditAction.ConflictMerge, "conflict-merge"),
        (AuditAction.InstanceMark, "instance-mark"),
        (AuditAction.Undo, "undo"));

    public static string ToName(this AuditAction action) => Vocabulary.Name(action);

    public static AuditAction Parse(string name) => Vocabulary.Parse(name);

    /// <summary>The audit action of a job of this kind.</summary>
    public static AuditAction Of(JobKind kind) => kind switch
    {
        JobKind.Export => AuditAction.Export,
        JobKind.Import => AuditAction.Import,
        JobKind.DryRun => AuditAction.DryRun,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}

/// <summary>
/// What came of an audited action, as stored in <c>audit_events.outcome</c>. Our own outcomes are the members below; an
/// import or dry run that ran records the engine's <see cref="ImportOutcome"/> (Applied, AppliedWithSkips, DryRun,
/// Failed, Refused).
/// </summary>
public readonly record struct AuditOutcome
{
    private AuditOutcome(string name) => _name = name;

    private readonly string? _name;

    /// <summary>The stored name.</summary>
    public string Name => _name ?? "";

    public override string ToString() => Name;

    public static readonly AuditOutcome Succeeded = new("succeeded");
    public static readonly AuditOutcome Failed = new("failed");
    public static readonly AuditOutcome Cancelled = new("cancelled");

    /// <summary>Another import held the database; nothing ran.</summary>
    public static readonly AuditOutcome Busy = new("busy");

    public static readonly AuditOutcome NotFound = new("not-found");
    public static readonly AuditOutcome RefusedName = new("refused-name");
    public static readonly AuditOutcome Rejected = new("rejected");

    public static readonly AuditOutcome LockedOut = new("locked-out");
    public static readonly AuditOutcome NeedsTwoFactor = new("needs-2fa");
    public static readonly AuditOutcome WrongCredentials = new("wrong-credentials");

    public static readonly AuditOutcome RefusedLastAdmin = new("refused-last-admin");
    public static readonly AuditOutcome RefusedSelf = new("refused-self");
    public static readonly AuditOutcome Forbidden = new("forbidden");
    public static readonly AuditOutcome AlreadyExists = new("already-exists");
    public static readonly AuditOutcome Invalid = new("invalid");

    /// <summary>An API token that was revoked, or has expired, was presented.</summary>
    public static readonly AuditOutcome Revoked = new("revoked");
    public static readonly AuditOutcome Expired = new("expired");

    /// <summary>An import or dry run that ran: the engine's outcome.</summary>
    public static AuditOutcome Of(ImportOutcome outcome) => new(outcome.ToString());

    /// <summary>Whether a stored outcome means the action went through.</summary>
    public static bool IsGood(string name) =>
        name == Succeeded.Name || name == nameof(ImportOutcome.Applied) || name == nameof(ImportOutcome.AppliedWithSkips) ||
        name == nameof(ImportOutcome.DryRun);
}
