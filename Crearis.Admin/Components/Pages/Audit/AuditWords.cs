using Crearis.Admin.Components.Pages.History;
using Crearis.Admin.Data;

namespace Crearis.Admin.Components.Pages.Audit;

/// <summary>The audit trail's stored names (<c>sign-in-failed</c>, <c>needs-2fa</c>, <c>AppliedWithSkips</c>) in words.</summary>
public static class AuditWords
{
    public static string Label(this AuditAction action) => action switch
    {
        AuditAction.SignIn => "Sign-in",
        AuditAction.SignInFailed => "Failed sign-in",
        AuditAction.Export => "Export",
        AuditAction.Import => "Import",
        AuditAction.DryRun => "Dry run",
        AuditAction.Upload => "Upload",
        AuditAction.Download => "Download",
        AuditAction.Delete => "Delete",
        AuditAction.UserChange => "User changed",
        AuditAction.TokenCreate => "API token made",
        AuditAction.TokenRevoke => "API token revoked",
        AuditAction.TokenUse => "API token used",
        AuditAction.ConflictDecide => "Conflicts decided",
        AuditAction.ConflictMerge => "Merge with decisions",
        AuditAction.InstanceMark => "Instance marked",
        AuditAction.Undo => "Import undone",
        _ => action.ToName(),
    };

    public static string Outcome(string stored) => stored switch
    {
        "succeeded" => "Succeeded",
        "failed" => "Failed",
        "cancelled" => "Cancelled",
        "busy" => "Another import was running",
        "not-found" => "Not found",
        "refused-name" => "Name refused",
        "rejected" => "Rejected",
        "locked-out" => "Locked out",
        "needs-2fa" => "Needs the second step",
        "wrong-credentials" => "Wrong e-mail or password",
        "refused-last-admin" => "Refused: the last admin",
        "refused-self" => "Refused: own account",
        "forbidden" => "Not allowed",
        "already-exists" => "Already exists",
        "invalid" => "Invalid",
        "revoked" => "Token revoked",
        "expired" => "Token expired",
        _ => RunWords.Outcome(stored),
    };
}
