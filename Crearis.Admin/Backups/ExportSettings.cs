using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Export.Filtering;
using Crearis.Backup.Core.Results;

namespace Crearis.Admin.Backups;

/// <summary>
/// An export as a page or a script asks for it, in names only: tables, the base as a file name of the backup folder,
/// projects by domaincode, users by sysmail, since as given ("30d", "2026-01-01"), and whether to scrub. The keys (of an
/// encrypted base, the scrub key) and the base's path come from the app's own configuration when it is resolved into
/// the engine's <see cref="ExportOptions"/>; this record is what the job stores, so it never holds a secret.
/// </summary>
public sealed record ExportSettings
{
    public IReadOnlyList<string>? Tables { get; init; }
    public IReadOnlyList<string>? Exclude { get; init; }
    public string? Description { get; init; }

    /// <summary>A differential: the file name (in the backup folder) of the backup it is taken against.</summary>
    public string? Base { get; init; }

    public IReadOnlyList<string>? Projects { get; init; }
    public IReadOnlyList<string>? Users { get; init; }

    /// <summary>Rows changed since: "30d" (days before now) or a date ("2026-01-01").</summary>
    public string? Since { get; init; }

    public bool Scrub { get; init; }

    /// <summary>
    /// The engine's options, or why not, as typed issues naming the field and what to do: a since that is not a moment in
    /// the past (<c>BAD_SINCE</c>), a base that is no backup of the folder (<c>NOT_FOUND</c>), scrub without a key
    /// configured (<c>SCRUB_KEY_INVALID</c>), a base with a filter (<c>FILTER_WITH_BASE</c>) or with scrub
    /// (<c>SCRUB_NOT_DIFFERENTIAL</c>). Whether the base is one this database exported, and the projects and users named
    /// exist, is the engine's to say when the job runs (<c>BASE_UNKNOWN</c>, <c>FILTER_UNKNOWN</c>).
    /// </summary>
    public (ExportOptions? Options, IReadOnlyList<BackupIssue> Issues) Resolve(BackupStorage storage, DateTimeOffset now)
    {
        var issues = new List<BackupIssue>();
        ExportSince? since = null;
        if (!string.IsNullOrWhiteSpace(Since) && !ExportSince.TryParse(Since, now, out since, out var sinceError))
            issues.Add(BackupIssue.Error(IssueCode.BadSince, sinceError!, "Give a number of days (30d) or a date (2026-01-01) that is not in the future.",
                column: "since"));
        string? basePath = null;
        if (!string.IsNullOrWhiteSpace(Base))
        {
            basePath = storage.BasePathOf(Base.Trim());
            if (basePath is null)
                issues.Add(BackupIssue.Error(IssueCode.NotFound, $"There is no backup named {Base.Trim()} in the backup folder to take a differential against.",
                    "Name a file of the backup folder (GET /api/backups) that this database exported, or leave base out for a full export.", column: "base"));
        }
        if (basePath is not null && (Clean(Projects) is not null || Clean(Users) is not null || !string.IsNullOrWhiteSpace(Since)))
            issues.Add(BackupIssue.Error(IssueCode.FilterWithBase, "A filtered export cannot be a differential: its rows are a selection, not the database's state since the base.",
                "Leave base out, or leave projects, users and since out.", column: "base"));
        if (basePath is not null && Scrub)
            issues.Add(BackupIssue.Error(IssueCode.ScrubNotDifferential, "A scrubbed copy is always a full export, never a differential.",
                "Leave base out, or scrub out.", column: "base"));
        if (Scrub && storage.ScrubKey is null)
            issues.Add(BackupIssue.Error(IssueCode.ScrubKeyInvalid, "A scrubbed export needs a scrub key, and the app has none.",
                $"Set Crearis:Backups:ScrubKeyFile (a file with a long random value: openssl rand -hex 32 > scrub.key) or {Crearis.Backup.Core.Export.Scrubbing.ScrubKey.Variable}, and restart the app.",
                column: "scrub"));
        if (issues.Count > 0) return (null, issues);

        var filter = new ExportFilter(Clean(Projects), Clean(Users), since);
        return (new ExportOptions(Tables, Exclude, string.IsNullOrWhiteSpace(Description) ? null : Description.Trim())
        {
            Base = basePath,
            // An encrypted base is opened with the app's own identity, as every encrypted file of the folder is.
            BaseKeys = basePath is null ? null : storage.Keys,
            Filter = filter.IsEmpty ? null : filter,
            Scrub = Scrub ? storage.ScrubKey : null,
        }, []);
    }

    private static IReadOnlyList<string>? Clean(IReadOnlyList<string>? names)
    {
        var kept = names?.Select(n => n.Trim()).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        return kept is { Count: > 0 } ? kept : null;
    }
}
