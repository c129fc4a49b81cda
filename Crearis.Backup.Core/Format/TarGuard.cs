using System.Formats.Tar;
using System.IO.Compression;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format;

/// <summary>
/// Opens a backup file (plain or age-encrypted .tar.gz) for reading entry by entry behind a
/// <see cref="TarGuardStream"/>, with our format's <see cref="BackupLimits"/>: the unpacked total is held to the budget
/// of the file's packed size, so a gzip bomb stops early, whatever its headers claim.
/// </summary>
internal static class TarGuard
{
    public static GuardedTar Open(string path, BackupLimits limits, BackupKeys? keys)
    {
        var budget = limits.UnpackedBudget(new FileInfo(path).Length);
        var file = BackupStreams.OpenRead(path, keys);
        var gzip = new GZipStream(file, CompressionMode.Decompress);
        var guard = new TarGuardStream(gzip, new TarLimits((int)limits.MaxHeaderBytes, limits.MaxEntries, budget, budget));
        return new GuardedTar(Path.GetFileName(path), file, gzip, guard);
    }

    /// <summary>The guard's finding as an issue naming the file (the guard knows entries, not files).</summary>
    public static BackupFileException Refusal(TarGuardException e, string file) =>
        new(BackupIssue.Error(e.Code, $"{file}: {e.Message}.",
            e.Code == IssueCode.CorruptArchive
                ? "The file was damaged or cut short in transfer; use an intact copy."
                : "The file is damaged or was built to exhaust the server; use a backup exported by Crearis Backup Admin.",
            key: e.Entry ?? file));
}

/// <summary>A guarded tar.gz opened for reading: the file, its gzip layer, the guard and the tar reader over it.</summary>
internal sealed class GuardedTar(string fileName, Stream file, GZipStream gzip, TarGuardStream guard) : IAsyncDisposable
{
    public TarReader Reader { get; } = new(guard);

    /// <summary>The next entry, or null at the end. The guard's refusals and TarReader's own complaints about the
    /// structure become typed issues naming the file.</summary>
    public async Task<TarEntry?> NextAsync(CancellationToken ct)
    {
        try
        {
            return await Reader.GetNextEntryAsync(copyData: false, ct);
        }
        catch (TarGuardException e)
        {
            throw TarGuard.Refusal(e, fileName);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException
                                      or OverflowException)
        {
            throw new BackupFileException(BackupIssue.Error(IssueCode.CorruptArchive, $"{fileName} is not a readable .tar.gz ({e.Message}).",
                "Check that the file was copied completely; export again if it was cut off."));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Reader.DisposeAsync();
        await guard.DisposeAsync();
        await gzip.DisposeAsync();
        await file.DisposeAsync();
    }
}
