using Crearis.Platform.Schema;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Crearis.Platform.Database;

/// <summary>What the dashboard shows about the connected content database.</summary>
public sealed record DatabaseSummary(
    string Host,
    int Port,
    string Database,
    string ServerVersion,
    IReadOnlyList<TableRowCount> Tables);

/// <summary>Row count of one content table; <c>Exists</c> is false when the table is missing from the database.</summary>
public sealed record TableRowCount(string Table, bool Exists, long Rows);

/// <summary>Outcome of creating the content schema.</summary>
public enum CreateSchemaOutcome { Created, RefusedNotEmpty }

/// <summary>Reads and, only on request, creates the Crearis content schema of one database.</summary>
public sealed class ContentDatabase(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    /// <summary>
    /// Tables, views, sequences, types or functions that already live in the public schema. A database that has any
    /// is not ours to create a schema in.
    /// </summary>
    public async Task<IReadOnlyList<string>> ExistingPublicObjectsAsync(CancellationToken ct = default)
    {
        const string sql = """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r','p','v','m','S','f')
            UNION ALL
            SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = 'public' AND t.typtype IN ('e','c','d') AND NOT EXISTS
                   (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
            UNION ALL
            SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
            ORDER BY 1 LIMIT 20
            """;
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        var names = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>Creates the content schema (and its migration record) in an empty database; refuses on any other.</summary>
    public async Task<CreateSchemaOutcome> CreateSchemaAsync(CancellationToken ct = default)
    {
        if ((await ExistingPublicObjectsAsync(ct)).Count > 0) return CreateSchemaOutcome.RefusedNotEmpty;
        await using var context = ContentSchemaContext.Create(ConnectionString);
        await context.Database.MigrateAsync(ct);
        return CreateSchemaOutcome.Created;
    }

    /// <summary>True when our content migrations created this database's schema (false for a platform database).</summary>
    public async Task<bool> IsCreatedByUsAsync(CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"SELECT to_regclass('{ContentSchemaContext.HistorySchema}.\"{ContentSchemaContext.HistoryTable}\"') IS NOT NULL", conn);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>True when no content table holds a row besides the seeded status rows.</summary>
    public async Task<bool> HasNoContentAsync(CancellationToken ct = default)
    {
        var summary = await GetSummaryAsync(ct);
        return summary.Tables.All(t => t.Table == "status" || t.Rows == 0);
    }

    public async Task<DatabaseSummary> GetSummaryAsync(CancellationToken ct = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync(ct);

        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE n.nspname = 'public' AND c.relkind IN ('r','p') AND c.relname = ANY($1)", conn))
        {
            cmd.Parameters.AddWithValue(ContentTables.All.ToArray());
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) existing.Add(reader.GetString(0));
        }

        var counts = new List<TableRowCount>();
        var present = ContentTables.All.Where(existing.Contains).ToList();
        if (present.Count > 0)
        {
            // One round trip for all counts; exact counts, since admins compare them before and after an import.
            var sql = string.Join(" UNION ALL ", present.Select((t, i) => $"SELECT {i}, count(*) FROM public.\"{t}\""));
            var rows = new long[present.Count];
            await using var cmd = new NpgsqlCommand(sql, conn);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows[reader.GetInt32(0)] = reader.GetInt64(1);
            for (var i = 0; i < present.Count; i++) counts.Add(new TableRowCount(present[i], true, rows[i]));
        }
        counts.AddRange(ContentTables.All.Where(t => !existing.Contains(t)).Select(t => new TableRowCount(t, false, 0)));
        var ordered = ContentTables.All.Select(t => counts.First(c => c.Table == t)).ToList();

        return new DatabaseSummary(builder.Host ?? "", builder.Port, conn.Database, conn.PostgreSqlVersion.ToString(), ordered);
    }
}
