using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Original;

/// <summary>
/// Turns the rows of one original table file into <c>to_jsonb(row)</c> shape for the target table, undoing what
/// node-pg and the exporter's number conversion did to the values, and notes what cannot be undone.
/// </summary>
internal sealed partial class OriginalRowConverter
{
    // The columns the exporter left out in favour of a natural key of the referenced row, which it added under another name.
    private static readonly Dictionary<(string Table, string Key), (string Column, string KeyColumn)> LateSeedReferences = new()
    {
        [("users", "instructor_xmlid")] = ("instructor_id", "xmlid"),
        [("projects", "regio_domaincode")] = ("regio", "domaincode"),
    };

    // What a person recognises a row by in the original tables, best first.
    private static readonly string[] NaturalKeyColumns = ["xmlid", "sysmail", "domaincode", "name", "id"];

    // The rows go to PostgreSQL and into messages, not into HTML, so umlauts may stay readable.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly OriginalTable _table;
    private readonly TableSchema _schema;
    // A set beside the list: a row of many unknown columns would otherwise cost a list search per column.
    private readonly HashSet<string> _unknown = new(StringComparer.Ordinal);
    private readonly List<string> _unknownColumns = [];
    private readonly Dictionary<string, NumberedText> _numberedText = new(StringComparer.Ordinal);
    private readonly List<string> _numberedTextOrder = [];

    private readonly Func<long, RowLinks?>? _links;

    /// <param name="links">What link recovery proved for a row (by its 1-based line): its source id and references by natural key.</param>
    public OriginalRowConverter(OriginalTable table, TableSchema schema, Func<long, RowLinks?>? links = null)
    {
        _table = table;
        _schema = schema;
        _links = links;
    }

    /// <summary>The keys the exporter adds to the rows of <paramref name="table"/> beside its columns (natural keys of left-out references).</summary>
    public static IEnumerable<string> AddedKeys(string table) =>
        LateSeedReferences.Keys.Where(k => k.Table == table).Select(k => k.Key);

    /// <summary>One row (the <paramref name="line"/>-th of its table) in <c>to_jsonb(row)</c> shape; findings gather for <see cref="Issues"/>.</summary>
    public string ConvertRow(JsonElement row, long line)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            List<(string Column, string KeyColumn, string Value)>? references = null;
            var recovered = _links?.Invoke(line);
            writer.WriteStartObject();
            // A source id the file leaves out but its other rows prove (see OriginalLinkRecovery).
            if (recovered?.Id is { } id && _schema.Column("id") is not null && !row.TryGetProperty("id", out _))
                writer.WriteNumber("id", id);
            if (recovered is { References.Count: > 0 }) (references ??= []).AddRange(recovered.References);
            foreach (var property in row.EnumerateObject())
            {
                // Values recovery could not tie to this row alone (it stands for a link it names by natural keys).
                if (recovered?.LeftOut?.Contains(property.Name) == true) continue;
                if (LateSeedReferences.TryGetValue((_table.Name, property.Name), out var reference))
                {
                    if (property.Value.ValueKind != JsonValueKind.Null)
                        (references ??= []).Add((reference.Column, reference.KeyColumn, TextOf(property.Value)));
                    continue;
                }
                var column = _schema.Column(property.Name);
                if (column is null)
                {
                    if (_unknown.Add(property.Name)) _unknownColumns.Add(property.Name);
                    continue;
                }
                // The exporter wrote some generated columns (tasks.status_display); the target computes them itself.
                if (column.IsGenerated) continue;

                writer.WritePropertyName(property.Name);
                WriteValue(writer, column, property.Value, row, line);
            }
            if (references is not null)
            {
                writer.WriteStartObject("$ref");
                foreach (var (column, keyColumn, value) in references)
                {
                    writer.WriteStartObject(column);
                    writer.WriteString(keyColumn, value);
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private void WriteValue(Utf8JsonWriter writer, ColumnSchema column, JsonElement value, JsonElement row, long line)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when column.IsText:
                // The exporter turned every numeric-looking string into a number; its token text is the closest we get back.
                var text = value.GetRawText();
                NoteNumberedText(column.Name, text, row, line);
                writer.WriteStringValue(text);
                return;
            case JsonValueKind.Object when column.UdtName == "bytea" && TryReadBuffer(value, out var bytes):
                writer.WriteStringValue(bytes);
                return;
            case JsonValueKind.String when column.UdtName == "timestamp" && IsoUtcTimestamp().Match(value.GetString()!) is { Success: true } m:
                // node-pg read the zone-less value as local time and the exporter ran in UTC, so the wall-clock time is the UTC one.
                var fraction = m.Groups[2].Value.TrimEnd('0');
                writer.WriteStringValue(fraction.Length > 0 ? $"{m.Groups[1].Value}.{fraction}" : m.Groups[1].Value);
                return;
            case JsonValueKind.String when column.UdtName == "date" && IsoUtcMidnight().Match(value.GetString()!) is { Success: true } m:
                writer.WriteStringValue(m.Groups[1].Value);
                return;
            default:
                value.WriteTo(writer);
                return;
        }
    }

    // node-pg hands bytea out as a Buffer, which JSON.stringify writes as {"type":"Buffer","data":[bytes]}.
    private static bool TryReadBuffer(JsonElement value, out string hex)
    {
        hex = "";
        if (!value.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "Buffer"
            || !value.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            return false;
        var bytes = new byte[data.GetArrayLength()];
        var i = 0;
        foreach (var item in data.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetByte(out bytes[i++])) return false;
        }
        hex = @"\x" + System.Convert.ToHexStringLower(bytes);
        return true;
    }

    private void NoteNumberedText(string column, string text, JsonElement row, long line)
    {
        if (!_numberedText.TryGetValue(column, out var numbered))
        {
            _numberedText[column] = numbered = new NumberedText();
            _numberedTextOrder.Add(column);
        }
        numbered.Count++;
        numbered.HasFraction |= text.Contains('.');
        if (numbered.Examples.Count < 3) numbered.Examples.Add($"{RowKey(row, line)}: {text}");
    }

    private static string RowKey(JsonElement row, long line)
    {
        foreach (var name in NaturalKeyColumns)
        {
            if (row.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                return TextOf(value);
        }
        return $"row {line}";
    }

    private static string TextOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    /// <summary>What the rows converted so far lose: one issue per unknown column and per column of numbered text.</summary>
    public List<BackupIssue> Issues()
    {
        var issues = new List<BackupIssue>();
        foreach (var column in _unknownColumns)
        {
            issues.Add(BackupIssue.Warning(IssueCode.UnknownColumn,
                $"{_table.Name}.{column} is in the backup ({_table.File}) but not in the target database; its values are left out.",
                "If these values matter, add the column to the target database and import again.",
                table: _table.Name, column: column));
        }
        foreach (var column in _numberedTextOrder)
        {
            var numbered = _numberedText[column];
            var values = numbered.Count == 1 ? "1 value was written as a number" : $"{numbered.Count} values were written as numbers";
            var lost = numbered.HasFraction ? "leading zeros and trailing decimal zeros" : "leading zeros";
            issues.Add(BackupIssue.Warning(IssueCode.LossyTextNumber,
                $"{_table.Name}.{column}: {values} by the original exporter; {lost} may be lost " +
                $"(e.g. {string.Join(", ", numbered.Examples)})",
                "Check these values after import.",
                table: _table.Name, column: column));
        }
        return issues;
    }

    private sealed class NumberedText
    {
        public int Count { get; set; }
        public bool HasFraction { get; set; }
        public List<string> Examples { get; } = [];
    }

    [GeneratedRegex(@"^([0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]+))?Z$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoUtcTimestamp();

    [GeneratedRegex(@"^([0-9]{4,}-[0-9]{2}-[0-9]{2})T00:00:00(?:\.0+)?Z$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoUtcMidnight();
}
