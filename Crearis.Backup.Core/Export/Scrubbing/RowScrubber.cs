using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Export.Scrubbing;

/// <summary>
/// Scrubs an export's rows one at a time, as they stream from the server to the table's scratch file (before the
/// table's SHA-256 is taken, so the manifest's checksums are those of the scrubbed rows). A row is the object
/// <c>to_jsonb</c> rendered: personal columns are replaced by their kind (<see cref="PersonalData"/>), members of jsonb
/// columns by their key, and every other string — at any depth, property names too — has its e-mail addresses
/// replaced. The "$jsonnull" marker (column names) is kept as it is. Memory stays flat except for one entry per
/// distinct e-mail of <see cref="PersonalData.DistinctEmails"/> (about 40 bytes a user), which is how a collision is
/// found before the file is written.
/// </summary>
internal sealed class RowScrubber
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The server writes UTF-8 as it is; so do we (only what JSON requires is escaped).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly PersonalData _data;
    private readonly Pseudonyms _pseudonyms;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;
    // Pseudonym bits → 64 further bits of the same HMAC: the same address seen twice (a user's extmail equal to their
    // sysmail) has the same check; two different addresses with one pseudonym have different ones.
    private readonly Dictionary<UInt128, ulong> _distinct = [];

    public RowScrubber(ScrubKey key, PersonalData data, int emailBits = 128)
    {
        _data = data;
        _pseudonyms = new Pseudonyms(key, emailBits);
        _writer = new Utf8JsonWriter(_buffer, WriterOptions);
        Fingerprint = key.Fingerprint;
    }

    public string Fingerprint { get; }

    /// <summary>Set when two different e-mail addresses got the same pseudonym: the export must not be written.</summary>
    public BackupIssue? Collision { get; private set; }

    /// <summary>What the manifest says was scrubbed: the personal columns of the exported tables ("json" for a jsonb column scrubbed by member).</summary>
    public ManifestScrub Manifest(IEnumerable<TableModel> models)
    {
        var columns = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            var present = model.Schema.Writable.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var (column, kind) in _data.Columns.GetValueOrDefault(model.Name) ?? new Dictionary<string, ScrubKind>())
                if (present.Contains(column)) columns[$"{model.Name}.{column}"] = kind.Wire();
            foreach (var table in new[] { model.Name, PersonalData.AnyTable })
                foreach (var column in (_data.JsonKeys.GetValueOrDefault(table) ?? new Dictionary<string, IReadOnlyDictionary<string, ScrubKind>>()).Keys)
                    if (present.Contains(column)) columns.TryAdd($"{model.Name}.{column}", "json");
        }
        return new ManifestScrub { KeyFingerprint = Fingerprint, Columns = columns };
    }

    /// <summary>One row (as the server rendered it) scrubbed, as UTF-8.</summary>
    public byte[] Row(string table, string json)
    {
        var columns = _data.Columns.GetValueOrDefault(table);
        var jsonKeys = _data.JsonKeys.GetValueOrDefault(table);
        var anyTable = _data.JsonKeys.GetValueOrDefault(PersonalData.AnyTable);
        if (columns is null && jsonKeys is null && anyTable is null && !json.Contains('@')) return Encoding.UTF8.GetBytes(json);

        using var document = JsonDocument.Parse(json);
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            _writer.WritePropertyName(property.Name);
            if (property.Name == "$jsonnull") property.Value.WriteTo(_writer);
            else if (columns is not null && columns.TryGetValue(property.Name, out var kind) && property.Value.ValueKind == JsonValueKind.String)
                _writer.WriteStringValue(Column(table, property.Name, kind, property.Value.GetString()!));
            else Walk(property.Value, jsonKeys?.GetValueOrDefault(property.Name) ?? anyTable?.GetValueOrDefault(property.Name));
        }
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    private string Column(string table, string column, ScrubKind kind, string value)
    {
        if (kind != ScrubKind.Email || !Pseudonyms.WholeEmail.IsMatch(value) || !_data.DistinctEmails.Contains($"{table}.{column}"))
            return _pseudonyms.Of(kind, value);
        var pseudonym = _pseudonyms.Email(value, out var bits, out var check);
        if (!_distinct.TryAdd(bits, check) && _distinct[bits] != check && Collision is null)
            // The issue names the pseudonym, never the addresses: it goes to logs and the audit trail.
            Collision = BackupIssue.Error(IssueCode.ScrubCollision,
                $"Two different e-mail addresses of {string.Join(" / ", _data.DistinctEmails)} get the same pseudonym {pseudonym}: " +
                "the scrubbed copy would break a UNIQUE key, so it was not written.",
                "Export again with another scrub key (a new CREARIS_SCRUB_KEY or --scrub-key-file).", table, column: column);
        return pseudonym;
    }

    /// <summary>A value that is not a personal column: its e-mail addresses replaced at any depth, members named in <paramref name="keys"/> by their kind.</summary>
    private void Walk(JsonElement element, IReadOnlyDictionary<string, ScrubKind>? keys)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                _writer.WriteStartObject();
                foreach (var member in element.EnumerateObject())
                {
                    _writer.WritePropertyName(_pseudonyms.EmailsIn(member.Name));
                    if (keys is not null && keys.TryGetValue(member.Name, out var kind)) Kinded(member.Value, kind, keys);
                    else Walk(member.Value, keys);
                }
                _writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                _writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) Walk(item, keys);
                _writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                _writer.WriteStringValue(_pseudonyms.EmailsIn(element.GetString()!));
                break;
            default:
                // Numbers as the server wrote them (their exact text), true, false, null.
                element.WriteTo(_writer);
                break;
        }
    }

    /// <summary>A json member of a personal kind: a string replaced, each string of an array replaced, anything else walked.</summary>
    private void Kinded(JsonElement element, ScrubKind kind, IReadOnlyDictionary<string, ScrubKind> keys)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _writer.WriteStringValue(_pseudonyms.Of(kind, element.GetString()!));
                break;
            case JsonValueKind.Array:
                _writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                    if (item.ValueKind == JsonValueKind.String) _writer.WriteStringValue(_pseudonyms.Of(kind, item.GetString()!));
                    else Walk(item, keys);
                _writer.WriteEndArray();
                break;
            default:
                Walk(element, keys);
                break;
        }
    }
}
