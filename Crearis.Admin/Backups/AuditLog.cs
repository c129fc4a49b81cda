using Crearis.Admin.Data;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Backups;

/// <summary>Appends to the audit trail. Each entry is written in its own context, so it never rides on a circuit's.</summary>
public sealed class AuditLog(IDbContextFactory<AdminDbContext> contexts, ILogger<AuditLog> logger)
{
    public async Task WriteAsync(AuditAction action, AuditOutcome outcome, string? user, string? ipAddress, string? target = null, string? detail = null)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync();
            db.AuditEvents.Add(new AuditEvent
            {
                At = DateTimeOffset.UtcNow, Action = action, Outcome = outcome.Name, User = user, IpAddress = ipAddress,
                Target = target, Detail = detail,
            });
            await db.SaveChangesAsync();
        }
        catch (Exception e) when (e is DbUpdateException or Npgsql.NpgsqlException)
        {
            // An audit trail that cannot be written is logged loudly, but does not undo the action itself.
            logger.LogError(e, "Could not write the audit entry {Action} {Outcome} by {User}", action.ToName(), outcome.Name, user);
        }
    }
}
