using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// The profile's <see cref="LookupIndex"/>es, built for one import and dropped after it. Both happen CONCURRENTLY on a
/// connection of their own, outside the import's transaction: the platform keeps reading and writing the table
/// meanwhile, and a dry run leaves the schema as it found it. An index that cannot be built (not the table's owner, a
/// long transaction holding it up) only makes the run slower: it is logged and the import goes on without it.
/// </summary>
internal sealed class LookupIndexes : IAsyncDisposable
{
    // CREATE INDEX CONCURRENTLY waits for every transaction that might still see the table without the index; a
    // platform session left open for minutes must not hold the import up as long.
    private const string WaitAtMost = "10s";

    private readonly string _connectionString;
    private readonly ILogger _log;
    private readonly List<LookupIndex> _built = [];

    private LookupIndexes(string connectionString, ILogger log)
    {
        _connectionString = connectionString;
        _log = log;
    }

    public IReadOnlyList<LookupIndex> Built => _built;

    public static async Task<LookupIndexes> BuildAsync(string connectionString, BackupProfile profile, ILogger log, CancellationToken ct)
    {
        var indexes = new LookupIndexes(connectionString, log);
        if (profile.LookupIndexes is not { Count: > 0 } wanted) return indexes;
        await using var conn = await indexes.OpenAsync(ct);
        foreach (var index in wanted)
        {
            if (!await NeedsIndexAsync(conn, index, ct)) continue;
            var name = Sql.Ident(index.IndexName);
            try
            {
                // A run that died before dropping its index leaves it behind, possibly invalid: start from nothing.
                await ExecAsync(conn, $"DROP INDEX CONCURRENTLY IF EXISTS public.{name}", ct);
                await ExecAsync(conn, $"CREATE INDEX CONCURRENTLY {name} ON public.{Sql.Ident(index.Table)} ({Sql.Ident(index.Column)})", ct);
                indexes._built.Add(index);
                log.LogInformation("Built the lookup index {Index} for this import ({Reason}); it is dropped when the import ends",
                    index.IndexName, index.Reason);
            }
            catch (PostgresException e)
            {
                log.LogWarning("Could not build the lookup index {Index} ({Message}); the import goes on without it, more slowly ({Reason})",
                    index.IndexName, e.MessageText, index.Reason);
                await TryDropAsync(conn, index, log);
            }
        }
        return indexes;
    }

    public async ValueTask DisposeAsync()
    {
        if (_built.Count == 0) return;
        await using var conn = await OpenAsync(CancellationToken.None);
        foreach (var index in _built) await TryDropAsync(conn, index, _log);
    }

    /// <summary>True when the table and column exist and no valid index starts with the column.</summary>
    private static async Task<bool> NeedsIndexAsync(NpgsqlConnection conn, LookupIndex index, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped) " +
            "AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] " +
            "WHERE i.indrelid = to_regclass($1) AND a.attname = $2 AND i.indisvalid AND i.indpred IS NULL)", conn);
        cmd.Parameters.AddWithValue("public." + Sql.Ident(index.Table));
        cmd.Parameters.AddWithValue(index.Column);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task TryDropAsync(NpgsqlConnection conn, LookupIndex index, ILogger log)
    {
        try
        {
            await ExecAsync(conn, $"DROP INDEX CONCURRENTLY IF EXISTS public.{Sql.Ident(index.IndexName)}", CancellationToken.None);
        }
        catch (PostgresException e)
        {
            log.LogWarning("Could not drop the lookup index {Index} ({Message}); drop it by hand: DROP INDEX CONCURRENTLY public.{Index}",
                index.IndexName, e.MessageText, index.IndexName);
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        // Unpooled: the session's lock_timeout must not outlive it.
        var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        await conn.OpenAsync(ct);
        await ExecAsync(conn, $"SET lock_timeout = '{WaitAtMost}'", ct);
        return conn;
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
