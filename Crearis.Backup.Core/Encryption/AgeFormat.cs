using System.Security.Cryptography;
using System.Text;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Results;
using NSec.Cryptography;
using ChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;

namespace Crearis.Backup.Core.Encryption;

/// <summary>
/// The age v1 file format (C2SP age.md): a text header of recipient stanzas wrapping a random 16-byte file key,
/// authenticated by an HMAC, then the payload as the STREAM construction — 64 KiB chunks, each sealed with
/// ChaCha20-Poly1305 under a nonce of an 11-byte counter and a last-chunk flag, so a flipped bit, a reordered or a
/// dropped chunk and a cut-off end are all detected. Files we write open with the stock <c>age</c> tool and its
/// files open here.
/// </summary>
internal static class AgeFormat
{
    public const string Intro = "age-encryption.org/v1";
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    private const string X25519Label = "age-encryption.org/v1/X25519";
    private const string ScryptLabel = "age-encryption.org/v1/scrypt";

    /// <summary>The highest scrypt work factor accepted when reading: 2^20 × 1 KiB = 1 GiB of memory (the stock tool
    /// writes 18; tools that tune it to the machine stay below this).</summary>
    public const int MaxWorkFactor = 20;

    /// <summary>Headers we read are small (a stanza per recipient); this bounds a hostile one.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    public static bool StartsLikeAge(ReadOnlySpan<byte> start) => start.StartsWith(Encoding.ASCII.GetBytes(Intro + "\n"));

    /// <summary>The header for <paramref name="encryption"/> and the file key it wraps.</summary>
    public static (byte[] Header, byte[] FileKey) WriteHeader(BackupEncryption encryption)
    {
        var fileKey = RandomNumberGenerator.GetBytes(16);
        var text = new StringBuilder(Intro).Append('\n');
        if (encryption.Passphrase is { } passphrase)
        {
            var salt = RandomNumberGenerator.GetBytes(16);
            var key = Scrypt.DeriveKey(Encoding.UTF8.GetBytes(passphrase), [.. Encoding.ASCII.GetBytes(ScryptLabel), .. salt],
                encryption.WorkFactor, 8, 1, 32);
            Stanza(text, ["scrypt", Base64(salt), encryption.WorkFactor.ToString(System.Globalization.CultureInfo.InvariantCulture)], Seal(key, fileKey));
        }
        else
        {
            foreach (var recipient in encryption.Recipients)
            {
                using var ephemeral = Key.Create(KeyAgreementAlgorithm.X25519);
                var share = ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey);
                var wrap = WrapKey(ephemeral, recipient.PublicKey, share, recipient.PublicKey);
                Stanza(text, ["X25519", Base64(share)], Seal(wrap, fileKey));
            }
        }
        text.Append("---");
        var mac = HeaderMac(fileKey, Encoding.ASCII.GetBytes(text.ToString()));
        text.Append(' ').Append(Base64(mac)).Append('\n');
        return (Encoding.ASCII.GetBytes(text.ToString()), fileKey);
    }

    /// <summary>Reads the header from <paramref name="input"/> and unwraps the file key with <paramref name="keys"/>.
    /// Returns the file key and the bytes read past the header (the payload's start).</summary>
    public static (byte[] FileKey, byte[] Remainder) ReadHeader(Stream input, BackupKeys keys, string file)
    {
        var buffer = new byte[MaxHeaderBytes];
        var filled = 0;
        int end;
        while ((end = HeaderEnd(buffer.AsSpan(0, filled))) < 0)
        {
            if (filled == buffer.Length) throw Malformed(file, "its header is larger than 64 KiB");
            var read = input.Read(buffer, filled, buffer.Length - filled);
            if (read == 0) throw Malformed(file, "it ends inside its header");
            filled += read;
        }
        var header = buffer.AsSpan(0, end);
        foreach (var b in header)
            if (b != '\n' && b is < 0x20 or > 0x7e) throw Malformed(file, "its header is not plain text");
        var lines = Encoding.ASCII.GetString(header).Split('\n');
        // lines: intro, stanzas…, "--- mac", "" (after the final newline)
        if (lines[0] != Intro) throw Malformed(file, "it is not age version 1");
        var stanzas = new List<(string[] Args, byte[] Body)>();
        var i = 1;
        while (lines[i].StartsWith("-> ", StringComparison.Ordinal))
        {
            var args = lines[i][3..].Split(' ');
            if (args.Any(a => a.Length == 0)) throw Malformed(file, "a stanza has an empty argument");
            var body = new StringBuilder();
            while (true)
            {
                var line = lines[++i];
                if (line.Length > 64 || line.StartsWith("-> ", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal))
                    throw Malformed(file, "a stanza's body is malformed");
                body.Append(line);
                if (line.Length < 64) break;
            }
            stanzas.Add((args, FromBase64(body.ToString(), file)));
            i++;
            if (stanzas.Count > 64) throw Malformed(file, "it has more than 64 stanzas");
        }
        if (!lines[i].StartsWith("--- ", StringComparison.Ordinal) || i != lines.Length - 2) throw Malformed(file, "its header does not end with a MAC line");
        if (stanzas.Count == 0) throw Malformed(file, "it names no recipient");
        var mac = FromBase64(lines[i][4..], file);
        var macInput = header[..(header.Length - lines[i].Length + 3 - 1)];

        var fileKey = Unwrap(stanzas, keys, file);
        if (!CryptographicOperations.FixedTimeEquals(HeaderMac(fileKey, macInput), mac))
            throw new BackupFileException(BackupIssue.Error(IssueCode.NotAuthentic,
                $"{file}: the header of the encrypted backup was changed (its MAC does not match).",
                "Use an intact copy of the file."));
        return (fileKey, buffer[end..filled]);
    }

    /// <summary>The payload key for a file key and the payload's 16-byte nonce.</summary>
    public static byte[] PayloadKey(byte[] fileKey, ReadOnlySpan<byte> nonce) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, 32, nonce.ToArray(), "payload"u8.ToArray());

    /// <summary>The nonce of chunk <paramref name="counter"/>: 11 bytes big-endian, then 1 on the last chunk.</summary>
    public static void ChunkNonce(Span<byte> nonce, ulong counter, bool last)
    {
        nonce.Clear();
        for (var k = 0; k < 8; k++) nonce[10 - k] = (byte)(counter >> (8 * k));
        nonce[11] = last ? (byte)1 : (byte)0;
    }

    /// <summary>The header's length through the newline after the MAC, or -1 when that line is not complete yet.</summary>
    private static int HeaderEnd(ReadOnlySpan<byte> bytes)
    {
        var at = bytes.IndexOf("\n--- "u8);
        if (at < 0) return -1;
        var newline = bytes[(at + 1)..].IndexOf((byte)'\n');
        return newline < 0 ? -1 : at + 1 + newline + 1;
    }

    private static byte[] Unwrap(List<(string[] Args, byte[] Body)> stanzas, BackupKeys keys, string file)
    {
        var scrypt = stanzas.Where(s => s.Args[0] == "scrypt").ToList();
        if (scrypt.Count > 0 && stanzas.Count > 1) throw Malformed(file, "a passphrase stanza must be its only stanza");
        if (keys.IsEmpty)
            throw new BackupFileException(BackupIssue.Error(IssueCode.KeyRequired,
                $"{file} is encrypted ({(scrypt.Count > 0 ? "with a passphrase" : "to age recipients")}) and no key was given to open it.",
                scrypt.Count > 0
                    ? "Give the passphrase with --passphrase-file or CREARIS_BACKUP_PASSPHRASE."
                    : "Give the age identity with --identity (the app: Crearis:Backups:IdentityFile)."));
        foreach (var (args, body) in stanzas)
        {
            if (args[0] == "X25519")
            {
                if (args.Length != 2 || body.Length != 32) throw Malformed(file, "an X25519 stanza is malformed");
                var share = FromBase64(args[1], file);
                if (share.Length != 32) throw Malformed(file, "an X25519 stanza's share is not 32 bytes");
                foreach (var identity in keys.Identities)
                {
                    var wrap = WrapKey(identity.Key, share, share, identity.PublicKey);
                    if (Open(wrap, body) is { } fileKey) return fileKey;
                }
            }
            else if (args[0] == "scrypt" && keys.Passphrase is { } passphrase)
            {
                if (args.Length != 3 || body.Length != 32) throw Malformed(file, "the scrypt stanza is malformed");
                var salt = FromBase64(args[1], file);
                if (salt.Length != 16 || !System.Text.RegularExpressions.Regex.IsMatch(args[2], "^[1-9][0-9]?$"))
                    throw Malformed(file, "the scrypt stanza is malformed");
                var workFactor = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
                if (workFactor > MaxWorkFactor)
                    throw new BackupFileException(BackupIssue.Error(IssueCode.TooLarge,
                        $"{file} asks for scrypt work factor {workFactor}; at most {MaxWorkFactor} (1 GiB of memory) is accepted.",
                        "Encrypt the backup again with the stock age tool or this one (work factor 18)."));
                var key = Scrypt.DeriveKey(Encoding.UTF8.GetBytes(passphrase), [.. Encoding.ASCII.GetBytes(ScryptLabel), .. salt], workFactor, 8, 1, 32);
                if (Open(key, body) is { } fileKey) return fileKey;
            }
        }
        throw new BackupFileException(BackupIssue.Error(IssueCode.KeyMismatch,
            $"{file} is encrypted, and {(scrypt.Count > 0 ? "the passphrase given does not open it" : "none of the identities given is one of its recipients")}.",
            scrypt.Count > 0 ? "Check the passphrase." : "Give the identity the backup was encrypted to."));
    }

    private static byte[] WrapKey(Key ownKey, byte[] otherPublic, byte[] share, byte[] recipient)
    {
        var other = NSec.Cryptography.PublicKey.Import(KeyAgreementAlgorithm.X25519, otherPublic, KeyBlobFormat.RawPublicKey);
        // Agree refuses a low-order share (an all-zero secret), as age requires.
        using var shared = KeyAgreementAlgorithm.X25519.Agree(ownKey, other)
            ?? throw new BackupFileException(BackupIssue.Error(IssueCode.NotAuthentic, "An X25519 stanza has an invalid share.", "Use an intact copy of the file."));
        return KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(shared, [.. share, .. recipient], Encoding.ASCII.GetBytes(X25519Label), 32);
    }

    private static byte[] Seal(byte[] key, byte[] fileKey)
    {
        using var aead = new ChaCha20Poly1305(key);
        var sealedKey = new byte[fileKey.Length + TagSize];
        aead.Encrypt(new byte[12], fileKey, sealedKey.AsSpan(0, fileKey.Length), sealedKey.AsSpan(fileKey.Length));
        return sealedKey;
    }

    private static byte[]? Open(byte[] key, byte[] body)
    {
        using var aead = new ChaCha20Poly1305(key);
        var fileKey = new byte[16];
        try
        {
            aead.Decrypt(new byte[12], body.AsSpan(0, 16), body.AsSpan(16), fileKey);
            return fileKey;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] HeaderMac(byte[] fileKey, ReadOnlySpan<byte> header)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, fileKey, 32, [], "header"u8.ToArray());
        return HMACSHA256.HashData(key, header);
    }

    private static void Stanza(StringBuilder text, string[] args, byte[] body)
    {
        text.Append("-> ").Append(string.Join(' ', args)).Append('\n');
        var encoded = Base64(body);
        for (var at = 0; ; at += 64)
        {
            var line = encoded[at..Math.Min(at + 64, encoded.Length)];
            text.Append(line).Append('\n');
            if (line.Length < 64) break;
        }
    }

    /// <summary>Standard base64 without padding, as age writes it.</summary>
    private static string Base64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    /// <summary>age's base64: no padding, canonical (re-encoding gives the same text).</summary>
    private static byte[] FromBase64(string text, string file)
    {
        if (text.Contains('=') || text.Length % 4 == 1) throw Malformed(file, "its header holds bad base64");
        try
        {
            var bytes = Convert.FromBase64String(text.PadRight(text.Length + (4 - text.Length % 4) % 4, '='));
            if (Base64(bytes) != text) throw Malformed(file, "its header holds non-canonical base64");
            return bytes;
        }
        catch (FormatException)
        {
            throw Malformed(file, "its header holds bad base64");
        }
    }

    public static BackupFileException Malformed(string file, string what) =>
        new(BackupIssue.Error(IssueCode.NotAuthentic, $"{file} is not a valid age-encrypted file: {what}.",
            "Use an intact copy of the file."));
}
