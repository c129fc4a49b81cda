namespace Crearis.Backup.Core.Format;

/// <summary>
/// What a backup file may demand of this process. A backup is input from outside (an upload, a copied file): without
/// caps a few hundred kilobytes can ask for gigabytes of memory (a tar header claiming 600 MiB) or hours of work (a
/// gzip bomb). Each default is far above what an export of the platform writes, and each cap is checked before the
/// memory or time is spent, so hitting one is a typed error, never an out-of-memory crash.
/// </summary>
public sealed record BackupLimits
{
    public static readonly BackupLimits Default = new();

    /// <summary>A tar meta entry (PAX extended header, GNU long name) is read into memory whole. Ours are a few hundred bytes.</summary>
    public long MaxHeaderBytes { get; init; } = 64 * 1024;

    /// <summary>manifest.json is read into memory whole. One of the platform's (24 tables) is about 40 KB.</summary>
    public long MaxManifestBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Tables a manifest may list (the platform has 24).</summary>
    public int MaxTables { get; init; } = 1000;

    /// <summary>Entries the archive may hold (ours: one per table plus the manifest).</summary>
    public int MaxEntries { get; init; } = 10_000;

    /// <summary>One row is held in memory while it is checked and staged; PostgreSQL's jsonb stops at 255 MiB.</summary>
    public int MaxRowBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Distinct column names one table file may mention before it is refused (the widest platform table has ~40).</summary>
    public int MaxColumnNames { get; init; } = 4096;

    /// <summary>The archive's unpacked size, whatever its packed size.</summary>
    public long MaxUnpackedBytes { get; init; } = 64L * 1024 * 1024 * 1024;

    /// <summary>Unpacked bytes per packed byte beyond <see cref="RatioAllowanceBytes"/>: JSON rows pack 5–20×; a gzip
    /// bomb packs ~1000×.</summary>
    public int MaxPackRatio { get; init; } = 200;

    /// <summary>What a small file may unpack to whatever its ratio (an empty table packs very well).</summary>
    public long RatioAllowanceBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The unpacked bytes allowed for a file of <paramref name="packedBytes"/>.</summary>
    public long UnpackedBudget(long packedBytes) =>
        Math.Min(MaxUnpackedBytes, RatioAllowanceBytes + (long)Math.Min(long.MaxValue / 2, (double)packedBytes * MaxPackRatio));
}
