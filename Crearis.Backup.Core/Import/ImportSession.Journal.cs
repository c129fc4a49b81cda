using System.Runtime.CompilerServices;
using System.Text.Json;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Planning;
using Npgsql;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// The journal: every row a table's write inserted, updated (each changed field, before → after), kept, skipped or
/// refused, read from the run's own id map while its transaction is open and handed to <see cref="IRowJournal"/>. The
/// report's few change examples are the journal's first rows; without a journal only those are read.
/// </summary>
internal sealed partial class ImportSession
{
    /// <summary>
    /// The rows the merge will change (from the changed-columns table, before the update runs), each changed field as
    /// [before, after the value the merge writes].
    /// </summary>
    private async Task CollectChangesAsync(TableModel model, List<ColumnSchema> compared, List<string> newValues, string rowMatch, CancellationToken ct,
        string joins)
    {
        var name = model.Name;
        var diff = JsonObject(compared.Select((c, i) => (c.Name,
            $"CASE WHEN x.{Sql.Ident(c.Name)} IS DISTINCT FROM {newValues[i]} THEN jsonb_build_array(x.{Sql.Ident(c.Name)}::text, ({newValues[i]})::text) END")));
        var limit = journal is null ? $" LIMIT {ImportReport.ExamplesPerTable}" : "";
        var sql = $"SELECT m.line, {KeyText(model, "m")}, jsonb_strip_nulls({diff})::text, {TargetOf(model)} FROM public.{Sql.Ident(name)} x, {Res(name)} v JOIN {Map(name)} m ON m.line = v.line{joins} " +
                  $"JOIN (SELECT c.line FROM {Chg(name)} c ORDER BY c.line{limit}) c ON c.line = m.line " +
                  $"WHERE {rowMatch} ORDER BY m.line";
        var examples = new List<ChangeExample>();
        var rows = ReadJournalAsync(sql, reader =>
        {
            var (key, changes) = (reader.GetString(1), reader.GetString(2));
            if (examples.Count < ImportReport.ExamplesPerTable) examples.Add(Example(key, changes));
            return new JournalRow(name, RowAction.Update, reader.GetInt64(0), key, changes, null, reader.GetString(3));
        }, ct);
        if (journal is null) await foreach (var _ in rows) { }
        else await journal.WriteAsync(rows, ct);
        if (examples.Count > 0) _report.Examples[name] = examples;
    }

    /// <summary>
    /// The table's other rows for the journal, once it is written: inserted (with the values written), kept (Import
    /// New Only: already here), skipped and refused (with their issue code). Unchanged rows of a merge are only counted.
    /// </summary>
    private async Task JournalRowsAsync(TableModel model, List<ColumnSchema> writable, CancellationToken ct)
    {
        if (journal is null) return;
        var name = model.Name;
        var values = JsonObject(writable.Select(c => (c.Name, $"v.{Sql.Ident(c.Name)}::text")));
        var kept = options.Mode == ImportMode.NewOnly ? " OR (m.present AND m.skip IS NULL)" : "";
        var sql = $"SELECT m.line, {KeyText(model, "m")}, " +
                  $"CASE WHEN m.inserted THEN {(int)RowAction.Insert} WHEN m.failed THEN {(int)RowAction.Fail} " +
                  $"WHEN m.skip IS NOT NULL THEN {(int)RowAction.Skip} ELSE {(int)RowAction.Keep} END, " +
                  $"CASE WHEN m.inserted THEN ({values})::text END, m.skip, CASE WHEN m.inserted THEN {TargetOf(model)} END " +
                  $"FROM {Map(name)} m LEFT JOIN {Res(name)} v ON v.line = m.line " +
                  $"WHERE (m.skip IS NULL OR m.skip <> {Sql.Literal(ContextRow)}) AND (m.inserted OR m.skip IS NOT NULL{kept}) ORDER BY m.line";
        await journal.WriteAsync(ReadJournalAsync(sql, reader => new JournalRow(name, (RowAction)reader.GetInt32(2), reader.GetInt64(0),
            reader.GetString(1), reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5)), ct), ct);
    }

    /// <summary>The row in the target (map alias m): its id, or its natural key columns with the target's values.</summary>
    private static string TargetOf(TableModel model) => model.IdColumn is { } id
        ? $"jsonb_build_object({Sql.Literal(id)}, m.dst::text)::text"
        : $"({JsonObject(model.Profile.NaturalKey.Select((k, i) => (k.Column, $"m.k{i}::text")))})::text";

    private async IAsyncEnumerable<JournalRow> ReadJournalAsync(string sql, Func<NpgsqlDataReader, JournalRow> row,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, _tx) { CommandTimeout = 0 };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) yield return row(reader);
    }

    /// <summary>A JSON object of named SQL values, built in pieces: jsonb_build_object takes at most 100 arguments.</summary>
    private static string JsonObject(IEnumerable<(string Name, string Value)> fields)
    {
        var pieces = fields.Chunk(40).Select(chunk =>
            "jsonb_build_object(" + string.Join(", ", chunk.Select(f => $"{Sql.Literal(f.Name)}, {f.Value}")) + ")").ToList();
        return pieces.Count == 0 ? "'{}'::jsonb" : string.Join(" || ", pieces);
    }

    private static ChangeExample Example(string key, string changes)
    {
        using var doc = JsonDocument.Parse(changes);
        return new ChangeExample(key, doc.RootElement.EnumerateObject().ToDictionary(p => p.Name,
            p => (Text(p.Value[0]), Text(p.Value[1]))));
    }

    private static string? Text(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetString();
}
