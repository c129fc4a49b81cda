using System.Security.Cryptography;
using System.Text;

namespace Crearis.Admin.Security;

/// <summary>
/// The server's secret for API tokens: tokens are stored as HMAC-SHA256(key, token). It is kept outside the admin
/// database on purpose — someone who can read or write that database (or a copy of it) can neither check guesses
/// against the stored hashes nor plant a token of their own. <c>Crearis:Api:TokenKey</c> (base64, at least 32 bytes)
/// when configured; otherwise <c>Crearis:Api:TokenKeyFile</c>, by default <c>api-token.key</c> beside the embedded
/// cluster's folder, made once with 32 random bytes and mode 0600. Losing it makes every token invalid, nothing more.
/// </summary>
public sealed class ApiTokenKey
{
    public const string KeySetting = "Crearis:Api:TokenKey";
    public const string FileSetting = "Crearis:Api:TokenKeyFile";

    private readonly Lazy<byte[]> _key;

    public ApiTokenKey(IConfiguration configuration)
    {
        var configured = configuration[KeySetting];
        var file = configuration[FileSetting];
        // Read when a token is first made or checked: an app whose API is never used needs no key file.
        _key = new Lazy<byte[]>(() => string.IsNullOrWhiteSpace(configured) ? FromFile(string.IsNullOrWhiteSpace(file) ? DefaultFile() : file) : FromSetting(configured));
    }

    /// <summary>HMAC-SHA256 of the token under the key.</summary>
    public byte[] Hash(string token) => HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes(token));

    public static string DefaultFile() =>
        Path.Combine(Path.GetDirectoryName(Crearis.Platform.Postgres.PostgresClusterOptions.DefaultDataRoot())!, "api-token.key");

    private static byte[] FromSetting(string base64, string source = KeySetting)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new ApiTokenKeyException($"{source} is not base64.");
        }
        return key.Length >= 32 ? key : throw new ApiTokenKeyException($"{source} must hold at least 32 bytes (base64 of 32 random bytes: openssl rand -base64 32).");
    }

    private static byte[] FromFile(string path)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // Written whole under a temporary name, then moved into place without overwriting: two processes starting
            // at once never read a half-written key, and the second one keeps the first one's.
            var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var writer = new StreamWriter(new FileStream(temporary, options)))
                writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
            }
        }
        return FromSetting(File.ReadAllText(path), $"The token key file {path}");
    }
}

/// <summary>The configured token key cannot be used (not base64, too short); the message says what to set.</summary>
public sealed class ApiTokenKeyException(string message) : InvalidOperationException(message);
