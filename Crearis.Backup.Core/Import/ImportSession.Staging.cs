using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Npgsql;
using NpgsqlTypes;

namespace Crearis.Backup.Core.Import;

/// <summary>Staging: every table of the backup streamed into a temporary table with binary COPY and parsed by the server into typed rows.</summary>
internal sealed partial class ImportSession
{
    private static string Stage(string table) => Sql.Ident("_stage_" + table);
    private static string Rec(string table) => Sql.Ident("_rec_" + table);
    private static string Res(string table) => Sql.Ident("_res_" + table);
    private static string Chg(string table) => Sql.Ident("_chg_" + table);

    /// <summary>A differential's tombstones are staged at lines below this (its context rows at -1, -2, …).</summary>
    private const long TombstoneLines = -(1L << 40);

    /// <summary>The map's marker for a differential's context rows and tombstones: matched, never written.</summary>
    private const string ContextRow = "context";

    /// <summary>SQL (for row alias r) limiting a write of <paramref name="column"/> to the rows that carry it.</summary>
    private string CarriedBy(TableModel model, string column) =>
        Staged(model.Name).PartlyCarried.Contains(column) ? $" AND r.{Sql.Ident("has__" + column)}" : "";
    private static string Map(string table) => ReferenceSql.Map(table);

    private async Task StageAsync(TableModel model, CancellationToken ct)
    {
        var total = source.Summary.Tables.First(t => t.Table == model.Name).Rows;
        // No key on line: the reader numbers the lines, and an index kept up during the COPY costs more than it saves.
        await ExecAsync($"CREATE TEMP TABLE {Stage(model.Name)} (line bigint NOT NULL, doc jsonb NOT NULL) ON COMMIT DROP", ct);
        long rows = 0;
        await using (var copy = await conn.BeginBinaryImportAsync($"COPY {Stage(model.Name)} (line, doc) FROM STDIN (FORMAT BINARY)", ct))
        {
            await foreach (var row in source.ReadRowsAsync(model.Name, ct))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(row.Line, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(row.Json, NpgsqlDbType.Jsonb, ct);
                rows++;
                _tracker.Report(BackupPhase.Stage, model.Name, rows, total, 1);
            }
            // A differential: the unchanged rows its rows refer to (id and key) and its tombstones, under negative
            // lines: they are matched to this database's rows (see the id maps) but never written.
            long extra = 0;
            await foreach (var row in source.ReadContextRowsAsync(model.Name, ct))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(-++extra, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(row.Json, NpgsqlDbType.Jsonb, ct);
            }
            extra = 0;
            await foreach (var row in source.ReadTombstonesAsync(model.Name, ct))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(TombstoneLines - ++extra, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(row.Json, NpgsqlDbType.Jsonb, ct);
            }
            await copy.CompleteAsync(ct);
        }

        // Which columns the backup carries at all: a column no row holds is never written — an insert leaves it to the
        // target's default and the platform's triggers, a merge keeps the target's value. Links the original format
        // carries by natural key ("$ref") count as carried.
        // A column only some rows carry (the original format's recovered links leave created_at out where the file
        // does not prove it) is written only for those rows: the others get the column's default, or keep the
        // target's value in a merge ("has__" flags).
        var carried = new HashSet<string>(StringComparer.Ordinal);
        var partly = new HashSet<string>(StringComparer.Ordinal);
        // One pass, one key lookup per column and row (every key of every row expanded and grouped cost more than
        // the COPY itself); only the table's columns matter to what is written.
        var columns = model.Schema.Columns.Select(c => c.Name).ToList();
        // A differential's context rows (negative lines) carry only ids and keys: what the table carries is what its
        // rows carry (a table with none but context rows carries only those columns, and writes nothing).
        var holding = string.Concat(columns.Select(c =>
            $", count(*) FILTER (WHERE s.doc ? {Sql.Literal(c)} OR (jsonb_typeof(s.doc -> '$ref') = 'object' AND s.doc -> '$ref' ? {Sql.Literal(c)}))"));
        await using (var keysCmd = new NpgsqlCommand($"SELECT count(*){holding} FROM {Stage(model.Name)} s{(total > 0 ? " WHERE s.line > 0" : "")}", conn, _tx))
        await using (var keysReader = await keysCmd.ExecuteReaderAsync(ct))
        {
            await keysReader.ReadAsync(ct);
            var rowCount = keysReader.GetInt64(0);
            for (var i = 0; i < columns.Count; i++)
            {
                var rowsHolding = keysReader.GetInt64(i + 1);
                if (rowsHolding == 0) continue;
                carried.Add(columns[i]);
                if (rowsHolding < rowCount) partly.Add(columns[i]);
            }
        }

        // Typed rows: the server parses every value by the target column's type.
        var refColumns = model.References.Where(r => r.Shape == ReferenceShape.Scalar)
            .Select(r => $", s.doc -> '$ref' -> {Sql.Literal(r.Column)} AS {Sql.Ident("ref__" + r.Column)}")
            .Concat(partly.Select(c => $", (s.doc ? {Sql.Literal(c)} OR coalesce(s.doc -> '$ref' ? {Sql.Literal(c)}, false)) AS {Sql.Ident("has__" + c)}"));
        try
        {
            await _phases.CreateSavepointAsync("stage_parse", ct);
            await ExecAsync(
                $"CREATE TEMP TABLE {Rec(model.Name)} ON COMMIT DROP AS SELECT s.line{string.Concat(refColumns)}, r.* " +
                $"FROM {Stage(model.Name)} s CROSS JOIN LATERAL jsonb_populate_record(NULL::public.{Sql.Ident(model.Name)}, s.doc - '$ref' - '$jsonnull') r", ct);
            // Before any row is updated (see the id maps): an index over updated rows is unusable until commit.
            await ExecAsync($"CREATE INDEX ON {Rec(model.Name)} (line)", ct);
            await _phases.ReleaseSavepointAsync("stage_parse", ct);
        }
        catch (PostgresException e)
        {
            await _phases.RollbackToSavepointAsync("stage_parse", ct);
            await DiagnoseParseAsync(model, e, ct);
            throw new ImportAbortedException();
        }
        var jsonNulls = model.Schema.Writable.Any(c => c.IsJsonb) &&
                        await ScalarAsync($"SELECT count(*) FROM (SELECT 1 FROM {Stage(model.Name)} WHERE doc ? '$jsonnull' LIMIT 1) n", ct) > 0;
        foreach (var column in model.Schema.Writable.Where(c => c.IsJsonb && jsonNulls))
        {
            await ExecAsync($"UPDATE {Rec(model.Name)} r SET {Sql.Ident(column.Name)} = 'null'::jsonb FROM {Stage(model.Name)} s " +
                            $"WHERE s.line = r.line AND s.doc -> '$jsonnull' ? {Sql.Literal(column.Name)}", ct);
        }
        var keyHints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in model.References.Where(r => r.Shape == ReferenceShape.Scalar))
        {
            if (await ScalarAsync($"SELECT count(*) FROM (SELECT 1 FROM {Rec(model.Name)} WHERE {Sql.Ident("ref__" + reference.Column)} IS NOT NULL LIMIT 1) h", ct) > 0)
                keyHints.Add(reference.Column);
        }
        _staged[model.Name] = new StagedTable(carried, partly, keyHints);
        await ExecAsync($"DROP TABLE {Stage(model.Name)}", ct);
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
                _report.Errors.Add(BackupIssue.Error(IssueCode.BadValue, $"{model.Name} row {line}: {e.MessageText}",
                    "The backup holds a value this database's column type does not accept; check the schema versions.",
                    model.Name, $"line {line}", e.ColumnName, phase: BackupPhase.Stage));
                if (++found >= ImportReport.ListedPerCode) break;
            }
        }
        if (found == 0)
            _report.Errors.Add(await _describe.DescribeAsync(first, BackupPhase.Stage, model.Name, ct: ct));
    }
}
