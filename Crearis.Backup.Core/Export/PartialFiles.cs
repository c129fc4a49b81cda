using System.Text.RegularExpressions;

namespace Crearis.Backup.Core.Export;

/// <summary>
/// Files that are being written — a backup under its temporary name, an upload being received, the rows of a table
/// on their way into the archive — named <c>.{file}.{guid}.partial</c> (uploads <c>.upload-{guid}.partial</c>) in
/// the folder of the backup they become. They hold rows of the platform, so they are created readable by their owner
/// only, from the first byte.
/// <para>
/// A writer holds its partial file open until it is renamed or deleted, and .NET locks an open file on Unix (a
/// <c>flock</c>, exclusive with <see cref="FileShare.None"/>, shared otherwise). The kernel drops a process's locks
/// when it dies, so a partial file that can be locked exclusively belongs to nobody any more: to an export or upload
/// that was killed. That is how a running export in another process (a cron job's <c>backup export</c>, another app
/// instance) is told apart from a dead one, whatever its age — a long table can keep a live archive unchanged for
/// many minutes. The age threshold only covers the moments a live writer does not hold its file: between creating
/// and locking it, and between closing and renaming it.
/// </para>
/// </summary>
public static partial class PartialFiles
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A partial file changed more recently than this is never removed (see the class comment).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(15);

    // Only names this tool makes: a folder given to --output may hold other programs' ".partial" files.
    [GeneratedRegex(@"^\..*[.-][0-9a-f]{32}\.partial$", RegexOptions.CultureInvariant)]
    private static partial Regex OwnName();

    /// <summary>A new temporary name beside <paramref name="finalPath"/>, in the same folder (so a rename completes it).</summary>
    public static string NameFor(string finalPath) =>
        Path.Combine(Path.GetDirectoryName(finalPath)!, $".{Path.GetFileName(finalPath)}.{Guid.NewGuid():N}.partial");

    /// <summary>True for a name this tool gives its partial files.</summary>
    public static bool IsPartialName(string fileName) => OwnName().IsMatch(fileName);

    /// <summary>
    /// Creates a new file readable and writable by its owner only (never another mode first and a chmod after), opened
    /// for writing and held locked as long as the stream is open. <paramref name="share"/> <see cref="FileShare.Read"/>
    /// lets the writer's own code read it by name while the lock keeps a cleanup away.
    /// </summary>
    public static FileStream CreateOwnerOnly(string path, FileShare share = FileShare.None, int bufferSize = 1 << 16) =>
        new(path, OwnerOnlyOptions(FileMode.CreateNew, FileAccess.Write, share, bufferSize));

    /// <summary>
    /// A scratch file in <paramref name="folder"/> for data on its way into an archive: owner-only, and on Unix
    /// unlinked at once, so its bytes have no name and vanish with the process however it ends (a killed export
    /// leaves nothing behind). Read it back through the returned stream.
    /// </summary>
    public static FileStream CreateScratch(string folder, string forFile)
    {
        var path = NameFor(Path.Combine(folder, forFile));
        var options = OwnerOnlyOptions(FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Delete, 1 << 16);
        // Windows cannot unlink an open file; there the system deletes it when the handle closes.
        if (OperatingSystem.IsWindows()) options.Options = FileOptions.DeleteOnClose;
        var stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows()) File.Delete(path);
        return stream;
    }

    /// <summary>
    /// Removes the partial files in <paramref name="folder"/> that no live writer holds and that have not changed for
    /// <see cref="StaleAfter"/>; returns their names. Links are never followed or removed.
    /// </summary>
    public static IReadOnlyList<string> RemoveStale(string folder, DateTime? utcNow = null)
    {
        var removed = new List<string>();
        if (!Directory.Exists(folder)) return removed;
        var cutoff = (utcNow ?? DateTime.UtcNow) - StaleAfter;
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles(".*.partial"))
        {
            if (!IsPartialName(file.Name) || file.LinkTarget is not null || file.LastWriteTimeUtc > cutoff) continue;
            try
            {
                // Read and write: opening a FIFO that way does not wait for a peer (Linux), so a planted one cannot
                // hang the start. The exclusive lock fails while any writer holds the file.
                using var held = new FileStream(file.FullName, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1);
                // Deleted while we hold the lock: no writer can have taken it over in between.
                File.Delete(file.FullName);
                removed.Add(file.Name);
            }
            catch (IOException)
            {
                // Held by a running export or upload (or gone already): theirs to finish.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's file: not ours to remove.
            }
        }
        return removed;
    }

    private static FileStreamOptions OwnerOnlyOptions(FileMode mode, FileAccess access, FileShare share, int bufferSize)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share, BufferSize = bufferSize };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        return options;
    }
}
