using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Backup.Core.Ledger;

/// <summary>What an instance is for. A production instance refuses scrubbed copies (their pseudonyms would overwrite real data).</summary>
public enum InstanceMark
{
    Production,
    Development,
}

/// <summary>This database's instance id and mark, as the CLI's <c>backup instance</c> shows and sets them.</summary>
public sealed record InstanceInfo(Guid Id, InstanceMark? Mark, string Database);

/// <summary>
/// The production/development mark of an instance, kept beside its id in the sync ledger (<c>sync_instance.mark</c>).
/// The mark belongs to the database's ledger row, not to its oid: a production database restored from a dump (a new
/// oid, so a new instance id) stays marked production until someone says otherwise — the safe side for a mark whose
/// only effect is to refuse scrubbed copies.
/// </summary>
public static class InstanceMarks
{
    public static string Wire(this InstanceMark mark) => mark == InstanceMark.Production ? "production" : "development";

    public static InstanceMark? Parse(string? text) => text switch
    {
        "production" => InstanceMark.Production,
        "development" => InstanceMark.Development,
        _ => null,
    };

    /// <summary>This database's instance (made on first use, like an export does) and its mark.</summary>
    public static Task<InstanceInfo> ReadAsync(string connectionString, CancellationToken ct = default) => InLedgerAsync(connectionString, null, ct);

    /// <summary>Marks this database's instance; returns it as it is now.</summary>
    public static Task<InstanceInfo> SetAsync(string connectionString, InstanceMark mark, CancellationToken ct = default) =>
        InLedgerAsync(connectionString, mark, ct);

    private static async Task<InstanceInfo> InLedgerAsync(string connectionString, InstanceMark? set, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await SyncLedger.EnsureAsync(conn, tx, ct);
        var id = await SyncLedger.InstanceAsync(conn, tx, ct);
        if (set is { } mark)
            await using (var update = new NpgsqlCommand($"UPDATE {SyncLedger.Schema}.sync_instance SET mark = $1", conn, tx))
            {
                update.Parameters.AddWithValue(mark.Wire());
                await update.ExecuteNonQueryAsync(ct);
            }
        var now = await MarkAsync(conn, tx, ct);
        await tx.CommitAsync(ct);
        return new InstanceInfo(id, now, conn.Database);
    }

    /// <summary>The mark without writing anything (a database without a ledger, or one made before marks, has none).</summary>
    internal static async Task<InstanceMark?> MarkAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct)
    {
        if (!await ReadableAsync(conn, tx, "mark", ct)) return null;
        await using var read = new NpgsqlCommand($"SELECT mark FROM {SyncLedger.Schema}.sync_instance", conn, tx);
        return Parse(await read.ExecuteScalarAsync(ct) as string);
    }

    /// <summary>
    /// Whether sync_instance has the column and this role may read it. From the catalogs by oid only: a name lookup
    /// (to_regclass, has_table_privilege('…')) fails outright for a role without USAGE on the admin schema, and an
    /// export by such a role must go on (it only loses its ledger entry, and says so).
    /// </summary>
    private static async Task<bool> ReadableAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string column, CancellationToken ct)
    {
        await using var exists = new NpgsqlCommand($"""
            SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
                            WHERE n.nspname = '{SyncLedger.Schema}' AND c.relname = 'sync_instance' AND a.attname = $1 AND NOT a.attisdropped
                              AND has_schema_privilege(n.oid, 'USAGE') AND has_column_privilege(c.oid, a.attnum, 'SELECT'))
            """, conn, tx);
        exists.Parameters.AddWithValue(column);
        return await exists.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>The fingerprint of the scrubbed copy this database imported (null: none, or no ledger), without writing anything.</summary>
    internal static async Task<string?> ScrubbedFromAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct)
    {
        if (!await ReadableAsync(conn, tx, "scrubbed_from", ct)) return null;
        await using var read = new NpgsqlCommand($"SELECT scrubbed_from FROM {SyncLedger.Schema}.sync_instance", conn, tx);
        return await read.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Notes, in the import's transaction, that this database now holds a scrubbed copy's pseudonyms.</summary>
    internal static async Task NoteScrubbedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string fingerprint, CancellationToken ct)
    {
        await SyncLedger.EnsureAsync(conn, tx, ct);
        await SyncLedger.InstanceAsync(conn, tx, ct);
        await using var update = new NpgsqlCommand($"UPDATE {SyncLedger.Schema}.sync_instance SET scrubbed_from = $1", conn, tx);
        update.Parameters.AddWithValue(fingerprint);
        await update.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The import engine's check, before anything is written (dry runs included): a scrubbed copy into a production
    /// instance. Null when the import may go on.
    /// </summary>
    internal static async Task<BackupIssue?> RefuseScrubbedAsync(NpgsqlConnection conn, Format.BackupSummary summary, CancellationToken ct)
    {
        if (summary.Scrub is null || await MarkAsync(conn, null, ct) != InstanceMark.Production) return null;
        return BackupIssue.Error(IssueCode.ScrubbedIntoProduction,
            $"This backup is a scrubbed copy (personal data replaced by pseudonyms, key {summary.Scrub.KeyFingerprint}) and this database " +
            $"({conn.Database}) is marked production: importing it would overwrite real people's data with pseudonyms. Nothing was written.",
            "Import it into a development database. If this database really is a development copy, mark it so first: backup instance --mark development.",
            phase: BackupPhase.Validate);
    }
}
