using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Original;

/// <param name="Summary">Null when index.json could not be read at all.</param>
public sealed record OriginalVerification(bool IsValid, BackupSummary? Summary, IReadOnlyList<BackupIssue> Issues);

/// <param name="Source">Null when the tarball failed verification; the issues say why.</param>
public sealed record OriginalOpenResult(IBackupSource? Source, IReadOnlyList<BackupIssue> Issues);

/// <summary>
/// Reads the tarballs of the original crearis-vue exporter (index.json plus one JSON document per table) and turns
/// their rows back into the shape PostgreSQL's <c>to_jsonb(row)</c> gives, undoing the exporter's lossy encodings
/// where the target's column types allow it.
/// </summary>
public static class OriginalBackupReader
{
    /// <summary>Reads the tarball once, as a stream in bounded memory, and checks its structure, every row's shape and the checksums.</summary>
    public static async Task<OriginalVerification> VerifyAsync(string path, CancellationToken ct = default, BackupKeys? keys = null)
    {
        using var archive = await OriginalArchive.ReadAsync(path, keepRows: false, ct, keys);
        return new OriginalVerification(archive.IsValid, archive.Summary, archive.Issues);
    }

    /// <summary>
    /// Checks the tarball as <see cref="VerifyAsync"/> does, in the same single pass keeping a copy of its table files in a
    /// temporary file, and opens that copy for import; the catalog (of the TARGET database) gives column types for
    /// converting values back.
    /// </summary>
    public static async Task<OriginalOpenResult> OpenAsync(string path, DatabaseCatalog catalog, CancellationToken ct = default,
        BackupKeys? keys = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var archive = await OriginalArchive.ReadAsync(path, keepRows: true, ct, keys);
        if (!archive.IsValid) return new OriginalOpenResult(null, archive.Issues);
        try
        {
            // Link recovery reads the tables it needs from the copy; synchronous work, off the caller's thread.
            var source = await Task.Run(() => OriginalBackupSource.Open(archive, catalog, ct), ct);
            return new OriginalOpenResult(source, archive.Issues);
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }
}
