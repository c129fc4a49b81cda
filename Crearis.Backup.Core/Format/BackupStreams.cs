using Crearis.Backup.Core.Encryption;

namespace Crearis.Backup.Core.Format;

/// <summary>Opens a backup file's bytes as the .tar.gz they hold: as they are, or decrypted when the file is age-encrypted.</summary>
public static class BackupStreams
{
    /// <summary>The plain .tar.gz stream of <paramref name="path"/>. An encrypted file without a key that opens it
    /// throws a <see cref="BackupFileException"/> naming what to give.</summary>
    public static Stream OpenRead(string path, BackupKeys? keys)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        try
        {
            Span<byte> start = stackalloc byte[22];
            var read = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            file.Position = 0;
            return read == start.Length && AgeFormat.StartsLikeAge(start)
                ? new AgeDecryptStream(file, keys ?? BackupKeys.None, Path.GetFileName(path))
                : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>True when the file is age-encrypted (by its first line, without a key).</summary>
    public static bool IsEncrypted(string path) => AgeDecryptStream.IsAge(path);
}
