using Crearis.Admin.Backups;
using Crearis.Backup.Core.Format;

namespace Crearis.Admin.Data;

/// <summary>
/// What one version of a backup file said when it was verified (read whole): its manifest's facts, whether its
/// checksums matched and why not. Kept so a restart does not forget them and no file is read whole again to list it;
/// the row stands for the file only while <see cref="Size"/> and <see cref="ModifiedTicks"/> still match it (a changed
/// file is verified anew and its row replaced).
/// </summary>
public sealed class BackupCatalogEntry
{
    /// <summary>The file's name in the backup folder (the key: one row per name, for the version last verified).</summary>
    public string Name { get; set; } = "";

    public long Size { get; set; }

    /// <summary>The file's last write time in UTC ticks: exact, where a timestamp column keeps microseconds only.</summary>
    public long ModifiedTicks { get; set; }

    public BackupFormat? Format { get; set; }

    /// <summary>When the snapshot was taken (the manifest's or index's time), not when the file was copied.</summary>
    public DateTimeOffset? CreatedAt { get; set; }

    public string? SourceDatabase { get; set; }
    public long? TotalRows { get; set; }
    public bool Verified { get; set; }

    /// <summary>Differential, filtered, scrubbed (<see cref="BackupCopyKinds"/> names).</summary>
    public BackupCopyKind[] Kinds { get; set; } = [];

    /// <summary>The verification's issues, as JSON.</summary>
    public string Issues { get; set; } = "[]";

    /// <summary>The summary the pages show (tables and rows, instance, base), as JSON.</summary>
    public string? Summary { get; set; }

    /// <summary>Our format: the manifest as read from the file, as JSON (the inspect dialog shows it).</summary>
    public string? Manifest { get; set; }

    public DateTimeOffset VerifiedAt { get; set; }
}

/// <summary>The names of <see cref="BackupCopyKind"/>, as the catalogue stores them and the API sends them.</summary>
public static class BackupCopyKinds
{
    public static readonly Vocabulary<BackupCopyKind> Vocabulary = new(
        (BackupCopyKind.Differential, "differential"), (BackupCopyKind.Filtered, "filtered"), (BackupCopyKind.Scrubbed, "scrubbed"));

    public static string Store(BackupCopyKind[] kinds) => string.Join(',', kinds.Select(Vocabulary.Name));

    public static BackupCopyKind[] Load(string stored) =>
        stored.Length == 0 ? [] : [.. stored.Split(',').Select(Vocabulary.Parse)];
}
