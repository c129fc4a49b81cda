using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Crearis.Admin.Data;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Results;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Backups;

/// <summary>What the list needs of every file to sort and search by it: the snapshot time and the source database.</summary>
public sealed record BackupFacts(string Name, long Size, long ModifiedTicks, DateTimeOffset? CreatedAt, string? SourceDatabase)
{
    /// <summary>True while the file is still the version these facts were read from.</summary>
    public bool Describes(FileInfo file) => file.Length == Size && file.LastWriteTimeUtc.Ticks == ModifiedTicks;
}

/// <summary>
/// The backup files' verification results in the admin database (<c>crearis_admin.backup_catalog</c>), one row per file
/// version, so a restart neither forgets what a verified file said nor reads it whole again. The catalogue only ever
/// helps: when the admin database does not answer, the folder is listed as before (the facts of files not verified
/// since the start read "—") and the reason is logged.
/// </summary>
public sealed class BackupCatalog(IDbContextFactory<AdminDbContext> contexts, ILogger<BackupCatalog> logger)
{
    // Summaries carry (name, type) tuples for their columns: fields, which the serializer skips unless told.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        IncludeFields = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The light facts of every catalogued file (stale versions included: the caller matches them to the folder).</summary>
    public async Task<IReadOnlyList<BackupFacts>> FactsAsync(CancellationToken ct)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            return await db.BackupCatalog.AsNoTracking()
                .Select(e => new BackupFacts(e.Name, e.Size, e.ModifiedTicks, e.CreatedAt, e.SourceDatabase))
                .ToListAsync(ct);
        }
        catch (Exception e) when (IsDatabaseTrouble(e) && !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "The backup catalogue could not be read; the backup list shows what this process verified.");
            return [];
        }
    }

    /// <summary>The stored verifications of those files whose current version was verified before.</summary>
    public async Task<IReadOnlyDictionary<string, BackupVerification>> RecallAsync(IReadOnlyCollection<FileInfo> files, CancellationToken ct)
    {
        if (files.Count == 0) return new Dictionary<string, BackupVerification>();
        try
        {
            var names = files.Select(f => f.Name).ToList();
            await using var db = await contexts.CreateDbContextAsync(ct);
            var rows = await db.BackupCatalog.AsNoTracking().Where(e => names.Contains(e.Name)).ToListAsync(ct);
            var byName = files.ToDictionary(f => f.Name);
            var recalled = new Dictionary<string, BackupVerification>();
            foreach (var row in rows)
                if (byName.TryGetValue(row.Name, out var file) && file.Length == row.Size && file.LastWriteTimeUtc.Ticks == row.ModifiedTicks
                    && Read(row) is { } verification)
                    recalled[row.Name] = verification;
            return recalled;
        }
        catch (Exception e) when (IsDatabaseTrouble(e) && !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "The backup catalogue could not be read; files not verified since the start read \"not yet verified\".");
            return new Dictionary<string, BackupVerification>();
        }
    }

    /// <summary>
    /// Keeps what verifying this file version found. A result that depends on this process rather than the file (no key
    /// for an encrypted file, a read error) is not kept: with the key configured, or the disk back, it may differ.
    /// </summary>
    public async Task RememberAsync(FileInfo file, BackupVerification verification, CancellationToken ct = default)
    {
        if (verification.Issues.Any(i => Transient.Contains(i.Code))) return;
        var summary = verification.Summary;
        var entry = new BackupCatalogEntry
        {
            Name = file.Name,
            Size = file.Length,
            ModifiedTicks = file.LastWriteTimeUtc.Ticks,
            Format = verification.Format,
            CreatedAt = summary?.CreatedAt,
            SourceDatabase = summary?.SourceDatabase,
            TotalRows = summary?.Tables.Sum(t => t.Rows),
            Verified = verification.IsValid,
            Kinds = [.. BackupFileInfo.KindsOf(verification.Manifest)],
            Issues = JsonSerializer.Serialize(verification.Issues, Json),
            Summary = summary is null ? null : JsonSerializer.Serialize(summary, Json),
            Manifest = verification.Manifest is null ? null : JsonSerializer.Serialize(verification.Manifest, BackupManifest.Json),
            VerifiedAt = DateTimeOffset.UtcNow,
        };
        try
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            // One row per name: the newest version replaces the one before.
            await db.BackupCatalog.Where(e => e.Name == entry.Name).ExecuteDeleteAsync(ct);
            db.BackupCatalog.Add(entry);
            await db.SaveChangesAsync(ct);
        }
        catch (Exception e) when (IsDatabaseTrouble(e) && !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "What {File} holds could not be kept in the backup catalogue; it is verified again after a restart.", file.Name);
        }
    }

    /// <summary>Forgets a deleted file (a file of the same name later is another version anyway; this keeps the table small).</summary>
    public void Forget(string name)
    {
        try
        {
            using var db = contexts.CreateDbContext();
            db.BackupCatalog.Where(e => e.Name == name).ExecuteDelete();
        }
        catch (Exception e) when (IsDatabaseTrouble(e))
        {
            logger.LogWarning(e, "The deleted backup {File} stays in the backup catalogue (it is ignored: no file matches it).", name);
        }
    }

    private static readonly HashSet<IssueCode> Transient = [IssueCode.KeyRequired, IssueCode.KeyMismatch, IssueCode.CannotRead, IssueCode.Cancelled];

    private BackupVerification? Read(BackupCatalogEntry row)
    {
        try
        {
            var issues = JsonSerializer.Deserialize<List<BackupIssue>>(row.Issues, Json) ?? [];
            var summary = row.Summary is null ? null : JsonSerializer.Deserialize<BackupSummary>(row.Summary, Json);
            var manifest = row.Manifest is null ? null : JsonSerializer.Deserialize<BackupManifest>(row.Manifest, BackupManifest.Json);
            return new BackupVerification(row.Verified, row.Format, summary, manifest, issues);
        }
        catch (JsonException e)
        {
            // A row an older version wrote differently is simply verified again.
            logger.LogWarning(e, "The catalogue entry of {File} could not be read; the file is verified again.", row.Name);
            return null;
        }
    }

    private static bool IsDatabaseTrouble(Exception e) =>
        e is DbException or DbUpdateException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException;
}
