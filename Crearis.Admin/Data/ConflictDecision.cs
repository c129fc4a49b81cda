using Crearis.Backup.Core.Import;

namespace Crearis.Admin.Data;

/// <summary>
/// An admin's decision for one conflict of a merge of a backup, kept until the merge runs (an admin can leave and come
/// back, another admin sees it). Keyed by (backup file, table, row key, column); <see cref="Column"/> is "" for a
/// row-level conflict (as the engine's resolutions key them), never null, so the key is unique as it stands.
/// </summary>
public sealed class ConflictDecision
{
    public long Id { get; set; }

    /// <summary>The backup file's name in the backup folder.</summary>
    public string File { get; set; } = "";

    public string Table { get; set; } = "";

    /// <summary>The row's natural key as text (a user's sysmail, an event's xmlid).</summary>
    public string Key { get; set; } = "";

    /// <summary>The field; "" for a row-level conflict (the row changed on one side and was deleted on the other).</summary>
    public string Column { get; set; } = "";

    /// <summary>Stored as target, backup or value (<see cref="ConflictTakes"/>).</summary>
    public ConflictTake Take { get; set; }

    /// <summary>The value the admin typed, as text, when <see cref="Take"/> is <see cref="ConflictTake.Value"/>.</summary>
    public string? Value { get; set; }

    public string DecidedBy { get; set; } = "";
    public DateTimeOffset DecidedAt { get; set; }
}

/// <summary>The names of <see cref="ConflictTake"/>: the same words as a resolutions file and the result JSON use.</summary>
public static class ConflictTakes
{
    public static readonly Vocabulary<ConflictTake> Vocabulary =
        new(Enum.GetValues<ConflictTake>().Select(t => (t, ConflictTakeNames.Name(t))).ToArray());

    public static string ToName(this ConflictTake take) => Vocabulary.Name(take);

    public static ConflictTake Parse(string name) => Vocabulary.Parse(name);

    /// <summary>What a person reads for the side taken of a field (or, with <paramref name="kind"/>, of a row).</summary>
    public static string Label(this ConflictTake take, ConflictKind kind = ConflictKind.BothChanged) => (take, kind) switch
    {
        (ConflictTake.Target, ConflictKind.ChangedHereDeletedThere) => "Keep the row here",
        (ConflictTake.Backup, ConflictKind.ChangedHereDeletedThere) => "Delete the row",
        (ConflictTake.Target, ConflictKind.DeletedHereChangedThere) => "Keep it deleted",
        (ConflictTake.Backup, ConflictKind.DeletedHereChangedThere) => "Restore the backup's row",
        (ConflictTake.Target, _) => "This database",
        (ConflictTake.Backup, _) => "Backup",
        (ConflictTake.Value, _) => "Edited value",
        _ => take.ToString(),
    };
}
