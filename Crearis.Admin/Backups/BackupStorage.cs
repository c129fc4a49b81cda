using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Crearis.Admin.Hosting;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Ledger;
using Crearis.Backup.Core.Results;
using Microsoft.Extensions.Options;

namespace Crearis.Admin.Backups;

/// <summary>Configuration under <c>Crearis:Backups</c>.</summary>
public sealed class BackupStorageOptions
{
    /// <summary>The one folder backups are read from and written to.</summary>
    public string? Folder { get; set; }

    /// <summary>Largest upload accepted, in bytes (default 2 GiB).</summary>
    public long MaxUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>An age identity file (age-keygen's output) that opens encrypted backups (.tar.gz.age).</summary>
    public string? IdentityFile { get; set; }

    /// <summary>age recipients (age1…): when set, every export is encrypted to them.</summary>
    public string[]? Recipients { get; set; }

    /// <summary>
    /// A file holding the key scrubbed exports derive their pseudonyms from (at least 16 bytes); unset: the environment
    /// variable <c>CREARIS_SCRUB_KEY</c>, else the app offers no scrubbed export.
    /// </summary>
    public string? ScrubKeyFile { get; set; }
}

/// <summary>A backup file as the backup manager lists it.</summary>
public sealed record BackupFileInfo(
    string Name,
    long Size,
    DateTimeOffset Modified,
    BackupFormat? Format,
    DateTimeOffset? CreatedAt,
    string? SourceDatabase,
    long? TotalRows,
    bool? Verified,
    IReadOnlyList<BackupIssue> Issues,
    BackupSummary? Summary,
    BackupManifest? Manifest = null)
{
    /// <summary>What kind of copy the file is, from its manifest (known once the file was verified).</summary>
    public IReadOnlyList<BackupCopyKind> Kinds => KindsOf(Manifest);

    /// <summary>When the snapshot was taken where the manifest says so, else when the file was written.</summary>
    public DateTimeOffset Taken => CreatedAt ?? Modified;

    public static IReadOnlyList<BackupCopyKind> KindsOf(BackupManifest? manifest) => manifest is null ? [] :
    [
        .. manifest.Differential is null ? Array.Empty<BackupCopyKind>() : [BackupCopyKind.Differential],
        .. manifest.Filter is null ? Array.Empty<BackupCopyKind>() : [BackupCopyKind.Filtered],
        .. manifest.Scrub is null ? Array.Empty<BackupCopyKind>() : [BackupCopyKind.Scrubbed],
    ];
}

/// <summary>A backup as the import picker offers it: found by name or source database without opening the file.</summary>
public sealed record BackupChoice(string Name, DateTimeOffset Modified, DateTimeOffset? CreatedAt, string? SourceDatabase);

/// <summary>The picker's matches (newest first, at most the limit asked for) and how many match in all.</summary>
public sealed record BackupChoices(IReadOnlyList<BackupChoice> Items, int Total);

/// <summary>A backup that is not simply every row as it is: the list and the inspect dialog mark it so.</summary>
public enum BackupCopyKind { Differential, Filtered, Scrubbed }

/// <summary>A backup of the folder a differential export can be taken against: one this database exported (full or differential).</summary>
public sealed record BaseCandidate(string Name, DateTimeOffset CreatedAt, string ContentSha256, bool IsDifferential, long Rows);

public sealed record BackupPage(IReadOnlyList<BackupFileInfo> Items, int Total);

/// <summary>The list's orders; "created" is the snapshot time where the file was verified, else the file's write time.</summary>
public enum BackupSort { CreatedDesc, CreatedAsc, NameAsc, NameDesc, SizeDesc, SizeAsc }

/// <summary>
/// The backup folder: files are addressed by name only, and names are checked (no path separators, no "..", only
/// .tar.gz), so no request can reach another file; links are refused, so no name in the folder leads out of it.
/// Verification results are cached per file version, in memory and (with an admin database) in the
/// <see cref="BackupCatalog"/>, so a restart forgets none of them. Backups hold every row of the platform: what this class writes
/// is readable by its owner only, and the folder, when it creates it, is its owner's only.
/// </summary>
public sealed partial class BackupStorage
{
    // One verification per file version, shared by everyone who asks while it runs: a page load by each of several
    // users must not read (and unpack) the same file once each.
    private readonly ConcurrentDictionary<string, (long Size, DateTime Modified, Lazy<Task<BackupVerification>> Result)> _verified = new();
    private long _verifications;

    private readonly BackupKeyring? _keyring;
    private readonly BackupCatalog? _catalog;

    /// <param name="catalog">Where verification results outlive the process; without one (tests, a folder alone) they are kept in memory only.</param>
    public BackupStorage(IOptions<BackupStorageOptions> options, BackupKeyring? keyring = null, BackupCatalog? catalog = null)
    {
        _keyring = keyring;
        _catalog = catalog;
        Folder = string.IsNullOrWhiteSpace(options.Value.Folder)
            ? Path.Combine(Path.GetDirectoryName(Crearis.Platform.Postgres.PostgresClusterOptions.DefaultDataRoot())!, "backups")
            : Path.GetFullPath(options.Value.Folder);
        MaxUploadBytes = options.Value.MaxUploadBytes;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Folder);
        else if (!Directory.Exists(Folder))
        {
            // Only the folder itself is made private: its parents may have to stay passable (the embedded cluster's
            // server user walks through the shared parent).
            Directory.CreateDirectory(Path.GetDirectoryName(Folder)!);
            Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Folder { get; }
    public long MaxUploadBytes { get; }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,180}\.tar\.gz(\.age)?$")]
    private static partial Regex SafeName();

    /// <summary>Longest stem an upload keeps, before its extension (the rule allows 181; the rest leaves room for a "_2" that makes it unique).</summary>
    public const int MaxUploadStem = 120;

    /// <summary>True when the name is a plain .tar.gz (or encrypted .tar.gz.age) file name that stays inside the folder.</summary>
    public static bool IsValidName(string? name) =>
        name is not null && SafeName().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>
    /// The full path of a backup in the folder, or null for a name that is not allowed, does not exist, or is a link
    /// (which could lead anywhere the app may read, or delete).
    /// </summary>
    public string? PathOf(string name)
    {
        if (!IsValidName(name)) return null;
        var path = Path.GetFullPath(Path.Combine(Folder, name));
        if (!path.StartsWith(Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        return IsPlainFile(new FileInfo(path)) ? path : null;
    }

    /// <summary>
    /// The full path of a backup to read (download, import): as <see cref="PathOf"/>, and not empty. An empty file is
    /// no backup, and a named pipe or a device looks empty (.NET does not tell them from files): opening one to read
    /// could wait forever.
    /// </summary>
    public string? ReadablePathOf(string name) => PathOf(name) is { } path && new FileInfo(path).Length > 0 ? path : null;

    /// <summary>A file of the folder itself: not a link (to a file or a folder), not a folder.</summary>
    private static bool IsPlainFile(FileInfo file) =>
        file.Exists && file.LinkTarget is null && !file.Attributes.HasFlag(FileAttributes.ReparsePoint);

    /// <summary>
    /// Removes the partial files that exports and uploads killed before they finished left in the folder (those no
    /// running export or upload, in this process or another, holds); returns their names.
    /// </summary>
    public IReadOnlyList<string> RemoveStalePartials() => PartialFiles.RemoveStale(Folder);

    /// <summary>A new file name for an export: crearis_&lt;database&gt;_&lt;utc time&gt;[_n].tar.gz (.tar.gz.age when exports are encrypted).</summary>
    public string NewExportPath(string database)
    {
        var safe = Regex.Replace(database, "[^A-Za-z0-9_-]", "_");
        var stem = $"crearis_{safe}_{DateTime.UtcNow:yyyyMMdd_HHmmss}";
        var suffix = $".tar.gz{(Encryption is null ? "" : ".age")}";
        // Two exports in one second (a differential right after its base) must not replace one another.
        var name = $"{stem}{suffix}";
        for (var i = 2; Taken(name); i++) name = $"{stem}_{i}{suffix}";
        return Path.Combine(Folder, name);
    }

    /// <summary>What exports are encrypted to (configured recipients), or null.</summary>
    public Crearis.Backup.Core.Encryption.BackupEncryption? Encryption => _keyring?.Encryption;

    /// <summary>What opens encrypted backups here (the configured identity), or null.</summary>
    public Crearis.Backup.Core.Encryption.BackupKeys? Keys => _keyring?.Keys;

    /// <summary>
    /// The configured keys with a passphrase an admin typed for one file (the CLI combines its --identity and
    /// --passphrase-file the same way); null when there is neither.
    /// </summary>
    public Crearis.Backup.Core.Encryption.BackupKeys? KeysWith(string? passphrase) =>
        string.IsNullOrEmpty(passphrase) ? Keys : new Crearis.Backup.Core.Encryption.BackupKeys(Keys?.Identities ?? [], passphrase);

    /// <summary>
    /// True when the file is encrypted and the configured keys do not open it: the Import page then asks for its
    /// passphrase. Known once the file was verified.
    /// </summary>
    public static bool NeedsKey(BackupFileInfo file) =>
        file.Verified == false && file.Issues.Any(i => i.Code == IssueCode.KeyRequired || i.Code == IssueCode.KeyMismatch);

    /// <summary>
    /// Verifies a file with the configured keys and a typed passphrase, as <see cref="GetAsync"/> does with the
    /// configured keys alone. Never cached: what a passphrase opens is shown only to whoever typed it.
    /// </summary>
    public async Task<BackupFileInfo?> GetWithPassphraseAsync(string name, string passphrase, CancellationToken ct = default)
    {
        if (ReadablePathOf(name) is not { } path) return null;
        var file = new FileInfo(path);
        var result = await Task.Run(() => BackupFiles.VerifyAsync(path, ct, KeysWith(passphrase)), ct);
        var summary = result.Summary;
        return new BackupFileInfo(file.Name, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), result.Format,
            summary?.CreatedAt, summary?.SourceDatabase, summary?.Tables.Sum(t => t.Rows), result.IsValid, result.Issues, summary, result.Manifest);
    }

    /// <summary>The key scrubbed exports are made with (<c>Crearis:Backups:ScrubKeyFile</c> or <c>CREARIS_SCRUB_KEY</c>), or null.</summary>
    public Crearis.Backup.Core.Export.Scrubbing.ScrubKey? ScrubKey => _keyring?.Scrub;

    // Manifests of the folder's files by version, for the base picker: reading one means opening (maybe decrypting)
    // the start of the file, which a dialog that opens often should not repeat.
    private readonly ConcurrentDictionary<string, (long Size, DateTime Modified, BackupManifest? Manifest)> _manifests = new();

    /// <summary>How many of the newest files the base picker looks at: a differential is taken against a recent export.</summary>
    public const int BaseCandidateFiles = 50;

    /// <summary>
    /// The backups a differential of <paramref name="database"/> can be taken against: files of our format whose manifest
    /// names that database as its source and that are neither filtered nor scrubbed, newest first (among the newest <see cref="BaseCandidateFiles"/> files). The
    /// engine still decides: a file this database did not export, or whose rows its ledger no longer keeps, is refused
    /// with BASE_UNKNOWN.
    /// </summary>
    public async Task<IReadOnlyList<BaseCandidate>> BaseCandidatesAsync(string database, CancellationToken ct = default)
    {
        var files = new DirectoryInfo(Folder).EnumerateFiles("*.tar.gz*")
            .Where(f => IsValidName(f.Name) && IsPlainFile(f) && f.Length > 0)
            .OrderByDescending(f => f.LastWriteTimeUtc).Take(BaseCandidateFiles).ToList();
        await RecallAsync(files, ct);
        var candidates = new List<BaseCandidate>();
        foreach (var file in files)
        {
            var manifest = await ManifestOfAsync(file, ct);
            // A filtered or scrubbed copy is never a base: its rows are not the database's state.
            if (manifest is null || manifest.Source.Database != database || manifest.Filter is not null || manifest.Scrub is not null) continue;
            candidates.Add(new BaseCandidate(file.Name, manifest.CreatedAt, SyncLedger.ContentSha256(manifest), manifest.Differential is not null,
                manifest.Tables.Sum(t => t.Rows)));
        }
        return [.. candidates.OrderByDescending(c => c.CreatedAt)];
    }

    private async Task<BackupManifest?> ManifestOfAsync(FileInfo file, CancellationToken ct)
    {
        if (_verified.TryGetValue(file.Name, out var verified) && verified.Size == file.Length && verified.Modified == file.LastWriteTimeUtc
            && verified.Result.IsValueCreated && verified.Result.Value.IsCompletedSuccessfully && verified.Result.Value.Result.Manifest is { } known)
            return known;
        if (_manifests.TryGetValue(file.Name, out var cached) && cached.Size == file.Length && cached.Modified == file.LastWriteTimeUtc)
            return cached.Manifest;
        // The original format has no manifest and cannot be a base; anything unreadable is simply not offered.
        var (manifest, _) = await CrearisBackupReader.ReadManifestAsync(file.FullName, ct, keys: Keys);
        _manifests[file.Name] = (file.Length, file.LastWriteTimeUtc, manifest);
        return manifest;
    }

    /// <summary>The path of a base named by its file name in the folder (never a path from the user), or null.</summary>
    public string? BasePathOf(string name) => ReadablePathOf(name);

    public async Task<BackupPage> ListAsync(int page, int pageSize, BackupSort sort, string? search, CancellationToken ct = default)
    {
        var (files, known) = await MatchingAsync(search, ct);
        DateTime Taken(FileInfo f) => known.TryGetValue(f.Name, out var k) && k.CreatedAt is { } at ? at.UtcDateTime : f.LastWriteTimeUtc;
        IEnumerable<FileInfo> ordered = sort switch
        {
            BackupSort.CreatedAsc => files.OrderBy(Taken),
            BackupSort.NameAsc => files.OrderBy(f => f.Name, StringComparer.Ordinal),
            BackupSort.NameDesc => files.OrderByDescending(f => f.Name, StringComparer.Ordinal),
            BackupSort.SizeDesc => files.OrderByDescending(f => f.Length),
            BackupSort.SizeAsc => files.OrderBy(f => f.Length),
            _ => files.OrderByDescending(Taken),
        };
        var shown = ordered.Skip(page * pageSize).Take(pageSize).ToList();
        await RecallAsync(shown, ct);
        var items = new List<BackupFileInfo>();
        foreach (var file in shown)
            items.Add(await DescribeAsync(file, verify: false, ct));
        return new BackupPage(items, files.Count);
    }

    /// <summary>
    /// The import picker's search over the whole folder: names, and source databases where known, containing
    /// <paramref name="search"/>, newest snapshot first; no file is opened.
    /// </summary>
    public async Task<BackupChoices> FindAsync(string? search, int limit, CancellationToken ct = default)
    {
        var (files, known) = await MatchingAsync(search, ct);
        var choices = files
            .Select(f => known.TryGetValue(f.Name, out var k)
                ? new BackupChoice(f.Name, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero), k.CreatedAt, k.SourceDatabase)
                : new BackupChoice(f.Name, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero), null, null))
            .OrderByDescending(c => c.CreatedAt ?? c.Modified).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(limit).ToList();
        return new BackupChoices(choices, files.Count);
    }

    /// <summary>The folder's backups whose name (or known source database) contains the search, with what is known of each.</summary>
    private async Task<(List<FileInfo> Files, Dictionary<string, BackupFacts> Known)> MatchingAsync(string? search, CancellationToken ct)
    {
        var all = new DirectoryInfo(Folder).EnumerateFiles("*.tar.gz*").Where(f => IsValidName(f.Name) && IsPlainFile(f)).ToList();
        var known = await KnownAsync(all, ct);
        var text = search?.Trim();
        var files = string.IsNullOrEmpty(text) ? all : all.Where(f =>
            f.Name.Contains(text, StringComparison.OrdinalIgnoreCase)
            || (known.TryGetValue(f.Name, out var k) && k.SourceDatabase?.Contains(text, StringComparison.OrdinalIgnoreCase) == true)).ToList();
        return (files, known);
    }

    /// <summary>The snapshot time and source of every file whose current version was verified, here or before a restart.</summary>
    private async Task<Dictionary<string, BackupFacts>> KnownAsync(List<FileInfo> files, CancellationToken ct)
    {
        var byName = files.ToDictionary(f => f.Name);
        var known = new Dictionary<string, BackupFacts>();
        if (_catalog is not null)
            foreach (var facts in await _catalog.FactsAsync(ct))
                if (byName.TryGetValue(facts.Name, out var file) && facts.Describes(file)) known[facts.Name] = facts;
        foreach (var file in files)
            if (Completed(file) is { Summary: { } summary })
                known[file.Name] = new BackupFacts(file.Name, file.Length, file.LastWriteTimeUtc.Ticks, summary.CreatedAt, summary.SourceDatabase);
        return known;
    }

    /// <summary>This process's finished verification of the file's current version, or null.</summary>
    private BackupVerification? Completed(FileInfo file) =>
        _verified.TryGetValue(file.Name, out var cached) && cached.Size == file.Length && cached.Modified == file.LastWriteTimeUtc
        && cached.Result.IsValueCreated && cached.Result.Value.IsCompletedSuccessfully ? cached.Result.Value.Result : null;

    /// <summary>
    /// Takes the catalogue's results for those files this process has not verified (in their current version), so a
    /// restart reads no file whole again and shows what each said.
    /// </summary>
    private async Task RecallAsync(IReadOnlyCollection<FileInfo> files, CancellationToken ct)
    {
        if (_catalog is null) return;
        var unknown = files.Where(f => f.Length > 0 && Completed(f) is null).ToList();
        foreach (var (name, verification) in await _catalog.RecallAsync(unknown, ct))
        {
            var file = unknown.First(f => f.Name == name);
            var recalled = (file.Length, file.LastWriteTimeUtc, new Lazy<Task<BackupVerification>>(Task.FromResult(verification)));
            // A verification of the same version started meanwhile is kept (it will find the same).
            _verified.AddOrUpdate(name, recalled, (_, old) => old.Size == file.Length && old.Modified == file.LastWriteTimeUtc ? old : recalled);
        }
    }

    /// <summary>Describes one file; with <paramref name="verify"/>, reads it whole to check checksums (cached).</summary>
    public async Task<BackupFileInfo?> GetAsync(string name, bool verify, CancellationToken ct = default)
    {
        var path = PathOf(name);
        if (path is null) return null;
        var file = new FileInfo(path);
        await RecallAsync([file], ct);
        return await DescribeAsync(file, verify, ct);
    }

    /// <summary>
    /// How many times a file was read whole to verify it since the app started: each file version once, and not again
    /// after a restart when the catalogue has it.
    /// </summary>
    public long Verifications => Interlocked.Read(ref _verifications);

    private async Task<BackupFileInfo> DescribeAsync(FileInfo file, bool verify, CancellationToken ct)
    {
        BackupVerification? result = null;
        var current = _verified.TryGetValue(file.Name, out var cached) && cached.Size == file.Length && cached.Modified == file.LastWriteTimeUtc;
        if (current && cached.Result.IsValueCreated && cached.Result.Value.IsCompletedSuccessfully)
            result = cached.Result.Value.Result;
        else if (verify)
        {
            var entry = _verified.AddOrUpdate(file.Name, _ => Verification(file),
                (_, old) => old.Size == file.Length && old.Modified == file.LastWriteTimeUtc && !old.Result.Value.IsFaulted ? old : Verification(file));
            // The shared run is not tied to the first caller's cancellation; a caller that leaves only stops waiting.
            result = await entry.Result.Value.WaitAsync(ct);
        }
        var summary = result?.Summary;
        // Empty files are never opened (see ReadablePathOf).
        var format = result?.Format ?? (file.Length == 0 ? null : await BackupFiles.DetectFormatAsync(file.FullName, ct, Keys));
        return new BackupFileInfo(file.Name, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), format,
            summary?.CreatedAt, summary?.SourceDatabase, summary?.Tables.Sum(t => t.Rows), result?.IsValid,
            result?.Issues ?? [], summary, result?.Manifest);
    }

    private (long, DateTime, Lazy<Task<BackupVerification>>) Verification(FileInfo file)
    {
        var path = file.FullName;
        // Empty files are never opened (see ReadablePathOf).
        if (file.Length == 0) return (0, file.LastWriteTimeUtc, new Lazy<Task<BackupVerification>>(Task.FromResult(Empty(file.Name))));
        return (file.Length, file.LastWriteTimeUtc, new Lazy<Task<BackupVerification>>(() =>
        {
            Interlocked.Increment(ref _verifications);
            return Task.Run(async () =>
            {
                var verification = await BackupFiles.VerifyAsync(path, CancellationToken.None, Keys);
                if (_catalog is not null) await _catalog.RememberAsync(file, verification);
                return verification;
            });
        }));
    }

    private static BackupVerification Empty(string name) => new(false, null, null, null,
        [BackupIssue.Error(IssueCode.NotABackup, $"{name} is empty, so it is not a backup.", "Delete it, or copy the backup into the folder again.")]);

    public bool Delete(string name)
    {
        var path = PathOf(name);
        if (path is null) return false;
        File.Delete(path);
        _verified.TryRemove(name, out _);
        _catalog?.Forget(name);
        return true;
    }

    /// <summary>
    /// Streams an upload to a temporary file in the folder (never into memory), verifies it, and keeps it under a
    /// sanitized unique name; a file that fails verification is deleted and the reasons returned.
    /// </summary>
    public async Task<(BackupFileInfo? File, IReadOnlyList<BackupIssue> Issues)> SaveUploadAsync(string originalName, Stream content,
        CancellationToken ct = default)
    {
        if (!originalName.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) && !originalName.EndsWith(".tar.gz.age", StringComparison.OrdinalIgnoreCase))
            return (null, [BackupIssue.Error(IssueCode.NotTarGz, $"{originalName} is not a .tar.gz (or encrypted .tar.gz.age) file.", "Upload a backup made by Crearis Backup Admin or by the original exporter.")]);
        var temporary = Path.Combine(Folder, $".upload-{Guid.NewGuid():N}.partial");
        try
        {
            // Held open (so locked: see PartialFiles) until it is renamed, verification included, so a cleanup in
            // another process never takes a file that is still being received or checked.
            await using var output = PartialFiles.CreateOwnerOnly(temporary, FileShare.Read | FileShare.Delete);
            var buffer = new byte[1 << 16];
            long total = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, ct)) > 0)
            {
                total += read;
                if (total > MaxUploadBytes)
                    return (null, [BackupIssue.Error(IssueCode.UploadTooLarge, $"{originalName} is larger than the limit of {MaxUploadBytes / (1024 * 1024)} MiB.", "Raise Crearis:Backups:MaxUploadBytes or copy the file into the backup folder.")]);
                await output.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            await output.FlushAsync(ct);
            var verification = await BackupFiles.VerifyAsync(temporary, ct, Keys);
            if (!verification.IsValid)
                return (null, verification.Issues.Select(i => i with { Message = i.Message.Replace(Path.GetFileName(temporary), originalName) }).ToList());
            var name = UniqueName(originalName);
            var final = Path.Combine(Folder, name);
            File.Move(temporary, final);
            var info = new FileInfo(final);
            _verified[name] = (info.Length, info.LastWriteTimeUtc, new Lazy<Task<BackupVerification>>(Task.FromResult(verification)));
            if (_catalog is not null) await _catalog.RememberAsync(info, verification, ct);
            return (await DescribeAsync(info, verify: false, ct), []);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>
    /// The name an upload is kept under: one <see cref="IsValidName"/> accepts, or the file could be stored but never
    /// listed, downloaded or deleted. The page tells the uploader when it differs from the name they gave.
    /// </summary>
    private string UniqueName(string originalName)
    {
        var stem = Path.GetFileName(originalName);
        var suffix = stem.EndsWith(".age", StringComparison.OrdinalIgnoreCase) ? ".tar.gz.age" : ".tar.gz";
        stem = stem[..^suffix.Length];
        stem = Regex.Replace(stem, "[^A-Za-z0-9._-]", "_");
        stem = Regex.Replace(stem, @"\.{2,}", ".");
        // A name starts with a letter or digit; and the cut is trimmed too, since a cut that ends in a dot would make
        // "stem." + ".tar.gz" hold ".." (such a name was stored but never listed, downloaded or deleted).
        stem = stem.Trim('.', '_', '-');
        if (stem.Length > MaxUploadStem) stem = stem[..MaxUploadStem].TrimEnd('.', '_', '-');
        if (stem.Length == 0) stem = "upload";
        var name = $"{stem}{suffix}";
        for (var i = 2; Taken(name); i++) name = $"{stem}_{i}{suffix}";
        if (!IsValidName(name))
            throw new InvalidOperationException($"The upload name {name} breaks the backup folder's own name rule.");
        return name;
    }

    /// <summary>Anything under the name, a dangling link included (File.Exists follows links).</summary>
    private bool Taken(string name)
    {
        var path = Path.Combine(Folder, name);
        return File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;
    }
}
