using System.Text;
using System.Text.Json;
using Crearis.Admin.Data;
using Crearis.Backup.Core.Import;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Backups;

/// <summary>Which journal rows to show: one table and one action at most, and a part of the key.</summary>
public sealed record RunRowsFilter(string? Table = null, RowAction? Action = null, string? Key = null);

public sealed record RunRowsPage(IReadOnlyList<RunRow> Items, int Total);

/// <summary>How many rows of one table got one action.</summary>
public sealed record RunRowCount(string Table, RowAction Action, int Rows);

/// <summary>The download formats of a run's rows.</summary>
public enum RunRowsFormat { Csv, Json }

/// <summary>
/// Reads a run's row journal (<see cref="RunRow"/>) a page at a time, filtered by the database, and streams it whole
/// for downloads: a full backup's preview lists every row, so nothing here holds all of them.
/// </summary>
public sealed class RunRowsService(IDbContextFactory<AdminDbContext> contexts)
{
    public async Task<IReadOnlyList<RunRowCount>> CountsAsync(Guid journal, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RunRows.AsNoTracking().Where(r => r.Journal == journal)
            .GroupBy(r => new { r.Table, r.Action })
            .Select(g => new RunRowCount(g.Key.Table, g.Key.Action, g.Count()))
            .ToListAsync(ct);
    }

    public async Task<RunRowsPage> PageAsync(Guid journal, RunRowsFilter filter, int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = Filtered(db, journal, filter);
        var total = await rows.CountAsync(ct);
        var items = await rows.OrderBy(r => r.Table).ThenBy(r => r.Line).Skip(page * pageSize).Take(pageSize).ToListAsync(ct);
        return new RunRowsPage(items, total);
    }

    /// <summary>Writes the filtered rows to <paramref name="output"/> as CSV or JSON, streamed from the database.</summary>
    public async Task WriteAsync(Guid journal, RunRowsFilter filter, RunRowsFormat format, Stream output, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = Filtered(db, journal, filter).OrderBy(r => r.Table).ThenBy(r => r.Line).AsAsyncEnumerable();
        if (format == RunRowsFormat.Json) await WriteJsonAsync(rows, output, ct);
        else await WriteCsvAsync(rows, output, ct);
    }

    private static IQueryable<RunRow> Filtered(AdminDbContext db, Guid journal, RunRowsFilter filter)
    {
        var rows = db.RunRows.AsNoTracking().Where(r => r.Journal == journal);
        if (!string.IsNullOrEmpty(filter.Table)) rows = rows.Where(r => r.Table == filter.Table);
        if (filter.Action is { } action) rows = rows.Where(r => r.Action == action);
        if (!string.IsNullOrWhiteSpace(filter.Key))
            rows = rows.Where(r => EF.Functions.ILike(r.Key, "%" + EscapeLike(filter.Key.Trim()) + "%", "\\"));
        return rows;
    }

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    /// <summary>
    /// One line per row: table, action, line, key, issue, the changed fields (updates) and the detail as JSON. Cells
    /// that a spreadsheet would run as a formula are prefixed with an apostrophe (the keys and values come from a backup).
    /// </summary>
    private static async Task WriteCsvAsync(IAsyncEnumerable<RunRow> rows, Stream output, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        await writer.WriteLineAsync("table,action,line,key,issue,fields,detail");
        await foreach (var row in rows.WithCancellation(ct))
        {
            var fields = row.Action == RowAction.Update && row.Detail is { } detail ? string.Join(" ", FieldNames(detail)) : "";
            await writer.WriteLineAsync(string.Join(",", Cell(row.Table), Cell(row.Action.ToName()), row.Line.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Cell(row.Key), Cell(row.Issue ?? ""), Cell(fields), Cell(row.Detail ?? "")));
        }
    }

    private static IEnumerable<string> FieldNames(string detail)
    {
        using var doc = JsonDocument.Parse(detail);
        return doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
    }

    private static string Cell(string value)
    {
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0])) value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    private static async Task WriteJsonAsync(IAsyncEnumerable<RunRow> rows, Stream output, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        json.WriteStartArray();
        await foreach (var row in rows.WithCancellation(ct))
        {
            json.WriteStartObject();
            json.WriteString("table", row.Table);
            json.WriteString("action", row.Action.ToName());
            json.WriteNumber("line", row.Line);
            json.WriteString("key", row.Key);
            if (row.Issue is not null) json.WriteString("issue", row.Issue);
            if (row.Detail is not null)
            {
                json.WritePropertyName(row.Action == RowAction.Update ? "changes" : "values");
                json.WriteRawValue(row.Detail);
            }
            json.WriteEndObject();
            if (json.BytesPending > 64 * 1024) await json.FlushAsync(ct);
        }
        json.WriteEndArray();
        await json.FlushAsync(ct);
    }
}
