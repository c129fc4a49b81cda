using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Unicode;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Crearis;

/// <summary>
/// Reads one table file of our format (tables/x.jsonl) row by row, exactly as the exporter wrote it: a row is one JSON
/// object of valid UTF-8 ending in "\n" — nothing else counts as a line break, so a bare carriage return cannot hide a
/// row from the count — with no key twice and no key its manifest does not declare. Verification and the import read
/// through this one class, so what the verification counted and hashed is what the import gets.
/// </summary>
internal sealed class TableFileReader : IDisposable
{
    private readonly Stream _data;
    private readonly BackupLimits _limits;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Dictionary<string, Name> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Name>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly IReadOnlySet<string>? _declared;
    private byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private bool _eof;

    /// <param name="declared">The columns the manifest declares; null while it is not known yet (verification meets
    /// the manifest after the tables), then <see cref="Names"/> is checked afterwards.</param>
    public TableFileReader(Stream data, string file, string entry, BackupLimits limits, IReadOnlySet<string>? declared)
    {
        _data = data;
        _limits = limits;
        _declared = declared;
        File = file;
        Entry = entry;
        _lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string File { get; }
    public string Entry { get; }
    public long Rows { get; private set; }
    public long Bytes { get; private set; }

    /// <summary>Every column name the rows mention (keys, "$jsonnull" entries, "$ref" keys) and the first row naming it.</summary>
    public IEnumerable<(string Column, long FirstRow)> Names =>
        _names.Where(n => !IsMember(n.Key)).Select(n => (n.Key, n.Value.FirstRow));

    /// <summary>The SHA-256 of the bytes read so far (the whole file once <see cref="NextAsync"/> returned null).</summary>
    public string Sha256() => Convert.ToHexString(_sha.GetCurrentHash()).ToLowerInvariant();

    /// <summary>The next row, checked; null at the end of the file. The bytes are valid until the next call.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> NextAsync(CancellationToken ct)
    {
        var scanFrom = _start;
        while (true)
        {
            var newline = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = _buffer.AsMemory(_start, scanFrom + newline - _start);
                _start = scanFrom + newline + 1;
                Rows++;
                Check(line.Span);
                return line;
            }
            if (_end - _start > _limits.MaxRowBytes)
                throw Refuse(IssueCode.TooLarge, $"row {Rows + 1} is longer than {_limits.MaxRowBytes >> 20} MiB, more than this tool reads as one row.");
            if (_eof)
            {
                if (_end > _start)
                    throw Refuse(IssueCode.BadRow, $"ends in {_end - _start} bytes after its last line break (row {Rows + 1} is cut off or was appended).");
                return null;
            }
            // Keep the unfinished line, make room behind it, and read on.
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            scanFrom = _end;
            if (_end == _buffer.Length) Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, _limits.MaxRowBytes + 2L));
            var read = await _data.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0) _eof = true;
            _sha.AppendData(_buffer, _end, read);
            Bytes += read;
            _end += read;
        }
    }

    /// <summary>Reads to the end (verification: counts, hashes and collects the names of every row).</summary>
    public async Task ReadToEndAsync(CancellationToken ct)
    {
        while (await NextAsync(ct) is not null) { }
    }

    public void Dispose() => _sha.Dispose();

    private void Check(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty) throw Refuse(IssueCode.BadRow, $"row {Rows} is an empty line; every line is one row.");
        if (!Utf8.IsValid(line)) throw Refuse(IssueCode.BadRow, $"row {Rows} is not valid UTF-8 text.");
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Refuse(IssueCode.BadRow, $"row {Rows} is not a JSON object.");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = Note(ref reader, topLevel: true);
                reader.Read();
                switch (name)
                {
                    case "$jsonnull":
                        if (reader.TokenType != JsonTokenType.StartArray) throw Refuse(IssueCode.BadRow, $"row {Rows}: \"$jsonnull\" is not a list of columns.");
                        while (reader.Read() && reader.TokenType == JsonTokenType.String) Note(ref reader, topLevel: false);
                        if (reader.TokenType != JsonTokenType.EndArray) throw Refuse(IssueCode.BadRow, $"row {Rows}: \"$jsonnull\" is not a list of columns.");
                        break;
                    case "$ref":
                        if (reader.TokenType != JsonTokenType.StartObject) throw Refuse(IssueCode.BadRow, $"row {Rows}: \"$ref\" is not an object of columns.");
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            Note(ref reader, topLevel: false);
                            reader.Read();
                            if (reader.TokenType != JsonTokenType.StartObject) throw Refuse(IssueCode.BadRow, $"row {Rows}: a \"$ref\" entry is not an object of key columns.");
                            reader.Skip();
                        }
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            // The reader stands on the row's closing brace; anything after it but blanks is a second value.
            if (reader.Read()) throw Refuse(IssueCode.BadRow, $"row {Rows} holds more than one JSON value.");
        }
        catch (JsonException e)
        {
            throw Refuse(IssueCode.BadRow, $"row {Rows} is not valid JSON ({e.Message}).");
        }
    }

    /// <summary>Records a column name the row mentions; refuses a key given twice in one row, a column the manifest
    /// does not declare, and a file mentioning more names than any table has.</summary>
    private string Note(ref Utf8JsonReader reader, bool topLevel)
    {
        var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        Span<char> chars = length <= 256 ? stackalloc char[length] : new char[length];
        chars = chars[..reader.CopyString(chars)];
        if (!_lookup.TryGetValue(chars, out var seen))
        {
            var name = chars.ToString();
            if (_declared is not null && !IsMember(name) && !_declared.Contains(name))
                throw Refuse(IssueCode.UndeclaredColumn, $"row {Rows} carries a column \"{Shorten(name)}\" its manifest does not declare.");
            if (_names.Count >= _limits.MaxColumnNames)
                throw Refuse(IssueCode.TooLarge, $"row {Rows}: the file names more than {_limits.MaxColumnNames} different columns.");
            _names[name] = seen = new Name(Rows);
        }
        if (topLevel)
        {
            if (seen.LastRow == Rows) throw Refuse(IssueCode.BadRow, $"row {Rows} gives \"{Shorten(chars.ToString())}\" twice.");
            seen.LastRow = Rows;
        }
        return IsMember(chars) ? chars.ToString() : "";
    }

    private static bool IsMember(ReadOnlySpan<char> name) => name is "$jsonnull" or "$ref";

    private static string Shorten(string name) => name.Length <= 80 ? name : name[..80] + "…";

    private BackupFileException Refuse(IssueCode code, string what) =>
        new(BackupIssue.Error(code, $"{File}: {Entry} {what}", "The file was changed or damaged after export; use an intact copy.",
            key: $"{Entry}:{Rows}"));

    private sealed class Name(long firstRow)
    {
        public long FirstRow { get; } = firstRow;
        public long LastRow { get; set; }
    }
}
