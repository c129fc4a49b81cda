using System.Globalization;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Ledger;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Backup.Core.Export.Filtering;

/// <summary>
/// The rows a filtered export writes, chosen on the export's own snapshot, set-based: per table a temporary table
/// (<c>_fsel_&lt;table&gt;</c>) of the primary keys selected, each with the first reason that reached it. Driven only
/// by the table models (every reference the profile knows, whatever its shape) and the profile's child rules:
/// <list type="number">
/// <item><b>Seeds</b>: the projects and users named; with only <c>--since</c>, every row of each table changed since.</item>
/// <item><b>Children</b>, to a fixpoint, along the profile's <see cref="ChildRule"/>s, from seeds and children only.</item>
/// <item><c>--tables/--exclude</c>: seeds and children of tables left out are dropped; with names, <c>--since</c> then
/// drops the seeds and children not changed since.</item>
/// <item><b>Parents</b>, to a fixpoint, over every reference of every selected row (cycles included): the rows the file
/// needs so that it imports into an empty database with nothing unresolved. These come from any table, one left out
/// by --tables/--exclude too (a warning says so). A parent's own children are never followed.</item>
/// </list>
/// A row reached several ways keeps its first reason, in that order (seeds, children in rule order and round, parents).
/// </summary>
internal sealed class ExportSelection
{
    private const string Selected = "selected";

    private readonly NpgsqlConnection _conn;
    private readonly NpgsqlTransaction _tx;
    private readonly DatabaseCatalog _catalog;
    private readonly Dictionary<string, TableModel> _models;
    private readonly List<string> _reasons = [];
    private readonly Dictionary<string, long> _rows = new(StringComparer.Ordinal);

    private ExportSelection(NpgsqlConnection conn, NpgsqlTransaction tx, DatabaseCatalog catalog, IReadOnlyList<TableModel> models)
    {
        _conn = conn;
        _tx = tx;
        _catalog = catalog;
        _models = models.ToDictionary(m => m.Name, StringComparer.Ordinal);
    }

    /// <summary>What the manifest says about the selection.</summary>
    public ManifestFilter Manifest { get; private set; } = new();

    /// <summary>Warnings for the export's result: tables --since could not filter, rows of tables left out kept as parents.</summary>
    public List<BackupIssue> Warnings { get; } = [];

    /// <summary>How many rows of a table are selected.</summary>
    public long Rows(string table) => _rows.GetValueOrDefault(table);

    private static string Sel(string table) => Sql.Ident("_fsel_" + table);
    private static string LedgerRows(string table) => Sql.Ident("_fled_" + table);

    /// <summary>SQL: the row (alias t) is selected; the export's <c>where</c>.</summary>
    public static string Where(TableModel model)
    {
        var pk = PrimaryKey(model);
        return $"({string.Join(", ", pk.Select(c => "t." + Sql.Ident(c)))}) IN (SELECT {string.Join(", ", pk.Select(c => "s." + Sql.Ident(c)))} FROM {Sel(model.Name)} s)";
    }

    /// <summary>
    /// Chooses the rows. <paramref name="models"/> are every table of the profile (parents may come from any);
    /// <paramref name="chosen"/> the tables --tables/--exclude leave in. Null and an error issue when a name matches no row.
    /// </summary>
    public static async Task<(ExportSelection? Selection, IReadOnlyList<BackupIssue> Issues)> BuildAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        DatabaseCatalog catalog, IReadOnlyList<TableModel> models, IReadOnlySet<string> chosen, BackupProfile profile, ExportFilter filter,
        CancellationToken ct)
    {
        var selection = new ExportSelection(conn, tx, catalog, models);
        var issues = await selection.SelectAsync(chosen, profile, filter, ct);
        return issues.Count > 0 ? (null, issues) : (selection, []);
    }

    private async Task<List<BackupIssue>> SelectAsync(IReadOnlySet<string> chosen, BackupProfile profile, ExportFilter filter, CancellationToken ct)
    {
        foreach (var model in _models.Values)
        {
            var pk = PrimaryKey(model);
            var columns = string.Join(", ", pk.Select(c => $"{Sql.Ident(c)} {model.Schema.Column(c)!.Type}"));
            await ExecAsync($"CREATE TEMP TABLE {Sel(model.Name)} ({columns}, reason int NOT NULL, expand boolean NOT NULL, " +
                            $"PRIMARY KEY ({string.Join(", ", pk.Select(Sql.Ident))})) ON COMMIT DROP", ct);
        }

        // --since: per table, how a row is told to be changed since the moment (null: it cannot be).
        var since = new Dictionary<string, (string By, string Predicate)?>(StringComparer.Ordinal);
        if (filter.Since is { } at)
        {
            var ledger = await LedgerBaseAsync(at.At, ct);
            foreach (var model in _models.Values.Where(m => chosen.Contains(m.Name)).OrderBy(m => m.Name, StringComparer.Ordinal))
                since[model.Name] = await SinceAsync(model, at.At, ledger, ct);
        }

        var issues = new List<BackupIssue>();
        var named = filter.Projects is { Count: > 0 } || filter.Users is { Count: > 0 };
        var rules = new List<ChildRule>();
        if (named)
        {
            await SeedAsync(profile.ProjectSeeds, filter.Projects, "project", "--project", issues, ct);
            await SeedAsync(profile.UserSeeds, filter.Users, "user", "--user", issues, ct);
            if (issues.Count > 0) return issues;
            rules = profile.ChildRules.Where(r => _models.ContainsKey(r.Table) && _models.ContainsKey(r.Parent)).ToList();
            await FollowChildrenAsync(rules, ct);
            // Left out by --tables/--exclude: none of their rows is chosen for itself (parents come back below).
            foreach (var table in _models.Keys.Where(t => !chosen.Contains(t)))
                await ExecAsync($"DELETE FROM {Sel(table)}", ct);
            foreach (var (table, how) in since)
                if (how is { } h)
                    await ExecAsync($"DELETE FROM {Sel(table)} s USING public.{Sql.Ident(table)} t WHERE {PkMatch(_models[table], "s", "t")} AND NOT ({h.Predicate})", ct);
        }
        else if (filter.Since is { } sinceOnly)
        {
            // Only --since: each table's own changed rows are the seeds (its children are filtered by their own time).
            var changed = Reason($"changed since {sinceOnly.Text}");
            var whole = Reason("whole table (--since cannot filter it)");
            foreach (var (table, how) in since)
            {
                var model = _models[table];
                await ExecAsync($"INSERT INTO {Sel(table)} SELECT {PkList(model, "t")}, {(how is null ? whole : changed)}, false " +
                                $"FROM public.{Sql.Ident(table)} t{(how is { } h ? " WHERE " + h.Predicate : "")}", ct);
            }
        }

        await PullInParentsAsync(ct);

        var tables = new List<ManifestFilterTable>();
        foreach (var model in _models.Values.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var reasons = new List<ManifestFilterReason>();
            await using (var cmd = new NpgsqlCommand($"SELECT reason, count(*) FROM {Sel(model.Name)} GROUP BY reason ORDER BY reason", _conn, _tx))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                    reasons.Add(new ManifestFilterReason(_reasons[reader.GetInt32(0)], reader.GetInt64(1)));
            var rows = reasons.Sum(r => r.Rows);
            _rows[model.Name] = rows;
            if (rows == 0 && !chosen.Contains(model.Name)) continue;
            tables.Add(new ManifestFilterTable
            {
                Name = model.Name, Rows = rows, Reasons = reasons,
                SinceBy = since.GetValueOrDefault(model.Name) is { } how ? how.By : null,
            });
            if (!chosen.Contains(model.Name))
                Warnings.Add(BackupIssue.Warning(IssueCode.ExcludedParentsKept,
                    $"{model.Name} is left out by --tables/--exclude, yet {rows:N0} of its rows are in the backup: selected rows refer to them " +
                    $"({string.Join("; ", reasons.Select(r => $"{r.Reason}: {r.Rows:N0}"))}), and without them the file would not import into an empty database.",
                    $"Nothing to do; the manifest lists why each row is there. Leave out the tables that refer to {model.Name} to avoid them.", model.Name));
        }

        var unfiltered = since.Where(s => s.Value is null).Select(s => s.Key).ToList();
        foreach (var table in unfiltered)
            Warnings.Add(BackupIssue.Warning(IssueCode.SinceUnfiltered,
                $"--since cannot filter {table}: it has no created_at, no updated_at that reads as a time, and this database's sync ledger keeps no export " +
                $"of it from before {filter.Since!.Text}; its {(named ? "selected rows are" : "rows are")} written whatever their age.",
                "Nothing to do; or export once (an unfiltered export keeps its rows in the ledger) so a later --since can compare with it.", table));

        Manifest = new ManifestFilter
        {
            Projects = filter.Projects is { Count: > 0 } p ? p : null,
            Users = filter.Users is { Count: > 0 } u ? u : null,
            Since = filter.Since?.Text,
            SinceAt = filter.Since?.At,
            Rules = rules.Select(r => r.Describe).ToList(),
            Tables = tables,
            SinceUnfiltered = unfiltered,
        };
        return issues;
    }

    /// <summary>The rows named (by domaincode, sysmail); every name that matches no row is an error.</summary>
    private async Task SeedAsync(FilterSeeds? seeds, IReadOnlyList<string>? names, string what, string option, List<BackupIssue> issues, CancellationToken ct)
    {
        if (names is not { Count: > 0 }) return;
        if (seeds is null || !_models.TryGetValue(seeds.Table, out var model))
        {
            issues.Add(BackupIssue.Error(IssueCode.FilterUnknown, $"This backup profile has no {what}s to select with {option}.", $"Leave out {option}."));
            return;
        }
        var column = Sql.Ident(seeds.Column);
        await using (var missing = new NpgsqlCommand(
            $"SELECT n FROM unnest($1::text[]) n WHERE NOT EXISTS (SELECT 1 FROM public.{Sql.Ident(model.Name)} t WHERE t.{column} = n) ORDER BY n", _conn, _tx))
        {
            missing.Parameters.AddWithValue(names.ToArray());
            await using var reader = await missing.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                issues.Add(BackupIssue.Error(IssueCode.FilterUnknown,
                    $"No {what} has {seeds.Column} '{reader.GetString(0)}' ({option}); nothing was written.",
                    $"Check the spelling: {option} takes {seeds.Table}.{seeds.Column} values, comma-separated.", model.Name, reader.GetString(0), seeds.Column));
        }
        await using var insert = new NpgsqlCommand(
            $"INSERT INTO {Sel(model.Name)} SELECT {PkList(model, "t")}, {Reason(Selected)}, true FROM public.{Sql.Ident(model.Name)} t " +
            $"WHERE t.{column} = ANY($1) ON CONFLICT DO NOTHING", _conn, _tx);
        insert.Parameters.AddWithValue(names.ToArray());
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Adds, until nothing more is found, the rows a rule reaches from the seeds and the rows reached so far.</summary>
    private async Task FollowChildrenAsync(IReadOnlyList<ChildRule> rules, CancellationToken ct)
    {
        long added;
        do
        {
            added = 0;
            foreach (var rule in rules)
            {
                var child = _models[rule.Table];
                var parent = _models[rule.Parent];
                var reference = child.ReferenceOf(rule.Column)
                                ?? throw new InvalidOperationException($"The child rule {rule.Describe} names no reference of {rule.Table}.");
                if (!reference.TargetTables.Contains(rule.Parent))
                    throw new InvalidOperationException($"The child rule {rule.Describe}: {rule.Table}.{rule.Column} does not refer to {rule.Parent}.");
                var (ids, text) = Ids(child, reference, rule.Parent);
                added += await ExecAsync(
                    $"INSERT INTO {Sel(child.Name)} SELECT DISTINCT {PkList(child, "t")}, {Reason(rule.Reason)}, true FROM public.{Sql.Ident(child.Name)} t " +
                    $"CROSS JOIN LATERAL ({ids}) x WHERE EXISTS (SELECT 1 FROM {Sel(parent.Name)} s WHERE s.expand AND s.{Sql.Ident(parent.IdColumn!)} = {Id(parent, "x.v", text)}) " +
                    "ON CONFLICT DO NOTHING", ct);
            }
            await AnalyzeAsync(ct);
        } while (added > 0);
    }

    /// <summary>Adds, until nothing more is found, every row a selected row refers to, along every reference of its table.</summary>
    private async Task PullInParentsAsync(CancellationToken ct)
    {
        var edges = _models.Values.OrderBy(m => m.Name, StringComparer.Ordinal)
            .SelectMany(m => m.References.SelectMany(r => r.TargetTables
                .Where(t => _models.TryGetValue(t, out var target) && target.IdColumn is not null)
                .Select(t => (Model: m, Reference: r, Target: _models[t]))))
            .ToList();
        long added;
        do
        {
            added = 0;
            foreach (var (model, reference, target) in edges)
            {
                var (ids, text) = Ids(model, reference, target.Name);
                var id = Sql.Ident(target.IdColumn!);
                added += await ExecAsync(
                    $"INSERT INTO {Sel(target.Name)} ({id}, reason, expand) SELECT DISTINCT p.{id}, {Reason($"pulled in by {model.Name}.{reference.Column}")}, false " +
                    $"FROM {Sel(model.Name)} s JOIN public.{Sql.Ident(model.Name)} t ON {PkMatch(model, "s", "t")} CROSS JOIN LATERAL ({ids}) x " +
                    $"JOIN public.{Sql.Ident(target.Name)} p ON p.{id} = {Id(target, "x.v", text)} " +
                    $"WHERE NOT EXISTS (SELECT 1 FROM {Sel(target.Name)} q WHERE q.{id} = p.{id}) ON CONFLICT DO NOTHING", ct);
            }
            await AnalyzeAsync(ct);
        } while (added > 0);
    }

    /// <summary>
    /// SQL: the ids a row (alias t) refers to along a reference, as rows of column v (of the column's type, or text
    /// where the shape holds ids as text: <paramref name="Text"/>). Read as the importer reads each shape (ReferenceSql).
    /// </summary>
    private (string Sql, bool Text) Ids(TableModel model, ReferenceSpec reference, string target)
    {
        var c = "t." + Sql.Ident(reference.Column);
        switch (reference.Shape)
        {
            case ReferenceShape.Scalar:
                return ($"SELECT {c} AS v", false);
            case ReferenceShape.IntArray:
                return ($"SELECT u.v FROM unnest({c}) u(v)", false);
            case ReferenceShape.JsonArray:
                return ($"SELECT e.v #>> '{{}}' AS v FROM jsonb_array_elements(CASE WHEN jsonb_typeof({c}) = 'array' THEN {c} END) e(v)", true);
            case ReferenceShape.TextList:
                return ($"SELECT btrim(u.v) AS v FROM unnest(string_to_array({c}, ',')) u(v)", true);
            case ReferenceShape.Polymorphic:
            {
                var types = reference.Targets.Where(t => t.Value == target).Select(t => Sql.Literal(t.Key));
                return ($"SELECT {c}::text AS v WHERE t.{Sql.Ident(reference.TypeColumn!)} IN ({string.Join(", ", types)})", true);
            }
            case ReferenceShape.CompositeFields:
            {
                var column = model.Schema.Column(reference.Column)!;
                var fields = _catalog.Composite(column.UdtName)?.Fields
                             ?? throw new InvalidOperationException($"{model.Name}.{reference.Column} is not a composite value.");
                var parts = fields.Where(f => reference.Fields!.Contains(f.Name)).Select(f =>
                {
                    var field = $"({c}).{Sql.Ident(f.Name)}";
                    return f.Type.EndsWith("[]", StringComparison.Ordinal) ? $"SELECT unnest({field})::text AS v" : $"SELECT {field}::text AS v";
                });
                return (string.Join(" UNION ALL ", parts), true);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(reference));
        }
    }

    /// <summary>SQL: an id from <see cref="Ids"/> in the target's id type (text that is no integer matches nothing, as on import).</summary>
    private static string Id(TableModel target, string value, bool text)
    {
        if (!text) return value;
        var type = target.Schema.Column(target.IdColumn!)!.Type;
        return type is "integer" or "bigint" or "smallint"
            ? $"(CASE WHEN {value} ~ '^-?[0-9]{{1,18}}$' THEN {value}::bigint END)"
            : $"{value}::{type}";
    }

    /// <summary>
    /// How --since tells a row of the table changed since the moment: by its time columns (the latest of updated_at,
    /// created_at and added_at; a row with none set is kept, as its age is unknown), else by the sync ledger (rows whose content
    /// differs from, or is absent in, the newest export kept from before the moment), else not at all (null). A text
    /// updated_at counts only when every value casts to a time: tried in SQL, under a savepoint (PostgreSQL 15 has no
    /// pg_input_is_valid), so it reads times exactly as the database does.
    /// </summary>
    private async Task<(string By, string Predicate)?> SinceAsync(TableModel model, DateTimeOffset at, (long Id, HashSet<string> Tables)? ledger,
        CancellationToken ct)
    {
        var moment = $"{Sql.Literal(at.ToString("yyyy-MM-dd HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture))}::timestamptz";
        var times = new List<(string Column, string Expression)>();
        // added_at is the junction tables' created_at (project_members, event_instructors).
        foreach (var name in new[] { "updated_at", "created_at", "added_at" })
        {
            if (model.Schema.Column(name) is not { } column) continue;
            if (column.Type.StartsWith("timestamp", StringComparison.Ordinal) || column.Type == "date")
                times.Add((name, "t." + Sql.Ident(name)));
            else if (column.IsText && await CastsToTimeAsync(model, name, ct))
                times.Add((name, $"nullif(btrim(t.{Sql.Ident(name)}), '')::timestamptz"));
        }
        if (times.Count > 0)
            return (string.Join(", ", times.Select(t => t.Column)),
                $"coalesce(GREATEST({string.Join(", ", times.Select(t => t.Expression))}) >= {moment}, true)");
        if (ledger is { } l && l.Tables.Contains(model.Name))
        {
            await ExecAsync($"CREATE TEMP TABLE {LedgerRows(model.Name)} ON COMMIT DROP AS SELECT key, content FROM {SyncLedger.Schema}.sync_base_rows " +
                            $"WHERE exchange_id = {l.Id} AND table_name = {Sql.Literal(model.Name)}", ct);
            await ExecAsync($"CREATE INDEX ON {LedgerRows(model.Name)} (key)", ct);
            await ExecAsync($"ANALYZE {LedgerRows(model.Name)}", ct);
            var key = SyncLedger.Key(model, i => "t." + Sql.Ident(model.Profile.NaturalKey[i].Column));
            return ("ledger", $"NOT EXISTS (SELECT 1 FROM {LedgerRows(model.Name)} b WHERE b.key = {key} AND b.content = {BackupExporter.RowHash(model)})");
        }
        return null;
    }

    private async Task<bool> CastsToTimeAsync(TableModel model, string column, CancellationToken ct)
    {
        await ExecAsync("SAVEPOINT filter_since", ct);
        try
        {
            await ExecAsync($"SELECT count(nullif(btrim({Sql.Ident(column)}), '')::timestamptz) FROM public.{Sql.Ident(model.Name)}", ct);
            await ExecAsync("RELEASE SAVEPOINT filter_since", ct);
            return true;
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            // Class 22, data exception: a value that is no time (invalid format, field out of range).
            await ExecAsync("ROLLBACK TO SAVEPOINT filter_since", ct);
            return false;
        }
    }

    /// <summary>The newest export this database keeps the rows of (complete, not emptied by a crash) from before the moment.</summary>
    private async Task<(long Id, HashSet<string> Tables)?> LedgerBaseAsync(DateTimeOffset at, CancellationToken ct)
    {
        // A ledger this role may not read is no ledger (a refused SELECT would abort the export's transaction).
        await using (var exists = new NpgsqlCommand(
            $"SELECT CASE WHEN to_regclass('{SyncLedger.Schema}.sync_exchanges') IS NULL OR to_regclass('{SyncLedger.Schema}.sync_base_rows') IS NULL THEN false " +
            $"ELSE has_table_privilege('{SyncLedger.Schema}.sync_exchanges', 'SELECT') AND has_table_privilege('{SyncLedger.Schema}.sync_base_rows', 'SELECT') END", _conn, _tx))
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return null;
        await using var cmd = new NpgsqlCommand(
            $"SELECT id, tables FROM {SyncLedger.Schema}.sync_exchanges WHERE direction = 'exported' AND rows_kept AND backup_created_at <= $1 " +
            $"AND {SyncLedger.AllRowsKept} " +
            "ORDER BY backup_created_at DESC, id DESC LIMIT 1", _conn, _tx);
        cmd.Parameters.AddWithValue(at);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return (reader.GetInt64(0), reader.GetFieldValue<string[]>(1).ToHashSet(StringComparer.Ordinal));
    }

    private int Reason(string text)
    {
        var i = _reasons.IndexOf(text);
        if (i >= 0) return i;
        _reasons.Add(text);
        return _reasons.Count - 1;
    }

    private static IReadOnlyList<string> PrimaryKey(TableModel model) => model.Schema.PrimaryKey.Count > 0
        ? model.Schema.PrimaryKey
        : throw new InvalidOperationException($"{model.Name} has no primary key: a filtered export cannot name its rows.");

    private static string PkList(TableModel model, string alias) => string.Join(", ", PrimaryKey(model).Select(c => $"{alias}.{Sql.Ident(c)}"));

    private static string PkMatch(TableModel model, string left, string right) =>
        string.Join(" AND ", PrimaryKey(model).Select(c => $"{left}.{Sql.Ident(c)} = {right}.{Sql.Ident(c)}"));

    private async Task AnalyzeAsync(CancellationToken ct)
    {
        // Temporary tables have no statistics until analyzed; the next round's joins are planned with them.
        foreach (var table in _models.Keys) await ExecAsync($"ANALYZE {Sel(table)}", ct);
    }

    private async Task<int> ExecAsync(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, _conn, _tx) { CommandTimeout = 0 };
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
