using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format;

public enum BackupFormat
{
    /// <summary>The original crearis-vue exporter's tarball: index.json + one JSON file per table.</summary>
    Original = 1,

    /// <summary>Ours: manifest.json + one JSON Lines file per table.</summary>
    Crearis = 2,
}

/// <summary>What a backup says about itself (from our manifest, or the original index.json).</summary>
public sealed record BackupSummary(
    BackupFormat Format,
    DateTimeOffset? CreatedAt,
    string? SourceDatabase,
    string? SchemaFingerprint,
    string? Description,
    IReadOnlyList<BackupTableSummary> Tables)
{
    /// <summary>Our format: the backup's name in the sync ledger (<c>SyncLedger.ContentSha256</c>); null for the original format.</summary>
    public string? ContentSha256 { get; init; }

    /// <summary>Our format: the instance that exported it and the exchanges it knew (null in older files).</summary>
    public Guid? Instance { get; init; }

    public IReadOnlyList<Crearis.ManifestExchange> Exchanges { get; init; } = [];

    /// <summary>A differential backup: the content SHA-256 of its base; null for a full backup.</summary>
    public string? DifferentialBase { get; init; }

    /// <summary>
    /// A filtered backup (<c>--project/--user/--since</c>): rows missing from it were not selected, never deleted, so
    /// its import deletes nothing, lists no missing rows and is no merge base.
    /// </summary>
    public bool Filtered { get; init; }

    /// <summary>A differential backup: per table, the rows deleted since the base (tombstones).</summary>
    public IReadOnlyDictionary<string, long>? Tombstones { get; init; }

    /// <summary>A scrubbed copy (personal data replaced by pseudonyms): what and with which key. A production instance refuses it.</summary>
    public Crearis.ManifestScrub? Scrub { get; init; }
}

/// <param name="HasSourceIds">False when the file carries no id for this table's rows (several tables of the original
/// format), so references to these rows cannot be resolved from the file.</param>
/// <param name="Columns">The columns and SQL types the source had, where the format records them (ours does).</param>
public sealed record BackupTableSummary(string Table, long Rows, bool HasSourceIds = true,
    IReadOnlyList<(string Name, string Type)>? Columns = null);

/// <summary>
/// One row of a backup in the shape PostgreSQL's <c>to_jsonb(row)</c> gives and <c>jsonb_populate_record</c> takes:
/// an object of column → value, with the row's source id and its references as source ids. Two extra members may
/// appear: <c>"$jsonnull": [columns]</c> lists jsonb columns that hold the JSON literal null (not SQL NULL), and
/// <c>"$ref": {column: {keyColumn: value}}</c> gives a reference by the target's natural key instead of its id
/// (the original format names users' instructors by xmlid and projects' regio by domaincode).
/// </summary>
/// <param name="Line">1-based position of the row in its table, to name it in errors.</param>
public readonly record struct BackupRow(long Line, string Json);

/// <summary>An opened backup of either format, read table by table as a stream.</summary>
public interface IBackupSource : IAsyncDisposable
{
    BackupSummary Summary { get; }

    /// <summary>Findings made while reading (e.g. lossy values of the original format); filled as rows are read.</summary>
    IReadOnlyList<BackupIssue> Issues { get; }

    /// <summary>The rows of one table, in file order. Tables not in the backup yield nothing.</summary>
    IAsyncEnumerable<BackupRow> ReadRowsAsync(string table, CancellationToken cancellationToken = default);

    /// <summary>A differential: the unchanged rows its rows refer to (id and natural key only), to resolve references.</summary>
    IAsyncEnumerable<BackupRow> ReadContextRowsAsync(string table, CancellationToken cancellationToken = default) =>
        AsyncEnumerable.Empty<BackupRow>();

    /// <summary>A differential: the natural keys (with ids) of the rows deleted since its base.</summary>
    IAsyncEnumerable<BackupRow> ReadTombstonesAsync(string table, CancellationToken cancellationToken = default) =>
        AsyncEnumerable.Empty<BackupRow>();
}
