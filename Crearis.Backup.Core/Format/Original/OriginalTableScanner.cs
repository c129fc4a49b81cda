using System.Text.Json;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Original;

/// <summary>One table of a table file as the scan found it: the file's own statements, checked against its rows.</summary>
internal sealed record ScannedTable(string Name, IReadOnlyList<string> Columns, long RowCount, bool IsDetail);

/// <summary>What a table file holds: its tables (the entity first, then its detail tables), or the first problem, where reading stopped.</summary>
internal sealed record ScannedFile(IReadOnlyList<ScannedTable> Tables, BackupIssue? Problem);

/// <summary>
/// Reads one table file of the original format as a stream, in bounded memory, and checks it strictly: the layout the
/// exporter writes (<c>{tableName, rowCount, columns, rows, detailTables}</c>, detail tables adding <c>parentKey</c>),
/// each member once, <c>tableName</c> and <c>columns</c> before <c>rows</c>; every row an object with exactly the
/// declared columns (plus the natural keys the exporter adds in place of a left-out reference), each key once; rows
/// counted one by one against <c>rowCount</c>; strict UTF-8 throughout; and the caps of <see cref="OriginalLimits"/>.
/// Work per row is linear in its size: a key is looked up once in a hash table of the columns.
/// </summary>
internal sealed class OriginalTableScanner
{
    private const string Suggestion = "The file was changed or damaged after export; use an intact copy of the tarball.";

    private readonly string _file;
    private readonly JsonChunks _chunks;
    private readonly List<ScannedTable> _tables = [];
    private readonly char[] _name = new char[256];
    private BackupIssue? _problem;

    private OriginalTableScanner(Stream data, string file, CancellationToken ct, Action<ReadOnlySpan<byte>>? onBytes)
    {
        _file = file;
        _chunks = new JsonChunks(data, OriginalLimits.MaxRowBytes, ct, onBytes);
    }

    /// <param name="onBytes">Sees every byte of the file once, in order, as it is read (for its checksum).</param>
    public static ScannedFile Scan(Stream data, string file, CancellationToken ct, Action<ReadOnlySpan<byte>>? onBytes = null)
    {
        var scanner = new OriginalTableScanner(data, file, ct, onBytes);
        scanner.Run();
        return new ScannedFile(scanner._tables, scanner._problem);
    }

    private void Run()
    {
        var reader = _chunks.Reader();
        try
        {
            if (!Next(ref reader, "the file is empty")) return;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Fail(IssueCode.BadTableFile, $"{_file} is not a table file of the original format: it is not a JSON object.", null);
                return;
            }
            if (!Table(ref reader, isDetail: false)) return;
            // Reads to the end, so that trailing text is found and every byte is checked (and hashed).
            if (_chunks.Read(ref reader))
                Fail(IssueCode.BadTableFile, $"{_file} is not a table file of the original format: text follows its JSON object.", null);
            else Trouble(null, null);
        }
        catch (JsonException e)
        {
            if (!Trouble(null, null))
                Fail(IssueCode.BadTableFile, $"{_file} is not valid JSON near byte {_chunks.BytesRead} ({e.Message}).", null);
        }
    }

    private bool Table(ref Utf8JsonReader reader, bool isDetail)
    {
        string? name = null;
        long? rowCount = null;
        List<string>? columns = null;
        Dictionary<string, int>? index = null;
        long rows = -1;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var label = _file;
        // The entity comes first, before the detail tables it holds (which the scan meets inside it).
        var position = _tables.Count;
        while (true)
        {
            if (!Next(ref reader, "it ends inside a table", label, name)) return false;
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (Text(ref reader) is not { } member) return BadFile(label, "a member's name is not valid text (an escaped lone surrogate).", name);
            if (!seen.Add(member)) return BadFile(label, $"the member \"{Shorten(member)}\" occurs twice; which one counts would be ambiguous.", name);
            if (!Next(ref reader, "it ends inside a table")) return false;
            switch (member)
            {
                case "tableName" when reader.TokenType == JsonTokenType.String:
                    name = Text(ref reader);
                    if (name is not { Length: > 0 }) return BadFile(label, "its \"tableName\" is empty or not valid text.", null);
                    if (isDetail) label = $"{_file} (detail table {name})";
                    break;
                case "rowCount" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var count) && count >= 0:
                    rowCount = count;
                    break;
                case "columns" when reader.TokenType == JsonTokenType.StartArray:
                    (columns, index) = (new List<string>(), new Dictionary<string, int>(StringComparer.Ordinal));
                    while (Next(ref reader, "it ends inside \"columns\"") && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.String) return BadFile(label, "its \"columns\" holds something other than column names.", name);
                        if (Text(ref reader) is not { } column) return BadFile(label, "a name in its \"columns\" is not valid text.", name);
                        if (!index.TryAdd(column, columns.Count)) return BadFile(label, $"its \"columns\" names \"{Shorten(column)}\" twice.", name);
                        columns.Add(column);
                        if (columns.Count > OriginalLimits.MaxColumns)
                            return Fail(IssueCode.TooLarge, $"{label}: table {name ?? "?"} declares more than {OriginalLimits.MaxColumns} columns, more than PostgreSQL allows a table.", name);
                    }
                    if (_problem is not null) return false;
                    break;
                case "rows" when reader.TokenType == JsonTokenType.StartArray:
                    if (name is null || columns is null)
                        return BadFile(label, "its \"rows\" come before its \"tableName\" and \"columns\"; the exporter writes those first.", name);
                    rows = Rows(ref reader, name, label, columns, index!);
                    if (rows < 0) return false;
                    break;
                case "detailTables" when !isDetail && reader.TokenType == JsonTokenType.Null:
                    break;
                case "detailTables" when !isDetail && reader.TokenType == JsonTokenType.StartArray:
                    while (Next(ref reader, "it ends inside \"detailTables\"") && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.StartObject) return BadFile(label, "a detail table is not a JSON object.", name);
                        if (!Table(ref reader, isDetail: true)) return false;
                    }
                    if (_problem is not null) return false;
                    break;
                case "parentKey" when isDetail && reader.TokenType is JsonTokenType.String or JsonTokenType.Null:
                    break;
                case "tableName" or "rowCount" or "columns" or "rows" or "detailTables" or "parentKey"
                    when !(member is "detailTables" && isDetail) && !(member is "parentKey" && !isDetail):
                    return BadFile(label, $"its \"{member}\" is not {Expected(member)}.", name);
                default:
                    return BadFile(label, $"it has the member \"{Shorten(member)}\", which the original exporter does not write.", name);
            }
        }
        if (name is null) return BadFile(label, "it has no \"tableName\".", null);
        if (rowCount is null) return BadFile(label, "it has no numeric \"rowCount\".", name);
        if (columns is null) return BadFile(label, "it has no \"columns\" array of column names.", name);
        if (rows < 0) return BadFile(label, "it has no \"rows\" array of row objects.", name);
        if (rows != rowCount)
        {
            return Fail(IssueCode.BadRowCount, $"{label} says it holds {rowCount} rows of {name} but contains {rows}.", name,
                "The file was changed or cut short after export; use an intact copy of the tarball.");
        }
        _tables.Insert(position, new ScannedTable(name, columns, rows, isDetail));
        return true;
    }

    private static string Expected(string member) => member switch
    {
        "tableName" => "a table name",
        "rowCount" => "a whole number",
        "columns" => "an array of column names",
        "rows" => "an array of row objects",
        "detailTables" => "an array of detail tables",
        _ => "a text",
    };

    /// <summary>Counts and checks the rows; -1 on a problem.</summary>
    private long Rows(ref Utf8JsonReader reader, string table, string label, List<string> columns, Dictionary<string, int> index)
    {
        // The keys a row may hold: its columns, then the natural keys the exporter adds in place of a left-out reference.
        var keys = new Dictionary<string, int>(index, StringComparer.Ordinal);
        foreach (var extra in OriginalRowConverter.AddedKeys(table)) keys.TryAdd(extra, keys.Count);
        var lookup = keys.GetAlternateLookup<ReadOnlySpan<char>>();
        // The row in which each key was last seen: finding a repeat costs no clearing between rows.
        var seenIn = new long[keys.Count];
        long line = 0;
        while (NextInRow(ref reader, label, table, line + 1) && reader.TokenType != JsonTokenType.EndArray)
        {
            line++;
            if (line > OriginalLimits.MaxRows)
            {
                Fail(IssueCode.TooLarge, $"{label}: table {table} holds more than {OriginalLimits.MaxRows:N0} rows, more than any real backup.", table);
                return -1;
            }
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                BadFile(label, $"row {line} of {table} is not a JSON object.", table);
                return -1;
            }
            // Pinned, the row stays in the buffer until it ends: a row longer than the cap is refused here, as reading it for
            // import would have to hold it whole.
            _chunks.Pin(ref reader);
            var present = 0;
            while (NextInRow(ref reader, label, table, line) && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = Name(ref reader);
                if (name is null)
                {
                    BadFile(label, $"row {line} of {table} has a key that is not valid text.", table);
                    return -1;
                }
                if (!lookup.TryGetValue(name.Value.Span, out var key))
                {
                    BadFile(label, $"row {line} of {table} has the key \"{Shorten(name.Value.Span)}\", which its \"columns\" do not declare.", table);
                    return -1;
                }
                if (seenIn[key] == line)
                {
                    BadFile(label, $"row {line} of {table} holds the key \"{Shorten(name.Value.Span)}\" twice; which value counts would be ambiguous.", table);
                    return -1;
                }
                seenIn[key] = line;
                if (key < columns.Count) present++;
                if (!SkipValue(ref reader, label, table, line)) return -1;
            }
            if (_problem is not null) return -1;
            _chunks.Unpin();
            if (present != columns.Count)
            {
                var missing = columns.First(c => seenIn[index[c]] != line);
                BadFile(label, $"row {line} of {table} lacks the column \"{missing}\" that its \"columns\" declare (the exporter writes every column of every row).", table);
                return -1;
            }
        }
        return _problem is not null ? -1 : line;
    }

    private bool SkipValue(ref Utf8JsonReader reader, string label, string table, long line)
    {
        if (!NextInRow(ref reader, label, table, line)) return false;
        // A scalar is the value; an object or array ends with the token that brings the depth back to where it began.
        var depth = reader.CurrentDepth;
        while (true)
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped && Name(ref reader) is null)
                return BadFile(label, $"row {line} of {table} holds text that is not valid Unicode (an escaped lone surrogate).", table);
            if (reader.CurrentDepth == depth && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray)) return true;
            if (!NextInRow(ref reader, label, table, line)) return false;
        }
    }

    // The current property name or string, unescaped, without allocating for names of ordinary length; null when its
    // escapes do not make valid text.
    private ReadOnlyMemory<char>? Name(ref Utf8JsonReader reader)
    {
        try
        {
            if (reader.ValueSpan.Length <= _name.Length)
                return _name.AsMemory(0, reader.CopyString(_name));
            return reader.GetString()!.AsMemory();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    // A string token as text; null when its escapes spell a lone surrogate, which reading it as text would throw on.
    private static string? Text(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string Shorten(ReadOnlySpan<char> name) => name.Length <= 100 ? name.ToString() : name[..100].ToString() + "…";

    /// <summary>The next token; false (with the problem recorded) at a problem or an unexpected end.</summary>
    private bool Next(ref Utf8JsonReader reader, string atEnd, string? label = null, string? table = null)
    {
        if (_chunks.Read(ref reader)) return true;
        if (!Trouble(label, table)) BadFile(label ?? _file, atEnd + "; the file is cut short.", table);
        return false;
    }

    /// <summary>The next token of a row; a problem names the row. (Its message is made only then: this runs for every token.)</summary>
    private bool NextInRow(ref Utf8JsonReader reader, string label, string table, long row)
    {
        if (_chunks.Read(ref reader)) return true;
        if (!Trouble(label, table, row)) BadFile(label, $"it ends inside row {row} of {table}; the file is cut short.", table);
        return false;
    }

    /// <summary>Records a problem the chunk reader met (broken UTF-8, a value too long), if there is one.</summary>
    private bool Trouble(string? label, string? table, long row = 0)
    {
        if (_problem is not null) return true;
        switch (_chunks.Problem)
        {
            case JsonChunks.Trouble.InvalidUtf8:
                Fail(IssueCode.BadTableFile, $"{_file} is not valid UTF-8 text (byte {_chunks.ProblemOffset}); the exporter writes UTF-8.", table);
                return true;
            case JsonChunks.Trouble.TooLong:
                var what = table is not null && row > 0 ? $"row {row} of {table}" : "a value";
                Fail(IssueCode.TooLarge,
                    $"{label ?? _file}: {what} is longer than {OriginalLimits.MaxRowBytes >> 20} MiB (from byte {_chunks.ProblemOffset}), longer than any row the exporter writes.", table);
                return true;
            default:
                return false;
        }
    }

    private bool BadFile(string label, string problem, string? table) =>
        Fail(IssueCode.BadTableFile, $"{label} is not a table file of the original format: {problem}", table);

    private bool Fail(IssueCode code, string message, string? table, string suggestion = Suggestion)
    {
        _problem ??= BackupIssue.Error(code, message, suggestion, table: table, key: _file);
        return false;
    }
}

/// <summary>
/// Hands out the rows of one table of a table file that <see cref="OriginalTableScanner"/> has accepted, one at a time
/// as their bytes, in bounded memory. The scan proved the layout, so this only finds the <c>rows</c> array that follows
/// the table's <c>tableName</c> and skips everything else whole.
/// </summary>
internal sealed class OriginalRowReader(Stream data, string table, CancellationToken ct)
{
    private readonly JsonChunks _chunks = new(data, OriginalLimits.MaxRowBytes, ct);
    private string? _currentTable;
    private bool _inRows;
    private bool _done;

    /// <summary>The next row's JSON, or null after the last.</summary>
    public byte[]? Next()
    {
        if (_done) return null;
        var reader = _chunks.Reader();
        try
        {
            while (Read(ref reader))
            {
                if (_inRows)
                {
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        _inRows = false;
                        break;
                    }
                    _chunks.Pin(ref reader);
                    Skip(ref reader);
                    var row = _chunks.Pinned(ref reader).ToArray();
                    _chunks.Unpin();
                    return row;
                }
                if (reader.TokenType != JsonTokenType.PropertyName) continue;
                if (reader.ValueTextEquals("tableName"u8))
                {
                    Must(ref reader);
                    _currentTable = reader.GetString();
                }
                else if (reader.ValueTextEquals("rows"u8))
                {
                    Must(ref reader);
                    if (_currentTable == table) _inRows = true;
                    else Skip(ref reader);
                }
                else if (!reader.ValueTextEquals("detailTables"u8))
                {
                    Must(ref reader);
                    Skip(ref reader);
                }
            }
            _done = true;
            return null;
        }
        finally
        {
            _chunks.Save(ref reader);
        }
    }

    private bool Read(ref Utf8JsonReader reader)
    {
        if (_chunks.Read(ref reader)) return true;
        if (_chunks.Problem != JsonChunks.Trouble.None || _inRows) Changed();
        return false;
    }

    private void Must(ref Utf8JsonReader reader)
    {
        if (!_chunks.Read(ref reader)) Changed();
    }

    // The spool is the copy verification read and checked; it ends early or breaks only if something changed it since.
    private void Changed() => throw new InvalidDataException($"The rows of {table} are no longer what verification read.");

    private void Skip(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray)) return;
        do Must(ref reader);
        while (reader.CurrentDepth != depth || reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray));
    }
}
