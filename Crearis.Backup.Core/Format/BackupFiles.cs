using System.Formats.Tar;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Format.Original;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format;

/// <summary>The outcome of checking a backup file of either format.</summary>
public sealed record BackupVerification(bool IsValid, BackupFormat? Format, BackupSummary? Summary, BackupManifest? Manifest,
    IReadOnlyList<BackupIssue> Issues);

public sealed record OpenedBackup(IBackupSource? Source, BackupVerification Verification);

/// <summary>Recognises a backup's format and opens it: ours (version 2) or the original exporter's (version 1).</summary>
public static class BackupFiles
{
    public static async Task<BackupFormat?> DetectFormatAsync(string path, CancellationToken ct = default, BackupKeys? keys = null) =>
        (await DetectAsync(path, BackupLimits.Default, keys, ct)).Format;

    /// <summary>The format, from the first entry that tells; or the reason the file is refused while looking.</summary>
    private static async Task<(BackupFormat? Format, BackupIssue? Problem)> DetectAsync(string path, BackupLimits limits, BackupKeys? keys,
        CancellationToken ct)
    {
        try
        {
            await using var tar = TarGuard.Open(path, limits, keys);
            while (await tar.NextAsync(ct) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (name == BackupManifest.FileName || name.StartsWith("tables/", StringComparison.Ordinal)) return (BackupFormat.Crearis, null);
                if (name.EndsWith(".json", StringComparison.Ordinal)) return (BackupFormat.Original, null);
            }
        }
        catch (BackupFileException e) when (e.Issue.Code != IssueCode.CorruptArchive)
        {
            return (null, e.Issue);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or IOException
                                      or UnauthorizedAccessException or BackupFileException)
        {
        }
        return (null, null);
    }

    public static async Task<BackupVerification> VerifyAsync(string path, CancellationToken ct = default, BackupKeys? keys = null)
    {
        if (!File.Exists(path)) return Invalid(Missing(path));
        var (format, problem) = await DetectAsync(path, BackupLimits.Default, keys, ct);
        return problem is not null ? Invalid(problem) : await VerifyAsAsync(format, path, keys, ct);
    }

    /// <summary>Verifies the whole file (structure, checksums) and opens it for import; nothing is read twice into memory.
    /// The original format is checked and opened in one pass (its reader keeps a copy of the checked table files).</summary>
    public static async Task<OpenedBackup> OpenAsync(string path, DatabaseCatalog catalog, CancellationToken ct = default, BackupKeys? keys = null)
    {
        if (!File.Exists(path)) return new(null, Invalid(Missing(path)));
        var (format, problem) = await DetectAsync(path, BackupLimits.Default, keys, ct);
        if (problem is not null) return new(null, Invalid(problem));
        if (format == BackupFormat.Original)
        {
            var opened = await OriginalBackupReader.OpenAsync(path, catalog, ct, keys);
            return new(opened.Source, new BackupVerification(opened.Source is not null, BackupFormat.Original, opened.Source?.Summary, null, opened.Issues));
        }
        var verification = await VerifyAsAsync(format, path, keys, ct);
        if (!verification.IsValid) return new(null, verification);
        return new(CrearisBackupReader.Open(path, verification.Manifest!, keys: keys), verification);
    }

    private static async Task<BackupVerification> VerifyAsAsync(BackupFormat? format, string path, BackupKeys? keys, CancellationToken ct)
    {
        switch (format)
        {
            case BackupFormat.Crearis:
            {
                var v = await CrearisBackupReader.VerifyAsync(path, ct, keys: keys);
                var summary = v.Manifest is null ? null : CrearisBackupReader.Open(path, v.Manifest).Summary;
                return new(v.IsValid, BackupFormat.Crearis, summary, v.Manifest, v.Issues);
            }
            case BackupFormat.Original:
            {
                var v = await OriginalBackupReader.VerifyAsync(path, ct, keys);
                return new(v.IsValid, BackupFormat.Original, v.Summary, null, v.Issues);
            }
            default:
                return Invalid(BackupIssue.Error(IssueCode.NotABackup,
                    $"{Path.GetFileName(path)} is not a backup: expected a .tar.gz made by Crearis Backup Admin or by the original exporter.",
                    "Choose a .tar.gz backup file."));
        }
    }

    private static BackupIssue Missing(string path) => BackupIssue.Error(IssueCode.NotFound, $"{path} does not exist.", "Check the file name.");

    private static BackupVerification Invalid(BackupIssue issue) => new(false, null, null, null, [issue]);
}
