using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// Imports a backup into a Crearis database: rows matched by natural keys (never by surrogate ids), every reference
/// translated source id → natural key → target id, cycles closed by late seeding, the whole run in one transaction with
/// a savepoint per phase. Rows are staged with binary COPY and written with set-based SQL.
/// </summary>
public static class BackupImporter
{
    public static async Task<ImportResult> ImportAsync(string connectionString, IBackupSource source, ImportOptions options,
        BackupProfile? profile = null, IProgress<BackupProgress>? progress = null, CancellationToken ct = default, ILogger? logger = null,
        IRowJournal? journal = null)
    {
        profile ??= CrearisProfile.Default;
        // Errors must name the conflicting value ("Key (extmail)=(…) already exists"): the admin runs this on their
        // own database, so the server's detail is theirs to see.
        // Unpooled: the import's server process creates and drops many temporary tables of the platform's composite
        // types; once (1 run in 4) a later query on a pooled connection that had run an import rendered image_shape
        // with another type's field names. Ending that server process with the import keeps such state out of the
        // pool that exports and pages use.
        logger ??= NullLogger.Instance;
        // First of all, before even the lookup indexes: a scrubbed copy never reaches a production database.
        if (source.Summary.Scrub is not null)
            await using (var check = new NpgsqlConnection(connectionString))
            {
                await check.OpenAsync(ct);
                if (await Ledger.InstanceMarks.RefuseScrubbedAsync(check, source.Summary, ct) is { } refusal)
                    return ImportResult.Refused(options, source.Summary.Format, [refusal]);
            }
        // Built before the import's transaction and dropped after it (on their own connection): disposed last.
        await using var lookups = await LookupIndexes.BuildAsync(connectionString, profile, logger, ct);
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString)
        {
            IncludeErrorDetail = true,
            Pooling = false,
        }.ConnectionString);
        await conn.OpenAsync(ct);
        var session = new ImportSession(conn, source, options, profile, progress, logger, journal);
        return await session.RunAsync(ct);
    }

    /// <summary>
    /// Opens a backup file of either format — verifying it whole first, against the target's catalog — and imports it.
    /// A file that fails verification is refused before anything is written.
    /// </summary>
    public static async Task<ImportResult> ImportFileAsync(string connectionString, string path, ImportOptions options,
        BackupProfile? profile = null, IProgress<BackupProgress>? progress = null, CancellationToken ct = default, ILogger? logger = null,
        BackupKeys? keys = null, IRowJournal? journal = null)
    {
        DatabaseCatalog catalog;
        await using (var conn = new NpgsqlConnection(connectionString))
        {
            await conn.OpenAsync(ct);
            catalog = await DatabaseCatalog.ReadAsync(conn, ct: ct);
        }
        var opened = await BackupFiles.OpenAsync(path, catalog, ct, keys);
        if (opened.Source is null) return ImportResult.Refused(options, opened.Verification.Format, opened.Verification.Issues);
        await using var source = opened.Source;
        return await ImportAsync(connectionString, source, options, profile, progress, ct, logger, journal);
    }
}
