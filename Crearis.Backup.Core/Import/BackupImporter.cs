using System.Diagnostics;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// Imports a backup into a Crearis database: rows matched by natural keys (never by surrogate ids), every reference
/// translated source id → natural key → target id, cycles closed by late seeding, the whole run in one transaction with
/// a savepoint per phase. Rows are staged with binary COPY and written with set-based SQL.
/// </summary>
public static class BackupImporter
{
    public static async Task<ImportResult> ImportAsync(string connectionString, IBackupSource source, ImportOptions options,
        BackupProfile? profile = null, IProgress<BackupProgress>? progress = null, CancellationToken ct = default, ILogger? logger = null)
    {
        profile ??= CrearisProfile.Default;
        // Errors must name the conflicting value ("Key (extmail)=(…) already exists"): the admin runs this on their
        // own database, so the server's detail is theirs to see.
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { IncludeErrorDetail = true }.ConnectionString);
        await conn.OpenAsync(ct);
        var session = new ImportSession(conn, source, options, profile, progress, logger ?? NullLogger.Instance);
        return await session.RunAsync(ct);
    }

    /// <summary>
    /// Opens a backup file of either format — verifying it whole first, against the target's catalog — and imports it.
    /// A file that fails verification is refused before anything is written.
    /// </summary>
    public static async Task<ImportResult> ImportFileAsync(string connectionString, string path, ImportOptions options,
        BackupProfile? profile = null, IProgress<BackupProgress>? progress = null, CancellationToken ct = default, ILogger? logger = null)
    {
        DatabaseCatalog catalog;
        await using (var conn = new NpgsqlConnection(connectionString))
        {
            await conn.OpenAsync(ct);
            catalog = await DatabaseCatalog.ReadAsync(conn, ct: ct);
        }
        var opened = await BackupFiles.OpenAsync(path, catalog, ct);
        if (opened.Source is null) return ImportResult.Refused(options, opened.Verification.Format, opened.Verification.Issues);
        await using var source = opened.Source;
        return await ImportAsync(connectionString, source, options, profile, progress, ct, logger);
    }
}

internal sealed class ImportSession(
    NpgsqlConnection conn,
    IBackupSource source,
    ImportOptions options,
    BackupProfile profile,
    IProgress<BackupProgress>? progress,
    ILogger log)
{
    private readonly ILogger _log = log;
    private const int ListedPerCode = 50;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<BackupIssue> _errors = [];
    private readonly List<BackupIssue> _warnings = [];
    private readonly Dictionary<string, TableCounts> _counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _missing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _mapped = new(StringComparer.Ordinal);
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private NpgsqlTransaction _tx = null!;
    private IDbContextTransaction _phases = null!;
    private DatabaseCatalog _catalog = null!;
    private ImportPlan _plan = null!;
    private Dictionary<string, TableModel> _models = null!;
    private HashSet<string> _selected = null!;
    private ProgressTracker _tracker = null!;
    private ReferenceSql _refs = null!;
    private bool _skipped;
    private readonly HashSet<string> _keyHints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _carried = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ChangeExample>> _examples = new(StringComparer.Ordinal);
    private const int ExamplesPerTable = 3;
    private DatabaseErrors _describe = null!;
    // Where the run is, so that an abort names the phase, table and column it stopped at.
    private string _phase = "stage";
    private string? _table;
    private string? _column;
    private ImportStop? _stoppedAt;

    public async Task<ImportResult> RunAsync(CancellationToken ct)
    {
        _catalog = await DatabaseCatalog.ReadAsync(conn, ct: ct);
        if (!Prepare()) return Result(ImportOutcome.Refused);
        _describe = new DatabaseErrors(conn, () => _tx?.Connection is null ? null : _tx, t => _models.GetValueOrDefault(t));

        await using var db = ImportDbContext.Over(conn);
        _phases = await db.Database.BeginTransactionAsync(ct);
        _tx = (NpgsqlTransaction)_phases.GetDbTransaction();
        try
        {
            // A normal search_path: the platform's generated columns call functions that read tables unqualified.
            await ExecAsync("SET LOCAL search_path = public", ct);
            // The generated statements are wide (one expression per column and reference); compiling them with JIT
            // costs seconds and gains nothing on tables of this size.
            await ExecAsync("SET LOCAL jit = off", ct);
            var inBackup = _plan.Order.Where(t => source.Summary.Tables.Any(s => s.Table == t.Name)).ToList();
            foreach (var model in inBackup)
            {
                At("stage", model.Name);
                await StageAsync(model, ct);
            }

            foreach (var model in _plan.Order)
            {
                At(_selected.Contains(model.Name) ? "write" : "map", model.Name);
                await _phases.CreateSavepointAsync("phase_" + model.Name, ct);
                await RunTableAsync(model, write: _selected.Contains(model.Name), ct);
                await LateSeedAsync(model, ct);
                await _phases.ReleaseSavepointAsync("phase_" + model.Name, ct);
            }
            At("derived", null);
            await RestoreDerivedAsync(ct);

            if (_errors.Count > 0 && !options.ContinueOnError)
            {
                await _phases.RollbackAsync(ct);
                return Result(ImportOutcome.Failed);
            }
            if (options.DryRun)
            {
                await _phases.RollbackAsync(ct);
                return Result(ImportOutcome.DryRun);
            }
            At("commit", null);
            await _phases.CommitAsync(ct);
            return Result(_skipped || _errors.Count > 0 ? ImportOutcome.AppliedWithSkips : ImportOutcome.Applied);
        }
        catch (PostgresException e)
        {
            await _phases.RollbackAsync(CancellationToken.None);
            _errors.Add(await _describe.DescribeAsync(e, _phase, _table, _column, ct: CancellationToken.None));
            return Stopped();
        }
        catch (ImportAbortedException)
        {
            await _phases.RollbackAsync(CancellationToken.None);
            return Stopped();
        }
        catch (OperationCanceledException)
        {
            await _phases.RollbackAsync(CancellationToken.None);
            _errors.Add(BackupIssue.Error("CANCELLED", "The import was cancelled; everything was rolled back.", phase: _phase, table: _table));
            return Stopped();
        }
    }

    private void At(string phase, string? table, string? column = null) => (_phase, _table, _column) = (phase, table, column);

    /// <summary>An aborted run: rolled back, and the result says where it stopped and which tables it never reached.</summary>
    private ImportResult Stopped()
    {
        _stoppedAt = new ImportStop(_phase, _table);
        return Result(ImportOutcome.Failed);
    }

    // ---------------------------------------------------------------- preparation

    private bool Prepare()
    {
        var backupTables = source.Summary.Tables.Select(t => t.Table).ToHashSet(StringComparer.Ordinal);
        var selectionIssues = new List<BackupIssue>();
        var selected = TableSelection.Resolve(profile, options.Tables, options.Exclude, selectionIssues);
        _errors.AddRange(selectionIssues);
        selected.IntersectWith(backupTables);

        var (models, issues) = TableModelBuilder.Build(_catalog, profile);
        _errors.AddRange(issues.Where(i => selected.Contains(i.Table ?? "") || i.Table is null));
        if (_errors.Count > 0) return false;
        _models = models.ToDictionary(m => m.Name, StringComparer.Ordinal);

        // Every table a selected table refers to must be selected too, or be in the backup so its rows can be found
        // in the target by natural key; otherwise its references cannot be translated.
        while (true)
        {
            var missing = new SortedSet<string>(StringComparer.Ordinal);
            var addable = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var name in selected)
            {
                foreach (var target in _models[name].References.SelectMany(r => r.TargetTables)
                             .Concat(_models[name].Profile.NaturalKey.Where(k => k.ReferencedTable is not null).Select(k => k.ReferencedTable!)))
                {
                    if (selected.Contains(target) || !_models.ContainsKey(target)) continue;
                    if (backupTables.Contains(target)) addable.Add(target);
                    else missing.Add($"{target} (referenced by {name})");
                }
            }
            if (options.WithDependencies && addable.Count > 0)
            {
                selected.UnionWith(addable);
                continue;
            }
            if (missing.Count > 0)
            {
                _errors.Add(BackupIssue.Error("DEPENDENCY_MISSING",
                    $"The selected tables refer to tables the backup does not hold: {string.Join(", ", missing)}.",
                    "Export those tables too (or the whole profile), or leave out the tables that refer to them.", phase: "validate"));
                return false;
            }
            break;
        }
        _selected = selected;

        // The backup's columns must still exist with the same types, or their values would be lost or misread.
        foreach (var table in source.Summary.Tables.Where(t => selected.Contains(t.Table) && t.Columns is not null))
        {
            var schema = _models[table.Table].Schema;
            foreach (var (column, type) in table.Columns!)
            {
                if (schema.Column(column) is not { } live)
                    _errors.Add(BackupIssue.Error("SCHEMA_COLUMN_MISSING",
                        $"The backup holds {table.Table}.{column} ({type}), which this database does not have; its values would be lost.",
                        $"Bring the database's schema up to date, or leave {table.Table} out with --exclude.", table.Table, column: column, phase: "validate"));
                else if (!string.Equals(live.Type, type, StringComparison.Ordinal))
                    _errors.Add(BackupIssue.Error("SCHEMA_TYPE_CHANGED",
                        $"{table.Table}.{column} is {type} in the backup but {live.Type} in this database.",
                        $"Bring the two schemas to the same version, or leave {table.Table} out with --exclude.", table.Table, column: column, phase: "validate"));
            }
        }
        if (_errors.Count > 0) return false;

        // Tables that are only read (to translate references) must also be in the backup.
        var needed = _models.Values.Where(m => backupTables.Contains(m.Name)).ToList();
        _plan = ImportPlanner.Plan(needed);
        _refs = new ReferenceSql(t => _mapped.Contains(t), SingleKeyOf,
            t => _models.TryGetValue(t, out var m) && m.IdColumn is not null && m.Schema.Column(m.IdColumn)!.TypeCategory == 'N');
        _tracker = new ProgressTracker(progress,
            source.Summary.Tables.Where(t => _models.ContainsKey(t.Table)).Sum(t => t.Rows) * 2);
        return true;
    }

    private (string Key, string Id)? SingleKeyOf(string table) =>
        _models.TryGetValue(table, out var m) && m.Profile.NaturalKey.Count == 1 && m.IdColumn is not null
            ? (m.Profile.NaturalKey[0].Column, m.IdColumn)
            : null;

    // ---------------------------------------------------------------- staging

    private static string Stage(string table) => Sql.Ident("_stage_" + table);
    private static string Rec(string table) => Sql.Ident("_rec_" + table);
    private static string Res(string table) => Sql.Ident("_res_" + table);
    private static string Map(string table) => ReferenceSql.Map(table);

    private async Task StageAsync(TableModel model, CancellationToken ct)
    {
        var total = source.Summary.Tables.First(t => t.Table == model.Name).Rows;
        await ExecAsync($"CREATE TEMP TABLE {Stage(model.Name)} (line bigint PRIMARY KEY, doc jsonb NOT NULL) ON COMMIT DROP", ct);
        long rows = 0;
        await using (var copy = await conn.BeginBinaryImportAsync($"COPY {Stage(model.Name)} (line, doc) FROM STDIN (FORMAT BINARY)", ct))
        {
            await foreach (var row in source.ReadRowsAsync(model.Name, ct))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(row.Line, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(row.Json, NpgsqlDbType.Jsonb, ct);
                rows++;
                _tracker.Report("stage", model.Name, rows, total, 1);
            }
            await copy.CompleteAsync(ct);
        }

        // Which columns the backup carries at all: a column no row holds is never written — an insert leaves it to the
        // target's default and the platform's triggers, a merge keeps the target's value. Links the original format
        // carries by natural key ("$ref") count as carried.
        var carried = new HashSet<string>(StringComparer.Ordinal);
        await using (var keysCmd = new NpgsqlCommand(
            $"SELECT DISTINCT k FROM {Stage(model.Name)} s, jsonb_object_keys(s.doc) k WHERE k NOT LIKE '$%' " +
            $"UNION SELECT DISTINCT k FROM {Stage(model.Name)} s, jsonb_object_keys(CASE jsonb_typeof(s.doc -> '$ref') WHEN 'object' THEN s.doc -> '$ref' ELSE '{{}}' END) k", conn, _tx))
        await using (var keysReader = await keysCmd.ExecuteReaderAsync(ct))
            while (await keysReader.ReadAsync(ct)) carried.Add(keysReader.GetString(0));
        _carried[model.Name] = carried;

        // Typed rows: the server parses every value by the target column's type.
        var refColumns = model.References.Where(r => r.Shape == ReferenceShape.Scalar)
            .Select(r => $", s.doc -> '$ref' -> {Sql.Literal(r.Column)} AS {Sql.Ident("ref__" + r.Column)}");
        try
        {
            await _phases.CreateSavepointAsync("stage_parse", ct);
            await ExecAsync(
                $"CREATE TEMP TABLE {Rec(model.Name)} ON COMMIT DROP AS SELECT s.line{string.Concat(refColumns)}, r.* " +
                $"FROM {Stage(model.Name)} s CROSS JOIN LATERAL jsonb_populate_record(NULL::public.{Sql.Ident(model.Name)}, s.doc - '$ref' - '$jsonnull') r", ct);
            await _phases.ReleaseSavepointAsync("stage_parse", ct);
        }
        catch (PostgresException e)
        {
            await _phases.RollbackToSavepointAsync("stage_parse", ct);
            await DiagnoseParseAsync(model, e, ct);
            throw new ImportAbortedException();
        }
        foreach (var column in model.Schema.Writable.Where(c => c.IsJsonb))
        {
            await ExecAsync($"UPDATE {Rec(model.Name)} r SET {Sql.Ident(column.Name)} = 'null'::jsonb FROM {Stage(model.Name)} s " +
                            $"WHERE s.line = r.line AND s.doc -> '$jsonnull' ? {Sql.Literal(column.Name)}", ct);
        }
        foreach (var reference in model.References.Where(r => r.Shape == ReferenceShape.Scalar))
        {
            if (await ScalarAsync($"SELECT count(*) FROM (SELECT 1 FROM {Rec(model.Name)} WHERE {Sql.Ident("ref__" + reference.Column)} IS NOT NULL LIMIT 1) h", ct) > 0)
                _keyHints.Add(model.Name + "." + reference.Column);
        }
        await ExecAsync($"DROP TABLE {Stage(model.Name)}", ct);
        await ExecAsync($"CREATE INDEX ON {Rec(model.Name)} (line)", ct);
    }

    /// <summary>A value the server could not parse: find the row(s) one by one to name them.</summary>
    private async Task DiagnoseParseAsync(TableModel model, PostgresException first, CancellationToken ct)
    {
        var found = 0;
        await using var cmd = new NpgsqlCommand($"SELECT line, doc::text FROM {Stage(model.Name)} ORDER BY line", conn, _tx);
        var rows = new List<(long, string)>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        foreach (var (line, doc) in rows)
        {
            await _phases.CreateSavepointAsync("parse_row", ct);
            try
            {
                await using var probe = new NpgsqlCommand(
                    $"SELECT 1 FROM jsonb_populate_record(NULL::public.{Sql.Ident(model.Name)}, $1::jsonb - '$ref' - '$jsonnull')", conn, _tx);
                probe.Parameters.AddWithValue(doc);
                await probe.ExecuteScalarAsync(ct);
                await _phases.ReleaseSavepointAsync("parse_row", ct);
            }
            catch (PostgresException e)
            {
                await _phases.RollbackToSavepointAsync("parse_row", ct);
                _errors.Add(BackupIssue.Error("BAD_VALUE", $"{model.Name} row {line}: {e.MessageText}",
                    "The backup holds a value this database's column type does not accept; check the schema versions.",
                    model.Name, $"line {line}", e.ColumnName, phase: "stage"));
                if (++found >= ListedPerCode) break;
            }
        }
        if (found == 0)
            _errors.Add(await _describe.DescribeAsync(first, "stage", model.Name, ct: ct));
    }

    // ---------------------------------------------------------------- one table

    private sealed record KeyExpr(string Sql, bool IsReference, bool Nullable);

    private async Task RunTableAsync(TableModel model, bool write, CancellationToken ct)
    {
        var name = model.Name;
        var total = source.Summary.Tables.First(t => t.Table == name).Rows;
        var summary = source.Summary.Tables.First(t => t.Table == name);
        var id = model.IdColumn;
        var idType = id is null ? "bigint" : model.Schema.Column(id)!.Type;
        var keys = model.Profile.NaturalKey.Select(k => new KeyExpr(
            k.ReferencedTable is null ? "r." + Sql.Ident(k.Column)
                : _refs.Resolve(ReferenceSpec.To(k.Column, k.ReferencedTable), k.Column, "integer", keyHint: _keyHints.Contains(name + "." + k.Column)),
            k.ReferencedTable is not null, model.Schema.Column(k.Column)!.IsNullable)).ToList();

        // The id map of this table: one row per backup row, with its natural key resolved in the target's terms.
        var keyColumns = string.Concat(keys.Select((k, i) => $", {k.Sql} AS k{i}"));
        var src = id is null ? "NULL::bigint" : $"r.{Sql.Ident(id)}";
        await ExecAsync(
            $"CREATE TEMP TABLE {Map(name)} ON COMMIT DROP AS SELECT r.line, {src} AS src, NULL::{idType} AS dst, " +
            $"false AS present, false AS inserted, false AS changed, false AS lossy, NULL::text AS skip{keyColumns} FROM {Rec(name)} r", ct);

        await ValidateKeysAsync(model, keys, write, ct);

        var match = string.Join(" AND ", keys.Select((k, i) =>
        {
            var column = "x." + Sql.Ident(model.Profile.NaturalKey[i].Column);
            // "=" lets PostgreSQL hash or index the match; IS NOT DISTINCT FROM would make it compare every pair.
            // A one-column key is never NULL here (such rows were set aside as KEY_NULL), so "=" is exact.
            return k.Nullable && keys.Count > 1 ? $"{column} IS NOT DISTINCT FROM m.k{i}" : $"{column} = m.k{i}";
        }));
        var dst = id is null ? "NULL" : "x." + Sql.Ident(id);
        await ExecAsync($"UPDATE {Map(name)} m SET present = true, dst = {dst} FROM public.{Sql.Ident(name)} x WHERE m.skip IS NULL AND {match}", ct);
        await ExecAsync($"CREATE INDEX ON {Map(name)} (src)", ct);
        await ExecAsync($"CREATE INDEX ON {Map(name)} (line)", ct);
        await ExecAsync($"ANALYZE {Map(name)}", ct);
        _mapped.Add(name);
        _tracker.Report("map", name, total, total, write ? 0 : total);

        if (!write) return;

        // Values to write, references translated; deferred references wait for the late-seeding pass.
        var carried = _carried.GetValueOrDefault(name) ?? [];
        var writable = model.Schema.Writable.Where(c => !(model.HasSurrogateId && c.Name == id) && carried.Contains(c.Name)).ToList();
        var select = new List<string>();
        var unresolved = new List<(ReferenceSpec Ref, string Flag)>();
        foreach (var column in writable)
        {
            var reference = model.ReferenceOf(column.Name);
            string value;
            if (reference is null && column.Name == id && model.KeepsSourceIdWhenFree)
            {
                // A text surrogate (pages.id, a uuid): the source's id is kept where the target does not use it for
                // another row; otherwise the target makes a new one. References reach it through the id map.
                value = $"CASE WHEN r.{Sql.Ident(id)} IS NULL OR EXISTS (SELECT 1 FROM public.{Sql.Ident(name)} t WHERE t.{Sql.Ident(id)} = r.{Sql.Ident(id)}) " +
                        $"THEN {column.Default} ELSE r.{Sql.Ident(id)} END";
            }
            else if (reference is null) value = "r." + Sql.Ident(column.Name);
            else if (_plan.IsDeferred(name, column.Name)) value = $"NULL::{column.Type}";
            else
            {
                value = ResolveExpression(model, reference, column);
                var flag = "unres__" + column.Name;
                select.Add($"{_refs.Unresolved(reference, column.Name, value)} AS {Sql.Ident(flag)}");
                unresolved.Add((reference, flag));
            }
            select.Add($"{value} AS {Sql.Ident(column.Name)}");
        }
        await ExecAsync($"CREATE TEMP TABLE {Res(name)} ON COMMIT DROP AS SELECT r.line, {string.Join(", ", select)} FROM {Rec(name)} r", ct);
        await ExecAsync($"CREATE INDEX ON {Res(name)} (line)", ct);
        foreach (var (reference, flag) in unresolved)
            await ReportUnresolvedAsync(model, reference, flag, summary, ct);

        var insertColumns = string.Join(", ", writable.Select(c => Sql.Ident(c.Name)));
        var insertValues = string.Join(", ", writable.Select(c => "v." + Sql.Ident(c.Name)));
        var newRows = $"FROM {Res(name)} v JOIN {Map(name)} m ON m.line = v.line WHERE m.skip IS NULL AND NOT m.present";
        var inserted = await ApplyAsync(model,
            filter => $"INSERT INTO public.{Sql.Ident(name)} ({insertColumns}) SELECT {insertValues} {newRows}{filter} ORDER BY v.line", newRows, ct);

        // The rows just written get their target ids.
        await ExecAsync($"UPDATE {Map(name)} m SET present = true, inserted = true, dst = {dst} FROM public.{Sql.Ident(name)} x " +
                        $"WHERE m.skip IS NULL AND NOT m.present AND {match}", ct);

        long updated = 0;
        if (options.Mode == ImportMode.Merge)
        {
            var keyColumnNames = model.Profile.NaturalKey.Select(k => k.Column).ToHashSet(StringComparer.Ordinal);
            var compared = writable.Where(c => c.Name != id && !keyColumnNames.Contains(c.Name) &&
                                               !model.Profile.IsDerived(c.Name) && !_plan.IsDeferred(name, c.Name)).ToList();
            if (compared.Count > 0)
            {
                var targetColumns = string.Join(", ", compared.Select(c => Sql.Ident(c.Name)));
                // A link the backup cannot resolve (its target row is not in the file) keeps the target's value.
                var newValues = string.Join(", ", compared.Select(c => MergedValue(c, unresolved.Any(u => u.Ref.Column == c.Name))));
                var oldValues = string.Join(", ", compared.Select(c => "x." + Sql.Ident(c.Name)));
                var rowMatch = id is null ? match : $"x.{Sql.Ident(id)} = m.dst";
                await CollectExamplesAsync(model, compared, newValues, rowMatch, ct);
                var matched = $"FROM {Res(name)} v JOIN {Map(name)} m ON m.line = v.line WHERE m.skip IS NULL AND m.present AND NOT m.inserted";
                updated = await ApplyAsync(model, filter =>
                    $"WITH changed AS (UPDATE public.{Sql.Ident(name)} x SET ({targetColumns}) = ROW({newValues}) " +
                    $"{matched} AND {rowMatch} AND ROW({oldValues}) IS DISTINCT FROM ROW({newValues}){filter} " +
                    $"RETURNING m.line) UPDATE {Map(name)} mm SET changed = true FROM changed c WHERE mm.line = c.line", matched, ct);
            }
        }
        _written.Add(name);
        var skipped = await ScalarAsync($"SELECT count(*) FROM {Map(name)} WHERE skip IS NOT NULL", ct);
        _counts[name] = new TableCounts
        {
            Total = total, Inserted = inserted, Updated = updated, Skipped = skipped,
            Unchanged = total - inserted - updated - skipped,
        };
        if (skipped > 0) _skipped = true;
        _tracker.Report("write", name, total, total, total);
        await ListMissingAsync(model, ct);
    }

    /// <summary>
    /// The value a merge writes into a column: the backup's, except where the backup cannot say more than the target
    /// holds — a link it cannot resolve keeps the target's link; from the original format, a timestamp it carries only
    /// to the millisecond (JavaScript dates) or a text it wrote as a number keeps the target's value where both agree.
    /// </summary>
    private string MergedValue(ColumnSchema column, bool isReference)
    {
        var (x, v) = ("x." + Sql.Ident(column.Name), "v." + Sql.Ident(column.Name));
        if (isReference) return $"CASE WHEN v.{Sql.Ident("unres__" + column.Name)} THEN {x} ELSE {v} END";
        if (source.Summary.Format != BackupFormat.Original) return v;
        if (column.Type.StartsWith("timestamp", StringComparison.Ordinal))
            return $"CASE WHEN date_trunc('milliseconds', {x}) = {v} THEN {x} ELSE {v} END";
        // The original exporter wrote numeric-looking text as a number ('01097' → 1097): the same number is no change.
        if (column.IsText && !column.IsArray)
            return $"CASE WHEN {x} ~ '^-?[0-9]{{1,30}}([.][0-9]{{1,30}})?$' AND {v} ~ '^-?[0-9]{{1,30}}([.][0-9]{{1,30}})?$' " +
                   $"AND {x}::numeric = {v}::numeric THEN {x} ELSE {v} END";
        return v;
    }

    /// <summary>Before the merge writes, keeps a few rows it will change, with each changed field before → after.</summary>
    private async Task CollectExamplesAsync(TableModel model, List<ColumnSchema> compared, string newValues, string rowMatch, CancellationToken ct)
    {
        var name = model.Name;
        var diff = string.Join(" || ", compared.Select(c =>
            $"jsonb_build_object({Sql.Literal(c.Name)}, CASE WHEN x.{Sql.Ident(c.Name)} IS DISTINCT FROM v.{Sql.Ident(c.Name)} " +
            $"THEN jsonb_build_array(x.{Sql.Ident(c.Name)}::text, v.{Sql.Ident(c.Name)}::text) END)"));
        var oldValues = string.Join(", ", compared.Select(c => "x." + Sql.Ident(c.Name)));
        var sql = $"SELECT {KeyText(model, "m")}, jsonb_strip_nulls({diff})::text FROM public.{Sql.Ident(name)} x, {Res(name)} v JOIN {Map(name)} m ON m.line = v.line " +
                  $"WHERE m.skip IS NULL AND m.present AND NOT m.inserted AND {rowMatch} AND ROW({oldValues}) IS DISTINCT FROM ROW({newValues}) " +
                  $"ORDER BY m.line LIMIT {ExamplesPerTable}";
        var examples = new List<ChangeExample>();
        await using var cmd = new NpgsqlCommand(sql, conn, _tx) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(reader.GetString(1));
            var changes = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name,
                p => (p.Value[0].ValueKind == System.Text.Json.JsonValueKind.Null ? null : p.Value[0].GetString(),
                      p.Value[1].ValueKind == System.Text.Json.JsonValueKind.Null ? null : p.Value[1].GetString()));
            examples.Add(new ChangeExample(reader.GetString(0), changes));
        }
        if (examples.Count > 0) _examples[name] = examples;
    }

    private string ResolveExpression(TableModel model, ReferenceSpec reference, ColumnSchema column)
    {
        CompositeField[]? fields = null;
        if (reference.Shape == ReferenceShape.CompositeFields)
            fields = _catalog.Composite(column.UdtName)!.Fields.Select(f => new CompositeField(f.Name, f.Type)).ToArray();
        return $"CAST({_refs.Resolve(reference, column.Name, column.Type, fields, _keyHints.Contains(model.Name + "." + column.Name))} AS {column.Type})";
    }

    /// <summary>
    /// Runs one set-based statement (an insert or an update of the rows <paramref name="candidates"/> selects, as
    /// "FROM … v JOIN … m … WHERE …"); if the database refuses it, runs it again row by row, each in its own savepoint,
    /// to name every row it refuses and go on with the others. Returns the rows written.
    /// </summary>
    private async Task<long> ApplyAsync(TableModel model, Func<string, string> statement, string candidates, CancellationToken ct)
    {
        var name = model.Name;
        await _phases.CreateSavepointAsync("bulk_write", ct);
        try
        {
            var n = await ExecAsync(statement(""), ct);
            await _phases.ReleaseSavepointAsync("bulk_write", ct);
            return n;
        }
        catch (PostgresException e)
        {
            await _phases.RollbackToSavepointAsync("bulk_write", ct);
            _log.LogDebug("Writing {Table} set-based was refused ({Message}); naming the rows one by one", name, e.MessageText);
        }

        var lines = new List<long>();
        await using (var cmd = new NpgsqlCommand($"SELECT v.line {candidates} ORDER BY v.line", conn, _tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) lines.Add(reader.GetInt64(0));
        long written = 0;
        var failed = 0;
        foreach (var line in lines)
        {
            await _phases.CreateSavepointAsync("row_write", ct);
            try
            {
                written += await ExecAsync(statement($" AND v.line = {line}"), ct);
                await _phases.ReleaseSavepointAsync("row_write", ct);
            }
            catch (PostgresException e)
            {
                await _phases.RollbackToSavepointAsync("row_write", ct);
                var key = await KeyOfLineAsync(model, line, ct);
                var issue = await _describe.DescribeAsync(e, "write", name, key: key, ct: ct);
                var lossy = await ScalarAsync($"SELECT count(*) FROM {Map(name)} WHERE line = {line} AND lossy", ct) > 0;
                if (lossy)
                {
                    // The row lost a link the original format could not carry, and the platform refuses it without.
                    _skipped = true;
                    _warnings.Add(BackupIssue.Warning("REF_NOT_IN_FILE",
                        $"{name} {key}: skipped, because a link the backup cannot carry is required here ({e.MessageText}).",
                        "Create this row by hand after the import, or export with Crearis Backup Admin, which keeps every link.",
                        name, key, e.ColumnName));
                }
                else if (failed++ < ListedPerCode) _errors.Add(issue);
                await ExecAsync($"UPDATE {Map(name)} SET skip = {Sql.Literal(lossy ? "REF_NOT_IN_FILE" : issue.Code)} WHERE line = {line}", ct);
            }
        }
        return written;
    }

    // ---------------------------------------------------------------- validation and reporting

    private async Task ValidateKeysAsync(TableModel model, List<KeyExpr> keys, bool write, CancellationToken ct)
    {
        var name = model.Name;
        var keyText = KeyText(model, "m");
        var report = write ? (Action<BackupIssue>)AddError : _ => { };

        // A row without its natural key cannot be recognised in another database.
        if (keys.Count == 1 && !keys[0].IsReference)
        {
            await CollectAsync($"UPDATE {Map(name)} m SET skip = 'KEY_NULL' WHERE m.k0 IS NULL RETURNING m.line::text", ct, line =>
                report(BackupIssue.Error("KEY_NULL", $"{name} row {line} has no {model.Profile.NaturalKey[0].Column}, its natural key, so it cannot be matched in another database.",
                    $"Give the row a {model.Profile.NaturalKey[0].Column} in the source, or import with --continue-on-error to skip it.",
                    name, $"line {line}", model.Profile.NaturalKey[0].Column, phase: "validate")));
        }
        // A key that runs through a reference needs that reference resolved.
        for (var i = 0; i < keys.Count; i++)
        {
            if (!keys[i].IsReference) continue;
            var part = model.Profile.NaturalKey[i];
            // The original format may name the parent by its natural key ("$ref") instead of its id.
            var given = _keyHints.Contains(name + "." + part.Column)
                ? $"coalesce(r.{Sql.Ident(part.Column)}::text, r.{Sql.Ident("ref__" + part.Column)}::text)"
                : $"r.{Sql.Ident(part.Column)}::text";
            await CollectAsync(
                $"UPDATE {Map(name)} m SET skip = 'REF_UNRESOLVED' FROM {Rec(name)} r WHERE r.line = m.line AND m.skip IS NULL " +
                $"AND {given} IS NOT NULL AND m.k{i} IS NULL RETURNING m.line::text || ' (' || {given} || ')'", ct, what =>
                    report(UnresolvedIssue(model, part.Column, part.ReferencedTable!, what, required: true)));
        }
        // The same natural key twice in one backup: which row would win is not ours to guess.
        var keyList = string.Join(", ", keys.Select((_, i) => $"m.k{i}"));
        await CollectAsync(
            $"WITH d AS (SELECT {keyList}, array_agg(m.line ORDER BY m.line) AS lines FROM {Map(name)} m WHERE m.skip IS NULL " +
            $"GROUP BY {keyList} HAVING count(*) > 1) " +
            $"UPDATE {Map(name)} m SET skip = 'DUPLICATE_KEY' FROM d WHERE m.line = ANY(d.lines) RETURNING {keyText} || ' (lines ' || array_to_string(d.lines, ', ') || ')'", ct,
            what => report(BackupIssue.Error("DUPLICATE_KEY", $"{name}: the natural key {what} occurs more than once in the backup.",
                "Make the key unique in the source (the schema does not enforce it for this table), or import with --continue-on-error to skip these rows.",
                name, what, string.Join(",", model.Profile.NaturalKey.Select(k => k.Column)), phase: "validate")), distinct: true);
        // And twice in the target: the row to update would be ambiguous. Only possible where no unique index covers the key.
        var keyColumns = model.Profile.NaturalKey.Select(k => k.Column).ToHashSet(StringComparer.Ordinal);
        var enforced = model.Schema.UniqueKeys.Any(u => u.Columns.All(keyColumns.Contains));
        if (model.IdColumn is not null && !enforced)
        {
            var parts = model.Profile.NaturalKey.Select(k => "x." + Sql.Ident(k.Column)).ToList();
            var match = string.Join(" AND ", keys.Select((k, i) => $"d.k{i} IS NOT DISTINCT FROM m.k{i}"));
            var grouped = string.Join(", ", parts.Select((p, i) => $"{p} AS k{i}"));
            await CollectAsync(
                $"WITH d AS (SELECT {grouped} FROM public.{Sql.Ident(name)} x GROUP BY {string.Join(", ", parts)} HAVING count(*) > 1) " +
                $"UPDATE {Map(name)} m SET skip = 'TARGET_DUPLICATE_KEY' FROM d WHERE m.skip IS NULL AND {match} RETURNING {keyText}", ct,
                what => report(BackupIssue.Error("TARGET_DUPLICATE_KEY", $"{name}: the target database holds the natural key {what} more than once, so the row to match is ambiguous.",
                    "Remove the duplicate in the target database first.", name, what, phase: "validate")));
        }
    }

    private async Task ReportUnresolvedAsync(TableModel model, ReferenceSpec reference, string flag, BackupTableSummary summary,
        CancellationToken ct)
    {
        var name = model.Name;
        var column = model.Schema.Column(reference.Column)!;
        var required = !column.IsNullable && reference.Shape is ReferenceShape.Scalar or ReferenceShape.Polymorphic;
        var target = string.Join("/", reference.TargetTables);
        var sql = $"SELECT {KeyText(model, "m")} || ' (' || coalesce(r.{Sql.Ident(reference.Column)}::text, '') || ')' FROM {Res(name)} v " +
                  $"JOIN {Map(name)} m ON m.line = v.line JOIN {Rec(name)} r ON r.line = v.line WHERE m.skip IS NULL AND v.{Sql.Ident(flag)}";
        var found = new List<string>();
        await using (var cmd = new NpgsqlCommand(sql, conn, _tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) found.Add(reader.GetString(0));
        if (found.Count == 0) return;

        if (required)
        {
            await ExecAsync($"UPDATE {Map(name)} m SET skip = 'REF_UNRESOLVED' FROM {Res(name)} v WHERE v.line = m.line AND v.{Sql.Ident(flag)}", ct);
            foreach (var what in found.Take(ListedPerCode)) AddError(UnresolvedIssue(model, reference.Column, target, what, required: true));
            return;
        }
        // Nullable: the row is written without the link, and that is said.
        var notInFile = reference.TargetTables.Any(t => source.Summary.Tables.FirstOrDefault(s => s.Table == t) is { HasSourceIds: false });
        // Trigger-maintained columns (tags_ids …) are recomputed from the links that do resolve; no need to warn twice.
        if (model.Profile.IsDerived(reference.Column)) return;
        if (notInFile)
            await ExecAsync($"UPDATE {Map(name)} m SET lossy = true FROM {Res(name)} v WHERE v.line = m.line AND v.{Sql.Ident(flag)}", ct);
        foreach (var what in found.Take(ListedPerCode))
            _warnings.Add(BackupIssue.Warning(notInFile ? "REF_NOT_IN_FILE" : "REF_UNRESOLVED_NULLED",
                $"{name} {what}: {reference.Column} points at a {target} row that " +
                (notInFile ? "the backup cannot identify (it carries no ids for that table)" : "is neither in the backup nor in this database") +
                "; the row is imported without this link.",
                notInFile ? "Set the link again by hand after the import, or export with Crearis Backup Admin, which keeps every link."
                          : "Import the missing rows first, or set the link by hand after the import.",
                name, what, reference.Column));
        if (found.Count > ListedPerCode)
            _warnings.Add(BackupIssue.Warning("REF_UNRESOLVED_NULLED", $"{name}: {found.Count - ListedPerCode} more rows lost their {reference.Column} link.", null, name, null, reference.Column));
    }

    private BackupIssue UnresolvedIssue(TableModel model, string column, string target, string what, bool required)
    {
        var notInFile = source.Summary.Tables.FirstOrDefault(s => s.Table == target) is { HasSourceIds: false };
        if (notInFile)
        {
            // The original format did not export the ids this row needs: a limit of the file, not an error of the data.
            _skipped = true;
            var issue = BackupIssue.Warning("REF_NOT_IN_FILE",
                $"{model.Name} {what}: {column} points at a {target} row, but the backup carries no ids for {target}, so the row cannot be linked and is skipped.",
                "Export the source again with Crearis Backup Admin, which keeps every link.", model.Name, what, column);
            _warnings.Add(issue);
            return issue with { Severity = IssueSeverity.Warning };
        }
        return BackupIssue.Error(required ? "REF_UNRESOLVED" : "REF_UNRESOLVED_NULLED",
            $"{model.Name} {what}: {column} points at a {target} row that is neither in the backup nor in this database.",
            $"Import {target} as well (--with-dependencies), or use --continue-on-error to skip such rows.",
            model.Name, what, column, phase: "validate");
    }

    private void AddError(BackupIssue issue)
    {
        if (issue.Severity == IssueSeverity.Warning) return; // already recorded as a warning
        if (_errors.Count(e => e.Code == issue.Code && e.Table == issue.Table) < ListedPerCode) _errors.Add(issue);
    }

    /// <summary>Lists target rows a full backup does not hold; they are never deleted.</summary>
    private async Task ListMissingAsync(TableModel model, CancellationToken ct)
    {
        if (model.IdColumn is null || source.Summary.Format != BackupFormat.Crearis || !IsFullBackup()) return;
        var id = Sql.Ident(model.IdColumn);
        var keyColumn = model.Profile.NaturalKey.Count == 1 && model.Profile.NaturalKey[0].ReferencedTable is null
            ? "x." + Sql.Ident(model.Profile.NaturalKey[0].Column) : $"x.{id}";
        var list = new List<string>();
        long count = 0;
        await using (var cmd = new NpgsqlCommand(
            $"SELECT {keyColumn}::text, count(*) OVER () FROM public.{Sql.Ident(model.Name)} x " +
            $"WHERE NOT EXISTS (SELECT 1 FROM {Map(model.Name)} m WHERE m.dst = x.{id}) ORDER BY 1 LIMIT 100", conn, _tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                list.Add(reader.IsDBNull(0) ? "(null)" : reader.GetString(0));
                count = reader.GetInt64(1);
            }
        if (count == 0) return;
        _missing[model.Name] = list;
        _counts[model.Name] = _counts[model.Name] with { MissingFromBackup = count };
    }

    private bool IsFullBackup() => profile.TableNames.All(t => source.Summary.Tables.Any(s => s.Table == t));

    private string KeyText(TableModel model, string mapAlias) =>
        string.Join(" || '/' || ", model.Profile.NaturalKey.Select((k, i) =>
            k.ReferencedTable is null
                ? $"coalesce({mapAlias}.k{i}::text, '(null)')"
                : $"coalesce((SELECT {KeyDisplay(k.ReferencedTable)} FROM public.{Sql.Ident(k.ReferencedTable)} t WHERE t.{Sql.Ident(_models[k.ReferencedTable].IdColumn!)} = {mapAlias}.k{i}), '(null)')"));

    private string KeyDisplay(string table) =>
        _models.TryGetValue(table, out var m) && m.Profile.NaturalKey.Count == 1 && m.Profile.NaturalKey[0].ReferencedTable is null
            ? "t." + Sql.Ident(m.Profile.NaturalKey[0].Column) + "::text"
            : "t." + Sql.Ident(m?.IdColumn ?? "id") + "::text";

    private async Task<string> KeyOfLineAsync(TableModel model, long line, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT {KeyText(model, "m")} FROM {Map(model.Name)} m WHERE m.line = {line}", conn, _tx);
        return (await cmd.ExecuteScalarAsync(ct)) as string ?? $"line {line}";
    }

    // ---------------------------------------------------------------- late seeding

    /// <summary>
    /// Closes the cycles: once <paramref name="written"/> exists, every deferred reference pointing at it (from tables
    /// already written) is filled, so that triggers further on see the links (a published event needs its
    /// instructor's is_user, which the users → instructors link sets).
    /// </summary>
    private async Task LateSeedAsync(TableModel written, CancellationToken ct)
    {
        foreach (var deferred in _plan.Deferred)
        {
            if (!_written.Contains(deferred.Table)) continue;
            var reference = deferred.Reference;
            if (!reference.TargetTables.All(t => _mapped.Contains(t))) continue;
            if (!reference.TargetTables.Contains(written.Name) && deferred.Table != written.Name) continue;
            var model = _models[deferred.Table];
            if (model.IdColumn is null || !_carried.GetValueOrDefault(model.Name, []).Contains(reference.Column)) continue;
            var column = model.Schema.Column(reference.Column)!;
            At("late-seed", model.Name, reference.Column);
            var value = ResolveExpression(model, reference, column);
            var scope = options.Mode == ImportMode.Merge ? "m.present" : "m.inserted";
            var id = Sql.Ident(model.IdColumn);
            // The table's own updated_at trigger must not count as a change: compare the link only.
            var sql = $"WITH v AS (SELECT m.line, m.dst, {value} AS val, {_refs.Unresolved(reference, reference.Column, value)} AS unresolved " +
                      $"FROM {Rec(model.Name)} r JOIN {Map(model.Name)} m ON m.line = r.line WHERE m.skip IS NULL AND {scope}), " +
                      $"u AS (UPDATE public.{Sql.Ident(model.Name)} x SET {Sql.Ident(reference.Column)} = v.val FROM v " +
                      $"WHERE x.{id} = v.dst AND NOT v.unresolved AND x.{Sql.Ident(reference.Column)} IS DISTINCT FROM v.val RETURNING v.line) " +
                      $"UPDATE {Map(model.Name)} mm SET changed = true FROM u WHERE mm.line = u.line AND NOT mm.inserted RETURNING mm.line";
            var changed = await ExecAsync(sql, ct);
            if (reference.Shape == ReferenceShape.CompositeFields && reference.Target == model.Name)
            {
                // Row triggers that derive values from this column read the stored row (images.root_id follows the
                // stored variations chain), so touch the rows once more now that every link is in place.
                await ExecAsync($"UPDATE public.{Sql.Ident(model.Name)} x SET {Sql.Ident(reference.Column)} = x.{Sql.Ident(reference.Column)} " +
                                $"FROM {Map(model.Name)} m WHERE x.{id} = m.dst AND m.skip IS NULL AND {scope.Replace("m.", "m.")} AND x.{Sql.Ident(reference.Column)} IS NOT NULL", ct);
            }
            if (changed > 0 && _counts.TryGetValue(model.Name, out var c))
            {
                var updated = await ScalarAsync($"SELECT count(*) FROM {Map(model.Name)} WHERE changed", ct);
                _counts[model.Name] = c with { Updated = updated, Unchanged = c.Total - c.Inserted - updated - c.Skipped };
            }
            var lost = await ScalarAsync(
                $"SELECT count(*) FROM {Rec(model.Name)} r JOIN {Map(model.Name)} m ON m.line = r.line WHERE m.skip IS NULL AND {scope} AND {_refs.Unresolved(reference, reference.Column, value)}", ct);
            if (lost > 0)
                _warnings.Add(BackupIssue.Warning("REF_UNRESOLVED_NULLED",
                    $"{model.Name}: {lost} rows keep no {reference.Column} link, because the {string.Join("/", reference.TargetTables)} rows it points at are neither in the backup nor in this database (or the backup carries no ids for them).",
                    "Set these links by hand after the import.", model.Name, null, reference.Column));
        }
    }

    /// <summary>
    /// Values that platform triggers maintain (is_user, regio_id, img_* …) depend on the order in which rows were
    /// written, in the source as here. For the rows this run inserted (and, when merging, every matched row), put back
    /// the backup's values wherever the triggers let them stand, so the copy equals its source; where a trigger
    /// recomputes on every write, its value wins.
    /// </summary>
    private async Task RestoreDerivedAsync(CancellationToken ct)
    {
        var scope = options.Mode == ImportMode.Merge ? "m.present" : "m.inserted";
        foreach (var model in _plan.Order.Where(m => _written.Contains(m.Name) && m.IdColumn is not null))
        {
            // Only what the backup carries: a derived column it lacks is left as the platform's triggers made it.
            var carried = _carried.GetValueOrDefault(model.Name, []);
            var derived = model.Schema.Writable.Where(c => model.Profile.IsDerived(c.Name) && c.Name != model.IdColumn && carried.Contains(c.Name)).ToList();
            if (derived.Count == 0) continue;
            // One column at a time: triggers fire on "UPDATE OF column" whether or not its value changes.
            foreach (var column in derived)
            {
                At("derived", model.Name, column.Name);
                var reference = model.ReferenceOf(column.Name);
                var value = reference is not null ? ResolveExpression(model, reference, column) : "r." + Sql.Ident(column.Name);
                // A link the backup cannot resolve is left as the platform computed it.
                var resolvable = reference is null ? "true" : $"NOT ({_refs.Unresolved(reference, column.Name, value)})";
                var name = Sql.Ident(column.Name);
                await ExecAsync(
                    $"UPDATE public.{Sql.Ident(model.Name)} x SET {name} = v.val FROM (SELECT m.dst, {value} AS val FROM {Rec(model.Name)} r " +
                    $"JOIN {Map(model.Name)} m ON m.line = r.line WHERE {scope} AND m.skip IS NULL AND {resolvable}) v " +
                    $"WHERE x.{Sql.Ident(model.IdColumn!)} = v.dst AND x.{name} IS DISTINCT FROM v.val", ct);
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

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
            if (n++ < ListedPerCode) each(value);
        }
    }

    private ImportResult Result(ImportOutcome outcome)
    {
        var warnings = _warnings.Concat(source.Issues.Where(i => i.Severity == IssueSeverity.Warning)).ToList();
        var errors = _errors.Concat(source.Issues.Where(i => i.Severity == IssueSeverity.Error)).ToList();
        // A failed import wrote nothing; a failed dry run keeps what it would have done, table by table.
        if (outcome is ImportOutcome.Failed or ImportOutcome.Refused && !options.DryRun)
        {
            foreach (var name in _counts.Keys.ToList())
                _counts[name] = _counts[name] with { Inserted = 0, Updated = 0 };
        }
        var notReached = _stoppedAt is null ? [] : _plan?.Order.Select(m => m.Name)
            .Where(t => _selected.Contains(t) && !_counts.ContainsKey(t)).ToList() ?? [];
        return new ImportResult(outcome, options.Mode, options.DryRun, source.Summary.Format, _clock.Elapsed,
            _counts, errors, warnings, _missing) { ChangeExamples = _examples, StoppedAt = _stoppedAt, NotReached = notReached };
    }
}

/// <summary>Thrown inside the session once the reason has been recorded as an issue; ends the run with a rollback.</summary>
internal sealed class ImportAbortedException : Exception;
