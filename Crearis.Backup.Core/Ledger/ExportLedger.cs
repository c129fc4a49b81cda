using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Backup.Core.Ledger;

/// <summary>
/// An export's entry in the sync ledger, written beside the export on a connection of its own: it reads the export's
/// snapshot (imported with SET TRANSACTION SNAPSHOT), so its base rows are exactly the rows in the file, and commits
/// only once the file is complete. A database the export may not write to (a read-only standby, a role without rights
/// on the admin schema) still exports; the backup then names no instance and the export says so.
/// </summary>
internal sealed class ExportLedger : IAsyncDisposable
{
    private readonly NpgsqlConnection _conn;
    private NpgsqlTransaction? _tx;
    private long _exchange;
    private long _rows;

    private ExportLedger(NpgsqlConnection conn, Guid instance, IReadOnlyList<ManifestExchange> exchanges)
    {
        _conn = conn;
        Instance = instance;
        Exchanges = exchanges;
    }

    public Guid Instance { get; }
    public IReadOnlyList<ManifestExchange> Exchanges { get; }

    public static async Task<(ExportLedger? Ledger, BackupIssue? Issue)> OpenAsync(string connectionString, CancellationToken ct)
    {
        var conn = new NpgsqlConnection(connectionString);
        try
        {
            await conn.OpenAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await SyncLedger.EnsureAsync(conn, tx, ct);
            var instance = await SyncLedger.InstanceAsync(conn, tx, ct);
            var exchanges = await SyncLedger.ExchangesAsync(conn, tx, ManifestRules.MaxExchanges, ct);
            await tx.CommitAsync(ct);
            return (new ExportLedger(conn, instance, exchanges), null);
        }
        catch (PostgresException e)
        {
            await conn.DisposeAsync();
            return (null, BackupIssue.Warning(IssueCode.LedgerNotRecorded,
                $"This export is not in the sync ledger ({e.MessageText}), so a later merge cannot use it as its base.",
                $"Let the exporting role create and write the {SyncLedger.Schema} schema, or export from the primary."));
        }
    }

    /// <summary>Starts the ledger's transaction on the export's snapshot (a name from pg_export_snapshot()).</summary>
    public async Task BeginAsync(string snapshot, IEnumerable<string> tables, CancellationToken ct)
    {
        _tx = await _conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var set = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT {Sql.Literal(snapshot)}", _conn, _tx))
            await set.ExecuteNonQueryAsync(ct);
        // The content SHA-256 needs the finished manifest: set when the file is complete.
        _exchange = await SyncLedger.RecordAsync(_conn, _tx, new string('0', 64), ExchangeDirection.Exported, Instance, DateTimeOffset.UtcNow, tables, ct);
    }

    /// <summary>Keeps one exported table's rows as a base.</summary>
    public async Task KeepRowsAsync(TableModel model, CancellationToken ct)
    {
        var key = SyncLedger.Key(model, i => "t." + Sql.Ident(model.Profile.NaturalKey[i].Column));
        var row = SyncLedger.Row(SyncLedger.BaseColumns(model).Select(c => (c, "t." + Sql.Ident(c.Name))));
        // With the hash of the row as written: a later differential against this export compares it.
        await using var cmd = new NpgsqlCommand(
            $"INSERT INTO {SyncLedger.Schema}.sync_base_rows (exchange_id, table_name, key, row, content, row_id) " +
            $"SELECT {_exchange}, {Sql.Literal(model.Name)}, {key}, {row}, {Export.BackupExporter.RowHash(model)}, " +
            $"{(model.IdColumn is { } id ? $"to_jsonb(t.{Sql.Ident(id)})" : "NULL")} FROM public.{Sql.Ident(model.Name)} t", _conn, _tx)
        { CommandTimeout = 0 };
        _rows += await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The file is complete: names the exchange by the backup's content and commits.</summary>
    public async Task CompleteAsync(BackupManifest manifest, CancellationToken ct)
    {
        await using (var cmd = new NpgsqlCommand(
            $"UPDATE {SyncLedger.Schema}.sync_exchanges SET backup_sha256 = $1, backup_created_at = $2 WHERE id = {_exchange}", _conn, _tx))
        {
            cmd.Parameters.AddWithValue(SyncLedger.ContentSha256(manifest));
            cmd.Parameters.AddWithValue(manifest.CreatedAt);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await SyncLedger.CountRowsAsync(_conn, _tx!, _exchange, _rows, ct);
        await SyncLedger.PruneAsync(_conn, _tx!, ct);
        await _tx!.CommitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_tx is not null) await _tx.DisposeAsync();
        await _conn.DisposeAsync();
    }
}
