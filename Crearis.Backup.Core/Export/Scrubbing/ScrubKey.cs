using System.Security.Cryptography;
using System.Text;

namespace Crearis.Backup.Core.Export.Scrubbing;

/// <summary>
/// The secret a scrubbed export derives its pseudonyms from (HMAC-SHA256): the same key gives the same pseudonyms in
/// every export, so scrubbed copies taken on different days still line up. Read from an environment variable or a file,
/// never the command line (it would be in the shell's history and the process list).
/// </summary>
public sealed class ScrubKey
{
    public const string Variable = "CREARIS_SCRUB_KEY";
    public const int MinimumBytes = 16;

    private ScrubKey(byte[] key) => Key = key;

    internal byte[] Key { get; }

    /// <summary>A public name for the key (first 16 hex digits of SHA-256 over a label and the key); the manifest records it.</summary>
    public string Fingerprint => Convert.ToHexString(SHA256.HashData([.. "crearis-scrub-key\n"u8, .. Key]))[..16].ToLowerInvariant();

    public static (ScrubKey? Key, string? Error) FromText(string? text, string origin)
    {
        var bytes = Encoding.UTF8.GetBytes((text ?? "").Trim());
        return bytes.Length < MinimumBytes
            ? (null, $"The scrub key from {origin} is shorter than {MinimumBytes} bytes; use a long random value (openssl rand -hex 32).")
            : (new ScrubKey(bytes), null);
    }

    public static (ScrubKey? Key, string? Error) FromFile(string path)
    {
        try
        {
            return FromText(File.ReadAllText(path), path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"Could not read the scrub key file {path}: {e.Message}");
        }
    }

    /// <summary>From <see cref="Variable"/>; an error when it is unset or short.</summary>
    public static (ScrubKey? Key, string? Error) FromEnvironment() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? FromText(value, Variable)
            : (null, $"--scrub needs a key: set {Variable} or give --scrub-key-file FILE.");
}
