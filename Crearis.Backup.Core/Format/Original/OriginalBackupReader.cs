using Crearis.Backup.Core.Catalog;
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
    /// <summary>Reads the whole tarball (the original format's files are small JSON documents) and checks its structure and checksums.</summary>
    public static async Task<OriginalVerification> VerifyAsync(string path, CancellationToken ct = default)
    {
        using var archive = await OriginalArchive.ReadAsync(path, ct);
        return new OriginalVerification(archive.IsValid, archive.Summary, archive.Issues);
    }

    /// <summary>Opens the tarball for import; the catalog (of the TARGET database) gives column types for converting values back.</summary>
    public static async Task<OriginalOpenResult> OpenAsync(string path, DatabaseCatalog catalog, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var archive = await OriginalArchive.ReadAsync(path, ct);
        if (!archive.IsValid)
        {
            archive.Dispose();
            return new OriginalOpenResult(null, archive.Issues);
        }
        return new OriginalOpenResult(new OriginalBackupSource(archive, catalog), archive.Issues);
    }
}
