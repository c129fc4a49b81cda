using Microsoft.Extensions.Logging;
using Npgsql;

namespace Crearis.Backup.Core.Import;

/// <summary>SQL plumbing: statements on the import's connection and transaction, without timeout; refused ones logged at debug level.</summary>
internal sealed partial class ImportSession
{
    private async Task<int> ExecAsync(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, _tx) { CommandTimeout = 0 };
        try
        {
            return await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e)
        {
            _log.LogDebug("Refused ({Message}): {Sql}", e.MessageText, sql[..Math.Min(sql.Length, 2000)]);
            throw;
        }
    }

    private async Task<long> ScalarAsync(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, _tx) { CommandTimeout = 0 };
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct));
    }

    /// <summary>
    /// The distinct sets of columns to write (indexes into the compared columns) in a table with a "cols int[]" column:
    /// writes that must name only the columns that differ issue one UPDATE per set.
    /// </summary>
    private async Task<List<int[]>> ColumnSetsAsync(string table, CancellationToken ct)
    {
        var sets = new List<int[]>();
        await using var cmd = new NpgsqlCommand($"SELECT DISTINCT cols FROM {table}", conn, _tx) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) sets.Add(reader.GetFieldValue<int[]>(0));
        return sets;
    }

    /// <summary>One such set as an SQL int[] literal.</summary>
    private static string ColumnSet(int[] set) => $"'{{{string.Join(",", set)}}}'::int[]";

    private async Task CollectAsync(string sql, CancellationToken ct, Action<string> each, bool distinct = false)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand(sql, conn, _tx) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var n = 0;
        while (await reader.ReadAsync(ct))
        {
            var value = reader.IsDBNull(0) ? "(null)" : reader.GetString(0);
            if (distinct && !seen.Add(value)) continue;
            if (n++ < ImportReport.ListedPerCode) each(value);
        }
    }
}
