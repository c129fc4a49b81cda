using Crearis.Admin.Data;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Backups;

public sealed record AuditQuery(int Page, int PageSize, AuditAction? Action, string? Search, bool Descending = true);

public sealed record AuditPage(IReadOnlyList<AuditEvent> Items, int Total);

/// <summary>Reads the audit trail (read-only), paged and filtered by the database.</summary>
public sealed class AuditService(IDbContextFactory<AdminDbContext> contexts)
{
    public async Task<AuditPage> ListAsync(AuditQuery query, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var events = db.AuditEvents.AsNoTracking();
        if (query.Action is { } action) events = events.Where(e => e.Action == action);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = $"%{query.Search.Trim()}%";
            events = events.Where(e => EF.Functions.ILike(e.User ?? "", pattern) || EF.Functions.ILike(e.Target ?? "", pattern) ||
                                       EF.Functions.ILike(e.IpAddress ?? "", pattern));
        }
        events = query.Descending ? events.OrderByDescending(e => e.At).ThenByDescending(e => e.Id) : events.OrderBy(e => e.At).ThenBy(e => e.Id);
        var total = await events.CountAsync(ct);
        var items = await events.Skip(query.Page * query.PageSize).Take(query.PageSize).ToListAsync(ct);
        return new AuditPage(items, total);
    }
}
