using System.Text.Json;
using System.Text.Json.Serialization;

namespace Crearis.Backup.Core.Import;

/// <summary>How close two edits must be to collide (<c>--conflicts cell|row</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConflictStrictness>))]
public enum ConflictStrictness
{
    /// <summary>Only the same field changed differently on both sides collides; other edits of one row are merged.</summary>
    [JsonStringEnumMemberName("cell")] Cell,

    /// <summary>Any change on both sides to the same row collides, on every field where the two sides differ.</summary>
    [JsonStringEnumMemberName("row")] Row,
}

/// <summary>What a merge does with a conflict no resolution decides (<c>--on-conflict</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConflictPolicy>))]
public enum ConflictPolicy
{
    /// <summary>Write nothing; list the conflicts (the CLI exits 3).</summary>
    [JsonStringEnumMemberName("fail")] Fail,

    /// <summary>This database's value stays.</summary>
    [JsonStringEnumMemberName("keep-target")] KeepTarget,

    /// <summary>The backup's value is written.</summary>
    [JsonStringEnumMemberName("take-backup")] TakeBackup,
}

[JsonConverter(typeof(JsonStringEnumConverter<ConflictKind>))]
public enum ConflictKind
{
    /// <summary>The field changed on both sides since the base, to different values.</summary>
    [JsonStringEnumMemberName("both-changed")] BothChanged,

    /// <summary>The row changed here since the base and the backup's instance deleted it.</summary>
    [JsonStringEnumMemberName("changed-here-deleted-there")] ChangedHereDeletedThere,

    /// <summary>The row was deleted here since the base and the backup's instance changed it.</summary>
    [JsonStringEnumMemberName("deleted-here-changed-there")] DeletedHereChangedThere,
}

/// <summary>Which side a decision takes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConflictTake>))]
public enum ConflictTake
{
    /// <summary>This database's value (for a row-level conflict: the row stays as it is here, or stays deleted).</summary>
    [JsonStringEnumMemberName("target")] Target,

    /// <summary>The backup's value (row-level: the backup's row is written, or the row is deleted).</summary>
    [JsonStringEnumMemberName("backup")] Backup,

    /// <summary>A value the admin typed (<see cref="ConflictResolution.Value"/>), for a field.</summary>
    [JsonStringEnumMemberName("value")] Value,
}

/// <summary>
/// The words for <see cref="ConflictTake"/> wherever they are not JSON (which the attributes above name alike): the
/// resolutions file's reader, the run's SQL, the admin database.
/// </summary>
public static class ConflictTakeNames
{
    public static string Name(ConflictTake take) => take switch
    {
        ConflictTake.Target => "target",
        ConflictTake.Backup => "backup",
        ConflictTake.Value => "value",
        _ => throw new ArgumentOutOfRangeException(nameof(take), take, null),
    };

    public static bool TryParse(string? name, out ConflictTake take)
    {
        foreach (var member in Enum.GetValues<ConflictTake>())
            if (Name(member) == name)
            {
                take = member;
                return true;
            }
        take = default;
        return false;
    }
}

/// <summary>
/// One decided conflict, as a resolutions file holds it: the conflict's table, key and column (null for a row-level
/// conflict) and the side taken; <see cref="Value"/> is the field's new value (JSON, as the backup's rows write it)
/// when <see cref="Take"/> is <see cref="ConflictTake.Value"/>.
/// </summary>
public sealed record ConflictResolution(string Table, string Key, string? Column, ConflictTake Take, JsonElement? Value = null);

/// <summary>
/// A field (or row, <see cref="Column"/> null) changed on both sides since the merge base: the three versions as text
/// (null: SQL NULL or no row), and — once decided — the side taken. The losing value stays in the run's record.
/// </summary>
public sealed record MergeConflict(string Table, string Key, string? Column, ConflictKind Kind, string? Base, string? Target, string? Backup)
{
    /// <summary>How the conflict was decided in this run: null while undecided.</summary>
    public ConflictTake? Taken { get; init; }

    /// <summary>The value written when <see cref="Taken"/> is <see cref="ConflictTake.Value"/>.</summary>
    public string? Value { get; init; }
}

/// <summary>The exchange a merge used as its base: the backup both instances held, and how this one came to hold it.</summary>
public sealed record MergeBase(string BackupSha256, ExchangeDirection Direction, Guid Peer, DateTimeOffset BackupCreatedAt);

/// <summary>How an instance took part in an exchange of one backup.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExchangeDirection>))]
public enum ExchangeDirection
{
    [JsonStringEnumMemberName("exported")] Exported,
    [JsonStringEnumMemberName("imported")] Imported,
}

/// <summary>
/// Reads a resolutions file: a JSON array of decisions, or an object with a "conflicts" array — so the conflicts a dry
/// run printed with --json can be edited in place, a "take" added to each. Other members of an entry (kind, base,
/// target, backup) are ignored. A file that does not say for each entry which conflict it decides and how is refused
/// whole, naming the entry.
/// </summary>
public static class ConflictResolutions
{
    public const int MaxEntries = 1_000_000;

    public static (IReadOnlyList<ConflictResolution>? Resolutions, string? Error) Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e) { return (null, $"it is not valid JSON ({e.Message})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("conflicts", out var inner)) root = inner;
            if (root.ValueKind != JsonValueKind.Array) return (null, "it holds neither an array of decisions nor an object with a \"conflicts\" array");
            if (root.GetArrayLength() > MaxEntries) return (null, $"it holds more than {MaxEntries:N0} decisions");
            var list = new List<ConflictResolution>();
            var n = 0;
            foreach (var entry in root.EnumerateArray())
            {
                n++;
                if (entry.ValueKind != JsonValueKind.Object) return (null, $"entry {n} is not an object");
                string? Text(string name) => entry.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                var table = Text("table");
                var key = Text("key");
                if (string.IsNullOrEmpty(table) || key is null) return (null, $"entry {n} does not name its table and key");
                var column = Text("column");
                if (entry.TryGetProperty("column", out var c) && c.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                    return (null, $"entry {n} ({table} {key}): \"column\" must be a column name or null");
                ConflictTake? take = ConflictTakeNames.TryParse(Text("take"), out var taken) ? taken : null;
                if (take is null) return (null, $"entry {n} ({table} {key}{(column is null ? "" : " " + column)}): \"take\" must be \"target\", \"backup\" or \"value\"");
                JsonElement? value = null;
                if (take == ConflictTake.Value)
                {
                    if (column is null) return (null, $"entry {n} ({table} {key}): a row-level conflict takes \"target\" or \"backup\", not a value");
                    if (!entry.TryGetProperty("value", out var v)) return (null, $"entry {n} ({table} {key} {column}): \"take\": \"value\" needs a \"value\"");
                    value = v.Clone();
                }
                list.Add(new ConflictResolution(table, key, column, take.Value, value));
            }
            var twice = list.GroupBy(r => (r.Table, r.Key, r.Column)).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null) return (null, $"{twice.Key.Table} {twice.Key.Key}{(twice.Key.Column is null ? "" : " " + twice.Key.Column)} is decided twice");
            return (list, null);
        }
    }
}
