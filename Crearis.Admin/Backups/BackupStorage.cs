using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Crearis.Admin.Hosting;
using Crearis.Backup.Core.Format;
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
    BackupSummary? Summary);

public sealed record BackupPage(IReadOnlyList<BackupFileInfo> Items, int Total);

public enum BackupSort { CreatedDesc, CreatedAsc, NameAsc, NameDesc, SizeDesc, SizeAsc }

/// <summary>
/// The backup folder: files are addressed by name only, and names are checked (no path separators, no "..", only
/// .tar.gz), so no request can reach another file. Verification results are cached per file version.
/// </summary>
public sealed partial class BackupStorage
{
    // One verification per file version, shared by everyone who asks while it runs: a page load by each of several
    // users must not read (and unpack) the same file once each.
    private readonly ConcurrentDictionary<string, (long Size, DateTime Modified, Lazy<Task<BackupVerification>> Result)> _verified = new();
    private long _verifications;

    private readonly BackupKeyring? _keyring;

    public BackupStorage(IOptions<BackupStorageOptions> options, BackupKeyring? keyring = null)
    {
        _keyring = keyring;
        Folder = string.IsNullOrWhiteSpace(options.Value.Folder)
            ? Path.Combine(Path.GetDirectoryName(Crearis.Platform.Postgres.PostgresClusterOptions.DefaultDataRoot())!, "backups")
            : Path.GetFullPath(options.Value.Folder);
        MaxUploadBytes = options.Value.MaxUploadBytes;
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }
    public long MaxUploadBytes { get; }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,180}\.tar\.gz(\.age)?$")]
    private static partial Regex SafeName();

    /// <summary>True when the name is a plain .tar.gz (or encrypted .tar.gz.age) file name that stays inside the folder.</summary>
    public static bool IsValidName(string? name) =>
        name is not null && SafeName().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>The full path of a backup in the folder, or null for a name that is not allowed or does not exist.</summary>
    public string? PathOf(string name)
    {
        if (!IsValidName(name)) return null;
        var path = Path.GetFullPath(Path.Combine(Folder, name));
        if (!path.StartsWith(Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        return File.Exists(path) ? path : null;
    }

    /// <summary>A new file name for an export: crearis_&lt;database&gt;_&lt;utc time&gt;.tar.gz (.tar.gz.age when exports are encrypted).</summary>
    public string NewExportPath(string database)
    {
        var safe = Regex.Replace(database, "[^A-Za-z0-9_-]", "_");
        return Path.Combine(Folder, $"crearis_{safe}_{DateTime.UtcNow:yyyyMMdd_HHmmss}.tar.gz{(Encryption is null ? "" : ".age")}");
    }

    /// <summary>What exports are encrypted to (configured recipients), or null.</summary>
    public Crearis.Backup.Core.Encryption.BackupEncryption? Encryption => _keyring?.Encryption;

    /// <summary>What opens encrypted backups here (the configured identity), or null.</summary>
    public Crearis.Backup.Core.Encryption.BackupKeys? Keys => _keyring?.Keys;

    public async Task<BackupPage> ListAsync(int page, int pageSize, BackupSort sort, string? search, CancellationToken ct = default)
    {
        var files = new DirectoryInfo(Folder).EnumerateFiles("*.tar.gz*")
            .Where(f => IsValidName(f.Name))
            .Where(f => string.IsNullOrWhiteSpace(search) || f.Name.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase))
            .ToList();
        IEnumerable<FileInfo> ordered = sort switch
        {
            BackupSort.CreatedAsc => files.OrderBy(f => f.LastWriteTimeUtc),
            BackupSort.NameAsc => files.OrderBy(f => f.Name, StringComparer.Ordinal),
            BackupSort.NameDesc => files.OrderByDescending(f => f.Name, StringComparer.Ordinal),
            BackupSort.SizeDesc => files.OrderByDescending(f => f.Length),
            BackupSort.SizeAsc => files.OrderBy(f => f.Length),
            _ => files.OrderByDescending(f => f.LastWriteTimeUtc),
        };
        var items = new List<BackupFileInfo>();
        foreach (var file in ordered.Skip(page * pageSize).Take(pageSize))
            items.Add(await DescribeAsync(file, verify: false, ct));
        return new BackupPage(items, files.Count);
    }

    /// <summary>Describes one file; with <paramref name="verify"/>, reads it whole to check checksums (cached).</summary>
    public async Task<BackupFileInfo?> GetAsync(string name, bool verify, CancellationToken ct = default)
    {
        var path = PathOf(name);
        return path is null ? null : await DescribeAsync(new FileInfo(path), verify, ct);
    }

    /// <summary>How many times a file was read whole to verify it since the app started (each file version once).</summary>
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
        return new BackupFileInfo(file.Name, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero),
            result?.Format ?? await BackupFiles.DetectFormatAsync(file.FullName, ct, Keys),
            summary?.CreatedAt, summary?.SourceDatabase, summary?.Tables.Sum(t => t.Rows), result?.IsValid,
            result?.Issues ?? [], summary);
    }

    private (long, DateTime, Lazy<Task<BackupVerification>>) Verification(FileInfo file)
    {
        var path = file.FullName;
        return (file.Length, file.LastWriteTimeUtc, new Lazy<Task<BackupVerification>>(() =>
        {
            Interlocked.Increment(ref _verifications);
            return Task.Run(() => BackupFiles.VerifyAsync(path, CancellationToken.None, Keys));
        }));
    }

    public bool Delete(string name)
    {
        var path = PathOf(name);
        if (path is null) return false;
        File.Delete(path);
        _verified.TryRemove(name, out _);
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
            await using (var output = File.Create(temporary))
            {
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
            }
            var verification = await BackupFiles.VerifyAsync(temporary, ct, Keys);
            if (!verification.IsValid)
                return (null, verification.Issues.Select(i => i with { Message = i.Message.Replace(Path.GetFileName(temporary), originalName) }).ToList());
            var name = UniqueName(originalName);
            var final = Path.Combine(Folder, name);
            File.Move(temporary, final);
            var info = new FileInfo(final);
            _verified[name] = (info.Length, info.LastWriteTimeUtc, new Lazy<Task<BackupVerification>>(Task.FromResult(verification)));
            return (await DescribeAsync(info, verify: false, ct), []);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private string UniqueName(string originalName)
    {
        var stem = Path.GetFileName(originalName);
        var suffix = stem.EndsWith(".age", StringComparison.OrdinalIgnoreCase) ? ".tar.gz.age" : ".tar.gz";
        stem = stem[..^suffix.Length];
        stem = Regex.Replace(stem, "[^A-Za-z0-9._-]", "_").Trim('.', '_', '-');
        if (stem.Length == 0) stem = "upload";
        if (stem.Length > 120) stem = stem[..120];
        stem = stem.Replace("..", "_", StringComparison.Ordinal);
        var name = $"{stem}{suffix}";
        for (var i = 2; File.Exists(Path.Combine(Folder, name)); i++) name = $"{stem}_{i}{suffix}";
        return name;
    }
}
