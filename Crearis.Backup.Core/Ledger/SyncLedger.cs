using System.Security.Cryptography;
using System.Text;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Planning;
using Npgsql;

namespace Crearis.Backup.Core.Ledger;

/// <summary>
/// The instance's sync ledger, in the admin schema: who this installation is, which backups it exported and imported
/// (named by <see cref="ContentSha256"/>, from/to which instance), and for the recent ones every row as it was — the
/// merge base of a later three-way merge. Rows are kept in this instance's own terms: keyed by the natural key (a
/// reference part as this database's id), surrogate ids and trigger-maintained columns left out, references as this
/// database's ids, values normalised (<see cref="Value"/>) so that the same content compares equal whichever side wrote
/// it. A base is only ever read by the instance that wrote it, so its ids always mean the same rows.
/// </summary>
public static class SyncLedger
{
    public const string Schema = "crearis_admin";

    /// <summary>Base rows are kept for this many of the newest exports (a later exchange may name any of them).</summary>
    public const int KeptExports = 3;

    /// <summary>…and for this many of the newest imports from each peer.</summary>
    public const int KeptImportsPerPeer = 2;

    /// <summary>
    /// A backup's name in the ledger: the SHA-256 of what it holds — its instance, snapshot time and every table's row
    /// count and checksum — so the same backup has the same name encrypted or not, copied or renamed.
    /// </summary>
    public static string ContentSha256(BackupManifest manifest)
    {
        var text = new StringBuilder("crearis-backup-content 1\n")
            .Append(manifest.Instance?.Id.ToString() ?? "-").Append('\n')
            .Append(manifest.CreatedAt.UtcDateTime.ToString("O")).Append('\n');
        foreach (var table in manifest.Tables.OrderBy(t => t.Name, StringComparer.Ordinal))
            text.Append(table.Name).Append(' ').Append(table.Rows).Append(' ').Append(table.Sha256).Append('\n');
        // A differential is named by its base and its extra files too (a full backup's name is unchanged).
        if (manifest.Differential is { } diff)
        {
            text.Append("differential ").Append(diff.BaseSha256).Append('\n');
            foreach (var table in diff.Tables.OrderBy(t => t.Name, StringComparer.Ordinal))
                text.Append(table.Name).Append(' ').Append(table.ContextRows).Append(' ').Append(table.ContextSha256)
                    .Append(' ').Append(table.DeletedRows).Append(' ').Append(table.DeletedSha256).Append('\n');
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
    }

    /// <summary>The columns a base row holds for a table: what a merge compares (not the id, key or derived columns).</summary>
    internal static IReadOnlyList<ColumnSchema> BaseColumns(TableModel model)
    {
        var keys = model.Profile.NaturalKey.Select(k => k.Column).ToHashSet(StringComparer.Ordinal);
        return model.Schema.Writable.Where(c => c.Name != model.IdColumn && !keys.Contains(c.Name) && !model.Profile.IsDerived(c.Name)).ToList();
    }

    /// <summary>
    /// A value as the ledger compares it (never SQL NULL): JSON of the value, a timestamp with time zone in UTC (so
    /// the session's time zone cannot make it differ), a jsonb value wrapped in an array (so JSON null and SQL NULL
    /// stay apart), SQL NULL as JSON null.
    /// </summary>
    internal static string Value(ColumnSchema column, string expression) =>
        column.Type == "timestamp with time zone" ? $"coalesce(to_jsonb(({expression}) AT TIME ZONE 'UTC'), 'null'::jsonb)"
        : column.IsJsonb ? $"coalesce(jsonb_build_array({expression}), 'null'::jsonb)"
        : $"coalesce(to_jsonb({expression}), 'null'::jsonb)";

    /// <summary>The key of a row in the ledger: its natural key's parts, each as <see cref="Value"/>.</summary>
    internal static string Key(TableModel model, Func<int, string> part) =>
        "jsonb_build_array(" + string.Join(", ", model.Profile.NaturalKey.Select((k, i) => Value(model.Schema.Column(k.Column)!, part(i)))) + ")";

    /// <summary>A base row: an object of column → <see cref="Value"/> (built in pieces: jsonb_build_object takes 100 arguments).</summary>
    internal static string Row(IEnumerable<(ColumnSchema Column, string Expression)> columns)
    {
        var pairs = columns.Select(c => $"{Sql.Literal(c.Column.Name)}, {Value(c.Column, c.Expression)}").ToList();
        return pairs.Count == 0 ? "'{}'::jsonb"
            : string.Join(" || ", pairs.Chunk(40).Select(chunk => $"jsonb_build_object({string.Join(", ", chunk)})"));
    }

    /// <summary>
    /// Typed SQL for a base row's value of <paramref name="column"/> (alias <paramref name="row"/>), as text for display:
    /// the same rendering the column's own ::text gives.
    /// </summary>
    internal static string Display(string table, ColumnSchema column, string row)
    {
        var value = $"{row} -> {Sql.Literal(column.Name)}";
        if (column.Type == "timestamp with time zone") return $"(({value} #>> '{{}}')::timestamp AT TIME ZONE 'UTC')::text";
        if (column.IsJsonb) return $"({value} -> 0)::text";
        return $"(jsonb_populate_record(NULL::public.{Sql.Ident(table)}, jsonb_build_object({Sql.Literal(column.Name)}, {value}))).{Sql.Ident(column.Name)}::text";
    }

    /// <summary>Creates the ledger's tables where they are missing (under a lock: two first runs at once are safe).</summary>
    internal static async Task EnsureAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await ExecAsync(conn, tx, $"""
            SELECT pg_advisory_xact_lock(hashtext('crearis_sync_ledger'));
            CREATE SCHEMA IF NOT EXISTS {Schema};
            CREATE TABLE IF NOT EXISTS {Schema}.sync_instance (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                instance_id uuid NOT NULL,
                database_oid oid NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS {Schema}.sync_exchanges (
                id bigserial PRIMARY KEY,
                backup_sha256 text NOT NULL,
                direction text NOT NULL CHECK (direction IN ('exported', 'imported')),
                backup_instance uuid NOT NULL,
                backup_created_at timestamptz NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now(),
                tables text[] NOT NULL,
                rows_kept boolean NOT NULL DEFAULT true,
                rows_count bigint NOT NULL DEFAULT 0);
            CREATE INDEX IF NOT EXISTS sync_exchanges_sha ON {Schema}.sync_exchanges (backup_sha256);
            -- No key over the rows: a base is read whole per table (into an indexed temporary table), and a unique
            -- index over jsonb keys would cost every export and import a large index build for nothing.
            -- Unlogged: writing a copy of every exported or imported row to the WAL cost an export as much again as
            -- the export itself (4.4 s of 4.1 s at 300k rows; unlogged 0.9 s). A crash empties the table; the
            -- exchange keeps its row count, so a base that lost its rows is never used (the merge is then two-way
            -- and says so, as after any loss of the ledger).
            CREATE UNLOGGED TABLE IF NOT EXISTS {Schema}.sync_base_rows (
                exchange_id bigint NOT NULL REFERENCES {Schema}.sync_exchanges (id) ON DELETE CASCADE,
                table_name text NOT NULL,
                key jsonb NOT NULL,
                row jsonb NOT NULL,
                -- An export's rows carry the SHA-256 of each row as written (what a differential compares) and the
                -- row's id as written (a differential's tombstone names it, so rows deleted with their parent
                -- resolve); NULL for an import's rows.
                content bytea,
                row_id jsonb);
            CREATE INDEX IF NOT EXISTS sync_base_rows_exchange ON {Schema}.sync_base_rows (exchange_id, table_name);
            -- Added later (a ledger made before it gets it here): whether this instance is production or development
            -- (NULL: not said). Checked first, so that the lock ALTER TABLE takes is taken once, not on every run.
            DO $mark$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '{Schema}.sync_instance'::regclass AND attname = 'mark' AND NOT attisdropped) THEN
                    ALTER TABLE {Schema}.sync_instance ADD COLUMN mark text CHECK (mark IN ('production', 'development'));
                END IF;
                -- The key fingerprint of the scrubbed copy this database imported (NULL: none): its exports hold
                -- pseudonyms too and say so, so production refuses them as it refuses the copy.
                IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '{Schema}.sync_instance'::regclass AND attname = 'scrubbed_from' AND NOT attisdropped) THEN
                    ALTER TABLE {Schema}.sync_instance ADD COLUMN scrubbed_from text;
                END IF;
            END $mark$;
            """, ct);
    }

    /// <summary>
    /// This installation's id, made on first use. A database copied from another (a template, a restored dump) has the
    /// other's row but not its database oid: it is a new instance, and the copied ledger is not its own history.
    /// </summary>
    internal static async Task<Guid> InstanceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using (var read = new NpgsqlCommand(
            $"SELECT instance_id FROM {Schema}.sync_instance WHERE database_oid = (SELECT oid FROM pg_database WHERE datname = current_database())", conn, tx))
            if (await read.ExecuteScalarAsync(ct) is Guid id) return id;
        var made = Guid.NewGuid();
        await ExecAsync(conn, tx, $"""
            DELETE FROM {Schema}.sync_exchanges;
            INSERT INTO {Schema}.sync_instance (instance_id, database_oid)
            VALUES ('{made}', (SELECT oid FROM pg_database WHERE datname = current_database()))
            ON CONFLICT (singleton) DO UPDATE SET instance_id = EXCLUDED.instance_id, database_oid = EXCLUDED.database_oid, created_at = now();
            """, ct);
        return made;
    }

    /// <summary>The exchanges this instance knows, newest first, as a manifest lists them.</summary>
    internal static async Task<List<ManifestExchange>> ExchangesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int limit, CancellationToken ct)
    {
        var list = new List<ManifestExchange>();
        await using var cmd = new NpgsqlCommand(
            $"SELECT backup_sha256, direction, backup_instance, backup_created_at, recorded_at FROM {Schema}.sync_exchanges ORDER BY id DESC LIMIT {limit}", conn, tx);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new ManifestExchange
            {
                Sha256 = reader.GetString(0),
                Direction = reader.GetString(1) == "exported" ? ExchangeDirection.Exported : ExchangeDirection.Imported,
                Peer = reader.GetString(1) == "imported" ? reader.GetGuid(2) : null,
                BackupCreatedAt = reader.GetFieldValue<DateTimeOffset>(3),
                At = reader.GetFieldValue<DateTimeOffset>(4),
            });
        return list;
    }

    /// <summary>Records an exchange (its base rows follow; an earlier record of the same backup imported is replaced); returns its id.</summary>
    internal static async Task<long> RecordAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sha256, ExchangeDirection direction,
        Guid backupInstance, DateTimeOffset backupCreatedAt, IEnumerable<string> tables, CancellationToken ct)
    {
        if (direction == ExchangeDirection.Imported)
            await using (var replace = new NpgsqlCommand($"DELETE FROM {Schema}.sync_exchanges WHERE direction = 'imported' AND backup_sha256 = $1", conn, tx))
            {
                replace.Parameters.AddWithValue(sha256);
                await replace.ExecuteNonQueryAsync(ct);
            }
        await using var cmd = new NpgsqlCommand(
            $"INSERT INTO {Schema}.sync_exchanges (backup_sha256, direction, backup_instance, backup_created_at, tables) VALUES ($1, $2, $3, $4, $5) RETURNING id", conn, tx);
        cmd.Parameters.AddWithValue(sha256);
        cmd.Parameters.AddWithValue(direction == ExchangeDirection.Exported ? "exported" : "imported");
        cmd.Parameters.AddWithValue(backupInstance);
        cmd.Parameters.AddWithValue(backupCreatedAt);
        cmd.Parameters.AddWithValue(tables.ToArray());
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Notes how many base rows an exchange kept (a base is used only while that many are there).</summary>
    internal static async Task CountRowsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long exchange, long rows, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"UPDATE {Schema}.sync_exchanges SET rows_count = {rows} WHERE id = {exchange}", conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Drops the rows of exchanges too old to be a base (the exchanges themselves stay listed).</summary>
    internal static Task PruneAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecAsync(conn, tx, $"""
            WITH ranked AS (
                SELECT id, row_number() OVER (PARTITION BY direction, CASE WHEN direction = 'imported' THEN backup_instance END ORDER BY id DESC) AS n, direction
                FROM {Schema}.sync_exchanges WHERE rows_kept),
            old AS (SELECT id FROM ranked WHERE (direction = 'exported' AND n > {KeptExports}) OR (direction = 'imported' AND n > {KeptImportsPerPeer}))
            , dropped AS (DELETE FROM {Schema}.sync_base_rows b USING old WHERE b.exchange_id = old.id)
            UPDATE {Schema}.sync_exchanges e SET rows_kept = false FROM old WHERE e.id = old.id;
            """, ct);

    /// <summary>
    /// The merge base for a backup from <paramref name="peer"/>: the most recent backup the two instances exchanged —
    /// one this instance imported from the peer, or one it exported that the peer imported (the backup's manifest lists
    /// what its instance imported) — whose rows are still kept. The backup being imported is never its own base: merged
    /// again (say with apply-deletes after a run that listed them), it compares with the exchange before it. Null: no common backup (first exchange, or lost ledger).
    /// </summary>
    /// <summary>
    /// SQL, over <c>sync_exchanges</c>: the exchange still has every base row it recorded. The rows are an unlogged
    /// table that a crash empties; a base missing them would miss every deletion since it.
    /// </summary>
    internal static string AllRowsKept => $"rows_count = (SELECT count(*) FROM {Schema}.sync_base_rows b WHERE b.exchange_id = sync_exchanges.id)";

    /// <summary>The newest ledger entry of a backup (either direction) whose rows are all still kept; null when none is.</summary>
    internal static async Task<long?> KeptRowsOfAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sha256, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            SELECT id FROM {Schema}.sync_exchanges WHERE rows_kept AND backup_sha256 = $1
              AND {AllRowsKept}
            ORDER BY id DESC LIMIT 1
            """, conn, tx);
        cmd.Parameters.AddWithValue(sha256);
        return await cmd.ExecuteScalarAsync(ct) is long id ? id : null;
    }

    internal static async Task<(long Id, MergeBase Base, IReadOnlySet<string> Tables)?> FindBaseAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        Guid self, Guid peer, IReadOnlyList<ManifestExchange> peerExchanges, string? importing, CancellationToken ct)
    {
        var importedFromUs = peerExchanges.Where(e => e.Direction == ExchangeDirection.Imported && e.Peer == self).Select(e => e.Sha256).ToArray();
        await using var cmd = new NpgsqlCommand($"""
            SELECT id, backup_sha256, direction, backup_created_at, tables FROM {Schema}.sync_exchanges
            WHERE rows_kept AND backup_sha256 <> $3 AND ((direction = 'imported' AND backup_instance = $1) OR (direction = 'exported' AND backup_sha256 = ANY($2)))
              -- Rows a crash emptied from the unlogged table: that base is gone.
              AND {AllRowsKept}
            ORDER BY backup_created_at DESC, id DESC LIMIT 1
            """, conn, tx);
        cmd.Parameters.AddWithValue(peer);
        cmd.Parameters.AddWithValue(importedFromUs);
        cmd.Parameters.AddWithValue(importing ?? "");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var direction = reader.GetString(2) == "exported" ? ExchangeDirection.Exported : ExchangeDirection.Imported;
        return (reader.GetInt64(0), new MergeBase(reader.GetString(1), direction, peer, reader.GetFieldValue<DateTimeOffset>(3)),
            reader.GetFieldValue<string[]>(4).ToHashSet(StringComparer.Ordinal));
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
