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
