using System.Text.Json;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Ledger;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// The sync ledger and the three-way merge. Before the tables: <b>base lookup</b> (the last backup this instance and
/// the backup's instance exchanged) and the admin's decisions. Per table of a merge with a base: rows <b>deleted
/// here</b> stay deleted unless the backup changed them (a conflict); <b>conflicts</b> — fields changed differently on
/// both sides — are decided by a resolution or the policy, or left undecided (nothing is then written); rows <b>deleted
/// there</b> and untouched here are deleted only when asked, after every table, children first. Per table of every
/// recorded run: the backup's rows are kept as the next base.
/// </summary>
internal sealed partial class ImportSession
{
    private sealed record BaseExchange(long Id, MergeBase Base, IReadOnlySet<string> Tables);

    private BaseExchange? _base;
    private long? _recording;
    private long _recordedRows;

    /// <summary>Importing a differential: the ledger entry of its base here, whose rows complete the differential's own.</summary>
    private long? _chainBase;
    private bool _hasResolutions;
    private readonly List<string> _deletions = [];

    private static string BaseRows(string table) => Sql.Ident("_base_" + table);
    private static string Conflicted(string table) => Sql.Ident("_cf_" + table);
    private static string Decided(string table) => Sql.Ident("_dec_" + table);
    private static string Gone(string table) => Sql.Ident("_gone_" + table);
    private static string DeletedHereRows(string table) => Sql.Ident("_dh_" + table);
    private static string SidesChanged(string table) => Sql.Ident("_tw_" + table);

    /// <summary>Whether the id maps carry the ledger key of each row (for a base, or to record the run).</summary>
    private bool KeysForLedger => _base is not null || _recording is not null;

    private bool HasBase(string table) => _base is not null && _base.Tables.Contains(table);

    /// <summary>
    /// Finds the merge base and starts this run's ledger entry. The ledger lives in the admin schema; a role that may
    /// not create or write it imports as before, two-way, and is told so.
    /// </summary>
    private async Task OpenLedgerAsync(CancellationToken ct)
    {
        var summary = source.Summary;
        if (summary.DifferentialBase is not null && options.Mode != ImportMode.Merge)
            Refuse(IssueCode.DifferentialNeedsMerge, "This backup is a differential: it holds only the rows changed since its base, and is imported only as a merge.",
                "Import it with --mode merge.");
        if (summary.Filtered && options.ApplyDeletes)
            _report.Warnings.Add(BackupIssue.Warning(IssueCode.FilteredNoDeletes,
                "This backup is filtered (--project/--user/--since): the rows it leaves out were not selected, not deleted, so apply-deletes has no effect and nothing is deleted.",
                "To take deletions over, merge a full backup (or a differential) with apply-deletes."));
        var recordable = options.RecordExchange && !options.DryRun && summary.ContentSha256 is not null && summary.Instance is not null;
        var wantsBase = options.Mode == ImportMode.Merge && options.ThreeWay && summary.Instance is not null;
        if (!recordable && !wantsBase && summary.DifferentialBase is null)
        {
            if (options.Mode == ImportMode.Merge && options.ThreeWay) NoBase("the backup names no instance (it was written by the original platform or an older version)");
            return;
        }
        await _phases.CreateSavepointAsync("ledger", ct);
        try
        {
            await SyncLedger.EnsureAsync(conn, _tx, ct);
            var self = await SyncLedger.InstanceAsync(conn, _tx, ct);
            if (summary.DifferentialBase is { } baseSha && !await SeenAsync(baseSha, ct))
                Refuse(IssueCode.BaseUnknown,
                    $"This backup is a differential against the backup {baseSha[..12]}…, which this database has never imported or exported; applied alone it would leave out every row that did not change since.",
                    "Import that base (a full backup) first, or the differentials between it and this one, in order; or import a full backup instead.");
            if (wantsBase && summary.Instance == self)
                NoBase("the backup was exported from this database");
            else if (wantsBase)
            {
                var found = await SyncLedger.FindBaseAsync(conn, _tx, self, summary.Instance!.Value, summary.Exchanges, summary.ContentSha256, ct);
                if (found is { } other && summary.DifferentialBase is { } diffBase && other.Base.BackupSha256 != diffBase)
                    // A differential holds what changed since its own base: compared with an older one, a row changed
                    // by an earlier differential would look changed on both sides.
                    NoBase("the differential's base is not the exchange whose rows this database keeps as its merge base (a chain of differentials is merged two ways after the first)");
                else if (found is { } b)
                {
                    _base = new BaseExchange(b.Id, b.Base, b.Tables);
                    foreach (var table in b.Tables.Where(t => _prepared.Selected.Contains(t)))
                    {
                        // A key is unique in a base unless a part of it may be NULL (an interaction's user): only such
                        // tables pay for keeping one row per key.
                        var model = _prepared.Models[table];
                        var once = model.Profile.NaturalKey.Any(k => model.Schema.Column(k.Column)!.IsNullable) ? "DISTINCT ON (key) " : "";
                        await ExecAsync($"CREATE TEMP TABLE {BaseRows(table)} ON COMMIT DROP AS SELECT {once}key, row FROM {SyncLedger.Schema}.sync_base_rows " +
                                        $"WHERE exchange_id = {b.Id} AND table_name = {Sql.Literal(table)}{(once.Length > 0 ? " ORDER BY key" : "")}", ct);
                        await ExecAsync($"CREATE INDEX ON {BaseRows(table)} (key)", ct);
                        await ExecAsync($"ANALYZE {BaseRows(table)}", ct);
                    }
                }
                else NoBase("this database and the backup's instance have exchanged no backup whose rows are still kept");
            }
            if (recordable && summary.Instance != self)
                _recording = await SyncLedger.RecordAsync(conn, _tx, summary.ContentSha256!, ExchangeDirection.Imported, summary.Instance!.Value,
                    summary.CreatedAt ?? DateTimeOffset.UtcNow, _prepared.Selected.Where(t => summary.Tables.Any(s => s.Table == t)), ct);
            if (_recording is { } seen && (summary.DifferentialBase is not null || summary.Filtered))
            {
                // A differential carries only the rows changed since its base. Its merge base for the next
                // differential is what its exporter had then: the base's rows here, overlaid with the differential's
                // rows, less its tombstones (see RecordBaseRowsAsync). Without the base's rows it is recorded as seen
                // only (a later differential against it is accepted, and merged two ways).
                // A filtered backup is recorded as seen only: as a base, every row it left out would read as deleted there.
                _chainBase = summary.DifferentialBase is { } chainSha ? await SyncLedger.KeptRowsOfAsync(conn, _tx, chainSha, ct) : null;
                if (_chainBase is null)
                {
                    await ExecAsync($"UPDATE {SyncLedger.Schema}.sync_exchanges SET rows_kept = false WHERE id = {seen}", ct);
                    _recording = null;
                }
            }
            await _phases.ReleaseSavepointAsync("ledger", ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ReadOnlySqlTransaction)
        {
            await _phases.RollbackToSavepointAsync("ledger", ct);
            if (summary.DifferentialBase is not null)
                Refuse(IssueCode.BaseUnknown, $"This backup is a differential, and the sync ledger in {SyncLedger.Schema} that says whether this database has its base cannot be read ({e.MessageText}).",
                    $"Let the importing role read and write the {SyncLedger.Schema} schema, or import a full backup.");
            _base = null;
            _recording = null;
            _report.Warnings.Add(BackupIssue.Warning(IssueCode.LedgerNotRecorded,
                $"The sync ledger in {SyncLedger.Schema} cannot be used ({e.MessageText}): the merge compares two ways and this import will not be a merge base.",
                $"Let the importing role create and write the {SyncLedger.Schema} schema."));
        }
        if (options.Resolutions is { Count: > 0 } resolutions) await LoadResolutionsAsync(resolutions, ct);
    }

    private void Refuse(IssueCode code, string message, string fix)
    {
        _report.Errors.Add(BackupIssue.Error(code, message, fix, phase: BackupPhase.Validate));
        _refused = true;
        throw new ImportAbortedException();
    }

    /// <summary>Whether this database's ledger names the backup, exported or imported.</summary>
    private async Task<bool> SeenAsync(string sha256, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {SyncLedger.Schema}.sync_exchanges WHERE backup_sha256 = $1)", conn, _tx);
        cmd.Parameters.AddWithValue(sha256);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private readonly Dictionary<string, string> _tombstoneMatch = new(StringComparer.Ordinal);

    private static string Tombstones(string table) => Sql.Ident("_tomb_" + table);

    /// <summary>
    /// A differential's tombstones of a table, found here through their natural key (matched with the id map). With a
    /// merge base, a row changed here since the base is a conflict (changed here, deleted there) that a decision or the
    /// policy settles; the others are deleted with apply-deletes (after every table, children first), listed otherwise.
    /// Returns the unchanged ones found and the conflicts.
    /// </summary>
    private async Task<(long DeletedThere, long Conflicts)> MatchTombstonesAsync(TableModel model, string rowMatch, CancellationToken ct)
    {
        var name = model.Name;
        var changed = HasBase(name)
            ? $"(b.key IS NOT NULL AND {ChangedSince(SyncLedger.BaseColumns(model), c => "x." + Sql.Ident(c.Name), "b")})"
            : "false";
        var baseJoin = HasBase(name) ? $" LEFT JOIN {BaseRows(name)} b ON b.key = m.bkey" : "";
        await ExecAsync($"CREATE TEMP TABLE {Tombstones(name)} ON COMMIT DROP AS SELECT m.line, {changed} AS changed, NULL::text AS take, false AS del " +
                        $"FROM {Map(name)} m JOIN public.{Sql.Ident(name)} x ON {rowMatch}{baseJoin} WHERE m.line < {TombstoneLines} AND m.present", ct);
        var (unchanged, conflicts) = await DecideDeletedThereAsync(model, Tombstones(name), "m", $", {Map(name)} m", " AND m.line = h.line", "m.line", ct);
        _tombstoneMatch[name] = rowMatch;
        if (unchanged > 0 && !options.ApplyDeletes)
            _report.Warnings.Add(BackupIssue.Warning(IssueCode.DeletedThereKept,
                $"{name}: {unchanged} row(s) deleted in the backup's instance since the base are kept here.",
                "Import with --apply-deletes to delete them as well.", name));
        return (unchanged, conflicts);
    }

    private void NoBase(string why) => _report.Warnings.Add(BackupIssue.Warning(IssueCode.NoMergeBase,
        $"No merge base: {why}. The merge compares two ways: where a row differs, the backup's values are written.",
        "To keep edits made here, merge backups that this database and the other instance have exchanged before (import one, then merge the next)."));

    private async Task LoadResolutionsAsync(IReadOnlyList<ConflictResolution> resolutions, CancellationToken ct)
    {
        _hasResolutions = true;
        await ExecAsync("CREATE TEMP TABLE _resolutions (table_name text NOT NULL, key text NOT NULL, column_name text NOT NULL, take text NOT NULL, " +
                        "value jsonb, used boolean NOT NULL DEFAULT false) ON COMMIT DROP", ct);
        await using (var copy = await conn.BeginBinaryImportAsync("COPY _resolutions (table_name, key, column_name, take, value) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in resolutions)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(r.Table, ct);
                await copy.WriteAsync(r.Key, ct);
                await copy.WriteAsync(r.Column ?? "", ct);
                await copy.WriteAsync(ConflictTakeNames.Name(r.Take), ct);
                if (r.Value is { } value) await copy.WriteAsync(value.GetRawText(), NpgsqlTypes.NpgsqlDbType.Jsonb, ct);
                else await copy.WriteNullAsync(ct);
            }
            await copy.CompleteAsync(ct);
        }
        await ExecAsync("CREATE INDEX ON _resolutions (table_name, key)", ct);
    }

    /// <summary>The side an undecided conflict takes under the policy, as the run's SQL names it ('none' under fail: it stays as it is here).</summary>
    private string PolicyTake => PolicyTaken is { } take ? ConflictTakeNames.Name(take) : "none";

    private ConflictTake? PolicyTaken => options.OnConflict switch
    {
        ConflictPolicy.TakeBackup => ConflictTake.Backup,
        ConflictPolicy.KeepTarget => ConflictTake.Target,
        _ => null,
    };

    /// <summary>The ledger key of a map row (its resolved natural key), added to the id map when the ledger is used.</summary>
    private string LedgerKeyOfMap(TableModel model, string alias) => SyncLedger.Key(model, i => $"{alias}.k{i}");

    /// <summary>
    /// Rows the backup holds that this database deleted since the base: unchanged in the backup, they stay deleted
    /// ("held" in the id map, never inserted); changed there, they are a conflict the decision or policy settles.
    /// </summary>
    private async Task<(long DeletedHere, long Conflicts)> HoldDeletedHereAsync(TableModel model, IReadOnlyList<ColumnSchema> compared, CancellationToken ct)
    {
        var name = model.Name;
        var changed = ChangedSince(compared, c => "v." + Sql.Ident(c.Name), "b");
        await ExecAsync($"CREATE TEMP TABLE {DeletedHereRows(name)} ON COMMIT DROP AS SELECT m.line, {changed} AS changed, NULL::text AS take " +
                        $"FROM {Res(name)} v JOIN {Map(name)} m ON m.line = v.line JOIN {BaseRows(name)} b ON b.key = m.bkey " +
                        $"WHERE m.skip IS NULL AND NOT m.present", ct);
        if (_hasResolutions)
            await ExecAsync($"UPDATE {DeletedHereRows(name)} h SET take = r.take FROM {Map(name)} m, _resolutions r " +
                            $"WHERE h.changed AND m.line = h.line AND r.table_name = {Sql.Literal(name)} AND r.column_name = '' AND r.key = {KeyText(model, "m")}", ct);
        await MarkResolutionsUsedAsync(model, DeletedHereRows(name), "m", $"JOIN {Map(name)} m ON m.line = h.line", "h.changed", ct);
        await ExecAsync($"UPDATE {Map(name)} m SET held = true FROM {DeletedHereRows(name)} h " +
                        $"WHERE h.line = m.line AND (NOT h.changed OR NOT {TakesBackup("h.take")})", ct);
        await ListRowConflictsAsync(model, ConflictKind.DeletedHereChangedThere,
            $"SELECT {KeyText(model, "m")}, h.take FROM {DeletedHereRows(name)} h JOIN {Map(name)} m ON m.line = h.line WHERE h.changed ORDER BY m.line", ct);
        return (await ScalarAsync($"SELECT count(*) FROM {DeletedHereRows(name)} WHERE NOT changed", ct),
                await ScalarAsync($"SELECT count(*) FROM {DeletedHereRows(name)} WHERE changed", ct));
    }

    /// <summary>
    /// The fields of matched rows that changed on both sides since the base (cell), or — strictness row — every field
    /// that differs in a row changed on both sides; a row the base lacks (made on both sides since) conflicts wherever
    /// the two differ. Kept as (line, column indexes); the admin's decisions per line beside them.
    /// </summary>
    private async Task<string> FindConflictsAsync(TableModel model, IReadOnlyList<ColumnSchema> compared, IReadOnlyList<string> newValues,
        string rowMatch, CancellationToken ct)
    {
        var name = model.Name;
        string Here(int i) => $"{SyncLedger.Value(compared[i], "x." + Sql.Ident(compared[i].Name))}";
        string There(int i) => $"{SyncLedger.Value(compared[i], newValues[i])}";
        string Differ(int i) => $"{Here(i)} <> {There(i)}";
        string InBase(int i) => $"b.row ? {Sql.Literal(compared[i].Name)}";
        string BaseValue(int i) => $"b.row -> {Sql.Literal(compared[i].Name)}";
        string Cell(int i) => $"{Differ(i)} AND (b.key IS NULL OR ({InBase(i)} AND {Here(i)} <> {BaseValue(i)} AND {There(i)} <> {BaseValue(i)}))";
        var hereAny = string.Join(" OR ", compared.Select((_, i) => $"({InBase(i)} AND {Here(i)} <> {BaseValue(i)})"));
        var thereAny = string.Join(" OR ", compared.Select((_, i) => $"({InBase(i)} AND {There(i)} <> {BaseValue(i)})"));
        string Condition(int i) => options.Conflicts == ConflictStrictness.Row
            ? $"{Differ(i)} AND (b.key IS NULL OR (({hereAny}) AND ({thereAny})))"
            : Cell(i);
        // First, row by row, which side changed since the base, comparing whole rows (two jsonb values, the second only
        // where the first differs): most rows changed on neither side or on one, and only rows changed on both sides
        // need the field-by-field comparison. A base row that lacks a compared field (an older schema) or holds one
        // more goes the field-by-field way, which is exact for it.
        var comparedNames = "ARRAY[" + string.Join(", ", compared.Select(c => Sql.Literal(c.Name))) + "]::text[]";
        var excluded = SyncLedger.BaseColumns(model).Select(c => c.Name).Except(compared.Select(c => c.Name)).ToList();
        var baseRow = excluded.Count == 0 ? "b.row" : $"(b.row - ARRAY[{string.Join(", ", excluded.Select(Sql.Literal))}]::text[])";
        var backupRow = SyncLedger.Row(compared.Select((c, i) => (c, newValues[i])));
        var targetRow = SyncLedger.Row(compared.Select(c => (c, "x." + Sql.Ident(c.Name))));
        await ExecAsync($"CREATE TEMP TABLE {SidesChanged(name)} ON COMMIT DROP AS SELECT m.line, CASE WHEN b.key IS NULL OR NOT (b.row ?& {comparedNames}) THEN 'both' " +
                        $"WHEN {baseRow} = {backupRow} THEN 'none' WHEN {baseRow} = {targetRow} THEN 'there' ELSE 'both' END AS state " +
                        $"FROM public.{Sql.Ident(name)} x, {Res(name)} v JOIN {Map(name)} m ON m.line = v.line LEFT JOIN {BaseRows(name)} b ON b.key = m.bkey " +
                        $"WHERE m.skip IS NULL AND m.present AND NOT m.inserted AND {rowMatch}", ct);
        await ExecAsync($"DELETE FROM {SidesChanged(name)} WHERE state = 'none'", ct);
        await ExecAsync($"CREATE INDEX ON {SidesChanged(name)} (line)", ct);
        await ExecAsync($"ANALYZE {SidesChanged(name)}", ct);

        var cols = string.Join(", ", compared.Select((_, i) => $"CASE WHEN {Condition(i)} THEN {i} END"));
        await ExecAsync($"CREATE TEMP TABLE {Conflicted(name)} ON COMMIT DROP AS SELECT m.line, array_remove(ARRAY[{cols}], NULL) AS cols " +
                        $"FROM public.{Sql.Ident(name)} x, {Res(name)} v JOIN {Map(name)} m ON m.line = v.line " +
                        $"JOIN {SidesChanged(name)} tw ON tw.line = m.line AND tw.state = 'both' LEFT JOIN {BaseRows(name)} b ON b.key = m.bkey " +
                        $"WHERE m.skip IS NULL AND m.present AND NOT m.inserted AND {rowMatch}", ct);
        await ExecAsync($"DELETE FROM {Conflicted(name)} WHERE cardinality(cols) = 0", ct);
        await ExecAsync($"CREATE INDEX ON {Conflicted(name)} (line)", ct);
        await ExecAsync($"CREATE TEMP TABLE {Decided(name)} (line bigint PRIMARY KEY, takes jsonb NOT NULL, vals jsonb NOT NULL) ON COMMIT DROP", ct);
        if (_hasResolutions)
        {
            await ExecAsync($"INSERT INTO {Decided(name)} SELECT cf.line, jsonb_object_agg(r.column_name, r.take), jsonb_object_agg(r.column_name, coalesce(r.value, 'null'::jsonb)) " +
                            $"FROM {Conflicted(name)} cf JOIN {Map(name)} m ON m.line = cf.line JOIN _resolutions r ON r.table_name = {Sql.Literal(name)} " +
                            $"AND r.key = {KeyText(model, "m")} AND r.column_name <> '' GROUP BY cf.line", ct);
            await MarkResolutionsUsedAsync(model, Conflicted(name), "m", $"JOIN {Map(name)} m ON m.line = h.line", "true", ct, cells: compared);
        }
        // Rows changed on neither side since the base are left out of the write altogether.
        return $" JOIN {SidesChanged(name)} tw ON tw.line = m.line LEFT JOIN {BaseRows(name)} b ON b.key = m.bkey " +
               $"LEFT JOIN {Conflicted(name)} cf ON cf.line = m.line LEFT JOIN {Decided(name)} d ON d.line = m.line";
    }

    /// <summary>
    /// The value a three-way merge writes into a matched row's field: the backup's where only the backup's side changed
    /// the row; else a conflict's decision (or the policy; undecided,
    /// this database's value), else the backup's value where only the backup's side changed, else this database's.
    /// A field the base does not hold (a column added since) compares two ways.
    /// </summary>
    private string ThreeWayValue(TableModel model, ColumnSchema column, int index, string backupValue)
    {
        var x = "x." + Sql.Ident(column.Name);
        var key = Sql.Literal(column.Name);
        var typed = $"(jsonb_populate_record(NULL::public.{Sql.Ident(model.Name)}, jsonb_build_object({key}, d.vals -> {key}))).{Sql.Ident(column.Name)}";
        return $"CASE WHEN tw.state = 'there' THEN {backupValue} WHEN cf.cols @> ARRAY[{index}] THEN (CASE coalesce(d.takes ->> {key}, {Sql.Literal(PolicyTake)}) WHEN {Sql.Literal(ConflictTakeNames.Name(ConflictTake.Backup))} THEN {backupValue} " +
               $"WHEN {Sql.Literal(ConflictTakeNames.Name(ConflictTake.Value))} THEN {typed} ELSE {x} END) " +
               $"WHEN b.key IS NULL OR NOT (b.row ? {key}) THEN {backupValue} " +
               $"WHEN {SyncLedger.Value(column, backupValue)} = b.row -> {key} THEN {x} ELSE {backupValue} END";
    }

    /// <summary>Lists a table's field conflicts with the three values and any decision; returns how many there are and how many are undecided.</summary>
    private async Task<(long All, long Undecided)> ListCellConflictsAsync(TableModel model, IReadOnlyList<ColumnSchema> compared, IReadOnlyList<string> newValues,
        string rowMatch, CancellationToken ct)
    {
        var name = model.Name;
        var names = "ARRAY[" + string.Join(", ", compared.Select(c => Sql.Literal(c.Name))) + "]";
        string Pick(Func<int, string> value) => "CASE i " + string.Concat(compared.Select((_, i) => $"WHEN {i} THEN ({value(i)})::text ")) + "END";
        var baseText = Pick(i => $"CASE WHEN b.row ? {Sql.Literal(compared[i].Name)} THEN {SyncLedger.Display(name, compared[i], "b.row")} END");
        var sql = $"SELECT {KeyText(model, "m")}, ({names})[i + 1], {baseText}, {Pick(i => "x." + Sql.Ident(compared[i].Name))}, {Pick(i => newValues[i])}, " +
                  $"d.takes ->> ({names})[i + 1], (d.vals -> ({names})[i + 1])::text, count(*) OVER () " +
                  $"FROM {Conflicted(name)} cf CROSS JOIN LATERAL unnest(cf.cols) AS i JOIN {Map(name)} m ON m.line = cf.line JOIN {Res(name)} v ON v.line = m.line " +
                  $"JOIN public.{Sql.Ident(name)} x ON {rowMatch} LEFT JOIN {BaseRows(name)} b ON b.key = m.bkey LEFT JOIN {Decided(name)} d ON d.line = cf.line " +
                  $"ORDER BY m.line, i LIMIT {Math.Max(0, ImportReport.ListedConflicts - _report.Conflicts.Count) + 1}";
        long all = 0;
        await using (var cmd = new NpgsqlCommand(sql, conn, _tx) { CommandTimeout = 0 })
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                all = reader.GetInt64(7);
                var taken = reader.IsDBNull(5) ? PolicyTaken : ParseTake(reader.GetString(5));
                if (_report.Conflicts.Count >= ImportReport.ListedConflicts) continue;
                _report.Conflicts.Add(new MergeConflict(name, reader.GetString(0), reader.GetString(1), ConflictKind.BothChanged,
                    Text(reader, 2), Text(reader, 3), Text(reader, 4))
                {
                    Taken = taken, Value = taken == ConflictTake.Value ? Text(reader, 6) : null,
                });
            }
        var undecided = options.OnConflict != ConflictPolicy.Fail ? 0 : await ScalarAsync(
            $"SELECT count(*) FROM {Conflicted(name)} cf CROSS JOIN LATERAL unnest(cf.cols) AS i LEFT JOIN {Decided(name)} d ON d.line = cf.line " +
            $"WHERE NOT coalesce(d.takes ? ({names})[i + 1], false)", ct);
        return (all, undecided);
    }

    /// <summary>
    /// Rows of this database that the base holds and the backup does not: deleted in the backup's instance since the
    /// base. Untouched here, they are deleted with apply-deletes (listed otherwise); changed here, they are a conflict.
    /// </summary>
    private async Task<(long DeletedThere, long Conflicts)> FindDeletedThereAsync(TableModel model, IReadOnlyList<ColumnSchema> compared, CancellationToken ct)
    {
        var name = model.Name;
        var keyColumns = string.Concat(model.Profile.NaturalKey.Select((k, i) => $", x.{Sql.Ident(k.Column)} AS k{i}"));
        var changed = ChangedSince(compared, c => "x." + Sql.Ident(c.Name), "b");
        // The base keys the backup lacks first (an anti-join, usually few), then their rows here: through the key
        // columns' own index where a part can be read back from the ledger key as its type, and the ledger key
        // compared as well, which keeps the match exact.
        var lookup = string.Concat(model.Profile.NaturalKey.Select((k, i) => model.Schema.Column(k.Column)! is var c &&
                                                                           c.Type != "timestamp with time zone" && !c.IsJsonb && !c.IsArray && !c.IsComposite
            ? $" AND x.{Sql.Ident(k.Column)} = (g.key ->> {i})::{c.Type}" : ""));
        await ExecAsync($"CREATE TEMP TABLE {Gone(name)} ON COMMIT DROP AS SELECT b.key{keyColumns}, {changed} AS changed, NULL::text AS take, false AS del " +
                        $"FROM (SELECT b.key FROM {BaseRows(name)} b WHERE NOT EXISTS (SELECT 1 FROM {Map(name)} m WHERE m.bkey = b.key)) g " +
                        $"JOIN {BaseRows(name)} b ON b.key = g.key " +
                        $"JOIN public.{Sql.Ident(name)} x ON {SyncLedger.Key(model, i => "x." + Sql.Ident(model.Profile.NaturalKey[i].Column))} = g.key{lookup}", ct);
        return await DecideDeletedThereAsync(model, Gone(name), "h", "", "", "1", ct);
    }

    /// <summary>
    /// Rows deleted in the backup's instance (alias h in <paramref name="rows"/>, with changed/take/del columns; their
    /// key text from <paramref name="keyAlias"/>, joined by <paramref name="from"/> and <paramref name="where"/>):
    /// those changed here are conflicts a decision or the policy settles, the others go with apply-deletes. Counts the
    /// undecided, notes the table for deletion, returns the unchanged rows and the conflicts.
    /// </summary>
    private async Task<(long DeletedThere, long Conflicts)> DecideDeletedThereAsync(TableModel model, string rows, string keyAlias, string from,
        string where, string order, CancellationToken ct)
    {
        var name = model.Name;
        if (_hasResolutions)
            await ExecAsync($"UPDATE {rows} h SET take = r.take FROM _resolutions r{from} WHERE h.changed{where} AND r.table_name = {Sql.Literal(name)} " +
                            $"AND r.column_name = '' AND r.key = {KeyText(model, keyAlias)}", ct);
        await MarkResolutionsUsedAsync(model, rows, keyAlias, from.Length == 0 ? "" : $"JOIN {Map(name)} m ON m.line = h.line", "h.changed", ct);
        await ExecAsync($"UPDATE {rows} SET del = CASE WHEN changed THEN {TakesBackup("take")} ELSE {(options.ApplyDeletes ? "true" : "false")} END", ct);
        await ListRowConflictsAsync(model, ConflictKind.ChangedHereDeletedThere,
            $"SELECT {KeyText(model, keyAlias)}, h.take FROM {rows} h{from} WHERE h.changed{where} ORDER BY {order}", ct);
        _report.Undecided += await UndecidedRowConflictsAsync(rows, ct);
        if (await ScalarAsync($"SELECT count(*) FROM {rows} WHERE del", ct) > 0) _deletions.Add(name);
        return (await ScalarAsync($"SELECT count(*) FROM {rows} WHERE NOT changed", ct),
                await ScalarAsync($"SELECT count(*) FROM {rows} WHERE changed", ct));
    }

    /// <summary>SQL: whether a row-level decision (column <paramref name="take"/>, NULL when undecided) or else the policy takes the backup's side.</summary>
    private string TakesBackup(string take) =>
        $"coalesce({take}, {Sql.Literal(PolicyTake)}) = {Sql.Literal(ConflictTakeNames.Name(ConflictTake.Backup))}";

    /// <summary>
    /// Deletes what the merge decided to delete, children before parents (reverse plan order), after every table is
    /// written. A row something here still links to is refused by the database and named.
    /// </summary>
    private async Task ApplyDeletionsAsync(CancellationToken ct)
    {
        foreach (var model in _prepared.Plan.Order.AsEnumerable().Reverse().Where(m => _deletions.Contains(m.Name)))
        {
            At(BackupPhase.Write, model.Name);
            var key = SyncLedger.Key(model, i => "x." + Sql.Ident(model.Profile.NaturalKey[i].Column));
            var deleted = _tombstoneMatch.TryGetValue(model.Name, out var match)
                ? await ExecAsync($"DELETE FROM public.{Sql.Ident(model.Name)} x USING {Tombstones(model.Name)} h JOIN {Map(model.Name)} m ON m.line = h.line WHERE h.del AND {match}", ct)
                : await ExecAsync($"DELETE FROM public.{Sql.Ident(model.Name)} x USING {Gone(model.Name)} g WHERE g.del AND {key} = g.key", ct);
            _report.Counts[model.Name] = _report.Counts[model.Name] with { Deleted = deleted };
        }
    }

    /// <summary>Keeps a written table's backup rows (in this database's terms) as the base of the next exchange.</summary>
    private async Task RecordBaseRowsAsync(TableModel model, IEnumerable<ColumnSchema> written, CancellationToken ct)
    {
        if (_recording is not { } exchange) return;
        var name = model.Name;
        var kept = SyncLedger.BaseColumns(model).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var row = SyncLedger.Row(written.Where(c => kept.Contains(c.Name) && !_prepared.Plan.IsDeferred(name, c.Name)).Select(c => (c, "v." + Sql.Ident(c.Name))));
        _recordedRows += await ExecAsync($"INSERT INTO {SyncLedger.Schema}.sync_base_rows (exchange_id, table_name, key, row) " +
                        $"SELECT {exchange}, {Sql.Literal(name)}, m.bkey, {row} FROM {Res(name)} v JOIN {Map(name)} m ON m.line = v.line " +
                        $"WHERE m.skip IS NULL", ct);
        await CarryChainBaseRowsAsync(model, ct);
    }

    /// <summary>Importing a differential: the rows it did not carry are kept as they were in its base, less those it tombstones.</summary>
    private async Task CarryChainBaseRowsAsync(TableModel model, CancellationToken ct)
    {
        if (_recording is not { } exchange || _chainBase is not { } chain) return;
        var name = model.Name;
        _recordedRows += await ExecAsync($"INSERT INTO {SyncLedger.Schema}.sync_base_rows (exchange_id, table_name, key, row) " +
                            $"SELECT {exchange}, p.table_name, p.key, p.row FROM {SyncLedger.Schema}.sync_base_rows p " +
                            $"WHERE p.exchange_id = {chain} AND p.table_name = {Sql.Literal(name)} " +
                            $"AND NOT EXISTS (SELECT 1 FROM {Map(name)} m WHERE m.bkey = p.key AND (m.line >= 0 OR m.line < {TombstoneLines}))", ct);
    }

    /// <summary>The run is about to commit: old bases are let go, and decisions that matched no conflict are reported.</summary>
    private async Task CloseLedgerAsync(CancellationToken ct)
    {
        if (_recording is { } exchange)
        {
            await SyncLedger.CountRowsAsync(conn, _tx, exchange, _recordedRows, ct);
            await SyncLedger.PruneAsync(conn, _tx, ct);
        }
        if (!_hasResolutions) return;
        await CollectAsync("SELECT table_name || ' ' || key || coalesce(' ' || nullif(column_name, ''), '') FROM _resolutions WHERE NOT used ORDER BY 1", ct, what =>
            _report.Warnings.Add(BackupIssue.Warning(IssueCode.UnknownResolution,
                $"The decision for {what} matches no conflict of this merge; it was not used.",
                "Run the dry run again and decide the conflicts it lists now (the databases may have changed since).")));
    }

    private async Task MarkResolutionsUsedAsync(TableModel model, string rows, string keyAlias, string join, string where, CancellationToken ct,
        IReadOnlyList<ColumnSchema>? cells = null)
    {
        if (!_hasResolutions) return;
        var column = cells is null ? "r.column_name = ''"
            : $"r.column_name = ANY(SELECT (ARRAY[{string.Join(", ", cells.Select(c => Sql.Literal(c.Name)))}])[i + 1] FROM unnest(h.cols) AS i)";
        await ExecAsync($"UPDATE _resolutions r SET used = true FROM {rows} h {join} WHERE {where} AND r.table_name = {Sql.Literal(model.Name)} " +
                        $"AND r.key = {KeyText(model, keyAlias)} AND {column}", ct);
    }

    private async Task ListRowConflictsAsync(TableModel model, ConflictKind kind, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, _tx) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (_report.Conflicts.Count >= ImportReport.ListedConflicts) break;
            var taken = reader.IsDBNull(1) ? PolicyTaken : ParseTake(reader.GetString(1));
            _report.Conflicts.Add(new MergeConflict(model.Name, reader.GetString(0), null, kind, null, null, null) { Taken = taken });
        }
    }

    private async Task<long> UndecidedRowConflictsAsync(string rows, CancellationToken ct) =>
        options.OnConflict != ConflictPolicy.Fail ? 0 : await ScalarAsync($"SELECT count(*) FROM {rows} WHERE changed AND take IS NULL", ct);

    /// <summary>SQL: whether a row's values (as <paramref name="value"/> gives them) differ from its base row in a field the base holds.</summary>
    private static string ChangedSince(IReadOnlyList<ColumnSchema> compared, Func<ColumnSchema, string> value, string baseAlias) =>
        compared.Count == 0 ? "false"
            : "(" + string.Join(" OR ", compared.Select(c =>
                $"({baseAlias}.row ? {Sql.Literal(c.Name)} AND {SyncLedger.Value(c, value(c))} <> {baseAlias}.row -> {Sql.Literal(c.Name)})")) + ")";

    private static ConflictTake ParseTake(string wire) =>
        ConflictTakeNames.TryParse(wire, out var take) ? take : throw new InvalidOperationException($"unknown take '{wire}'");

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
