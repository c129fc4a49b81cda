using Crearis.Admin.Data;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Backups;

public sealed record HistoryQuery(int Page, int PageSize, string? SortBy, bool Descending, JobKind? Kind, string? Outcome, string? Search);

public sealed record HistoryPage(IReadOnlyList<BackupRun> Items, int Total);

/// <summary>Reads the run history with paging, sorting and filters done by the database (it grows to 100,000s of rows).</summary>
public sealed class HistoryService(IDbContextFactory<AdminDbContext> contexts)
{
    public async Task<HistoryPage> ListAsync(HistoryQuery query, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var runs = db.BackupRuns.AsNoTracking();
        if (query.Kind is { } kind) runs = runs.Where(r => r.Kind == kind);
        if (!string.IsNullOrWhiteSpace(query.Outcome)) runs = runs.Where(r => r.Outcome == query.Outcome);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = $"%{query.Search.Trim()}%";
            runs = runs.Where(r => EF.Functions.ILike(r.File, pattern) || EF.Functions.ILike(r.StartedBy, pattern));
        }
        runs = (query.SortBy, query.Descending) switch
        {
            ("DurationMs", false) => runs.OrderBy(r => r.DurationMs),
            ("DurationMs", true) => runs.OrderByDescending(r => r.DurationMs),
            ("File", false) => runs.OrderBy(r => r.File),
            ("File", true) => runs.OrderByDescending(r => r.File),
            ("StartedAt", false) => runs.OrderBy(r => r.StartedAt),
            _ => runs.OrderByDescending(r => r.StartedAt),
        };
        var total = await runs.CountAsync(ct);
        // The full result JSON stays in the database until a details page asks for it.
        var items = await runs.Skip(query.Page * query.PageSize).Take(query.PageSize)
            .Select(r => new BackupRun
            {
                Id = r.Id, Kind = r.Kind, StartedBy = r.StartedBy, StartedAt = r.StartedAt, DurationMs = r.DurationMs, File = r.File,
                Mode = r.Mode, Format = r.Format, Outcome = r.Outcome, TotalRows = r.TotalRows, Inserted = r.Inserted, Updated = r.Updated,
                Unchanged = r.Unchanged, Skipped = r.Skipped, Failed = r.Failed, ErrorCount = r.ErrorCount, WarningCount = r.WarningCount,
            })
            .ToListAsync(ct);
        return new HistoryPage(items, total);
    }

    public async Task<BackupRun?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.BackupRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
    }

    public async Task<BackupRun?> LastAsync(JobKind kind, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.BackupRuns.AsNoTracking().Where(r => r.Kind == kind)
            .OrderByDescending(r => r.StartedAt).FirstOrDefaultAsync(ct);
    }
}
