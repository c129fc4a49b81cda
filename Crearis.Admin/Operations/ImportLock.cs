using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Crearis.Admin.Operations;

/// <summary>Who holds the import lock of a database, and since when (as far as PostgreSQL can tell).</summary>
public sealed record ImportLockHolder(string Who, DateTimeOffset? Since, string? File)
{
    /// <summary>True when the holder named itself (an import of this app, any version with the operation layer).</summary>
    public bool NamedItself { get; init; }

    public string Describe() =>
        $"started by {Who}" + (Since is { } since ? $" at {since.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC" : "") + (File is null ? "" : $" ({File})");
}

/// <summary>
/// The PostgreSQL session advisory lock that serialises imports (dry runs too) into one content database, held on a
/// dedicated connection for the whole import. The connection's <c>application_name</c> says who holds it and since
/// when, so a refused import can name them — across processes, hosts and admin databases.
/// </summary>
public sealed partial class ImportLock : IAsyncDisposable
{
    /// <summary>Key of the advisory lock ("CREARIS1").</summary>
    public const long Key = 0x43524541_52495331;

    private const string Prefix = "crearis-import";
    private const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const int MaxApplicationName = 63; // PostgreSQL cuts application_name at NAMEDATALEN - 1 bytes
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    private NpgsqlConnection? _connection;

    private ImportLock(NpgsqlConnection? connection, ImportLockHolder? heldBy)
    {
        _connection = connection;
        HeldBy = heldBy;
    }

    /// <summary>True when this caller holds the lock; otherwise <see cref="HeldBy"/> says who does.</summary>
    public bool Acquired => _connection is not null;

    public ImportLockHolder? HeldBy { get; }

    /// <summary>
    /// Takes the lock, waiting up to <paramref name="wait"/> (zero: refuse at once). Never throws for a held lock:
    /// the result says who holds it. <paramref name="onWaiting"/> is told once when it has to wait.
    /// </summary>
    public static async Task<ImportLock> AcquireAsync(string contentConnection, Actor actor, string file, TimeSpan wait,
        Action<ImportLockHolder>? onWaiting = null, CancellationToken ct = default)
    {
        var since = DateTimeOffset.UtcNow;
        var builder = new NpgsqlConnectionStringBuilder(contentConnection)
        {
            // Its own session, never pooled: the lock ends with the connection, whatever happens to this process.
            Pooling = false,
            ApplicationName = ApplicationName(actor, since, Path.GetFileName(file)),
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            var clock = Stopwatch.StartNew();
            var told = false;
            while (true)
            {
                await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection))
                {
                    take.Parameters.AddWithValue(Key);
                    if ((bool)(await take.ExecuteScalarAsync(ct))!) return new ImportLock(connection, null);
                }
                var remaining = wait - clock.Elapsed;
                if (remaining <= TimeSpan.Zero || !told)
                {
                    var holder = await HolderAsync(connection, ct)
                                 ?? new ImportLockHolder("another session (it may have just finished)", null, null);
                    if (remaining <= TimeSpan.Zero)
                    {
                        await connection.DisposeAsync();
                        return new ImportLock(null, holder);
                    }
                    onWaiting?.Invoke(holder);
                    told = true;
                }
                await Task.Delay(remaining < Poll ? remaining : Poll, ct);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Who holds the lock of this database now, or null when nobody does.</summary>
    public static async Task<ImportLockHolder?> HolderAsync(string contentConnection, CancellationToken ct = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(contentConnection) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        return await HolderAsync(connection, ct);
    }

    private static async Task<ImportLockHolder?> HolderAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        // A bigint advisory key shows in pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
        const string sql = """
            SELECT a.application_name, a.backend_start, a.pid
              FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
               AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             LIMIT 1
            """;
        await using var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.AddWithValue(Key >> 32);
        cmd.Parameters.AddWithValue(Key & 0xFFFF_FFFF);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var name = reader.IsDBNull(0) ? "" : reader.GetString(0);
        DateTimeOffset? started = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
        var pid = reader.GetInt32(2);
        return Parse(name) ?? new ImportLockHolder(
            name.Length > 0 ? $"another session ('{name}', PostgreSQL pid {pid})" : $"another session (PostgreSQL pid {pid})", started, null);
    }

    /// <summary>
    /// <c>crearis-import 20261202T031000Z cli:root (file.tar.gz)</c>: the file only when it fits, the rest cut to the
    /// 63 bytes PostgreSQL keeps.
    /// </summary>
    public static string ApplicationName(Actor actor, DateTimeOffset since, string file)
    {
        var name = $"{Prefix} {since.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)} {actor.Name.Replace(' ', '_')}";
        var withFile = $"{name} ({file})";
        if (System.Text.Encoding.UTF8.GetByteCount(withFile) <= MaxApplicationName) return withFile;
        while (System.Text.Encoding.UTF8.GetByteCount(name) > MaxApplicationName) name = name[..^1];
        return name;
    }

    public static ImportLockHolder? Parse(string applicationName)
    {
        var match = ApplicationNamePattern().Match(applicationName);
        if (!match.Success) return null;
        var since = DateTimeOffset.ParseExact(match.Groups[1].Value, TimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        return new ImportLockHolder(match.Groups[2].Value, since, match.Groups[3].Success ? match.Groups[3].Value : null) { NamedItself = true };
    }

    [GeneratedRegex(@"^crearis-import (\d{8}T\d{6}Z) (\S+)(?: \((.+)\))?$")]
    private static partial Regex ApplicationNamePattern();

    public async ValueTask DisposeAsync()
    {
        if (_connection is null) return;
        var connection = _connection;
        _connection = null;
        // Closing the session releases the lock, even when the unlock itself cannot be sent.
        await connection.DisposeAsync();
    }
}
