using NSec.Cryptography;

namespace Crearis.Backup.Core.Encryption;

/// <summary>An age X25519 recipient ("age1…"): who an encrypted backup can be opened by.</summary>
public sealed class AgeRecipient
{
    private AgeRecipient(byte[] publicKey, string text) => (PublicKey, Text) = (publicKey, text);

    internal byte[] PublicKey { get; }
    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>The recipient, or null when the text is not an age X25519 recipient.</summary>
    public static AgeRecipient? Parse(string text)
    {
        var trimmed = text.Trim();
        return Bech32.Decode(trimmed) is ("age", { Length: 32 } key) && trimmed == trimmed.ToLowerInvariant()
            ? new AgeRecipient(key, trimmed) : null;
    }
}

/// <summary>An age X25519 identity ("AGE-SECRET-KEY-1…"), the private half that opens backups made for its recipient.</summary>
public sealed class AgeIdentity : IDisposable
{
    private AgeIdentity(Key key) => Key = key;

    internal Key Key { get; }
    internal byte[] PublicKey => Key.PublicKey.Export(KeyBlobFormat.RawPublicKey);

    /// <summary>The recipient that encrypts to this identity.</summary>
    public AgeRecipient Recipient => AgeRecipient.Parse(Bech32.Encode("age", PublicKey))!;

    /// <summary>A new random identity (for a throwaway recipient, as in the benchmark).</summary>
    public static AgeIdentity Generate() => new(Key.Create(KeyAgreementAlgorithm.X25519));

    public static AgeIdentity? Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed != trimmed.ToUpperInvariant() || Bech32.Decode(trimmed) is not ("age-secret-key-", { Length: 32 } secret)) return null;
        return new AgeIdentity(Key.Import(KeyAgreementAlgorithm.X25519, secret, KeyBlobFormat.RawPrivateKey));
    }

    public void Dispose() => Key.Dispose();
}

/// <summary>What an encrypted backup is written to: X25519 recipients, or (alone, as age requires) a passphrase.</summary>
public sealed record BackupEncryption(IReadOnlyList<AgeRecipient> Recipients, string? Passphrase = null)
{
    /// <summary>age's scrypt work factor (log2 N); the stock tool uses 18.</summary>
    public int WorkFactor { get; init; } = 18;

    public override string ToString() => Passphrase is null ? $"{Recipients.Count} recipient(s)" : "passphrase";
}

/// <summary>What opens encrypted backups: identities and/or a passphrase. Never written anywhere.</summary>
public sealed record BackupKeys(IReadOnlyList<AgeIdentity> Identities, string? Passphrase = null)
{
    public static readonly BackupKeys None = new([]);

    public bool IsEmpty => Identities.Count == 0 && string.IsNullOrEmpty(Passphrase);

    // A key must never reach a log or a JSON result by accident.
    public override string ToString() => $"{Identities.Count} identity(ies){(Passphrase is null ? "" : " and a passphrase")}";
}

/// <summary>Reads age key files: identity files (age-keygen's output) and recipients files, one per line, "#" comments.</summary>
public static class AgeKeyFiles
{
    public static (IReadOnlyList<AgeIdentity> Identities, string? Error) ReadIdentities(string path)
    {
        if (!File.Exists(path)) return ([], $"The identity file {path} does not exist.");
        var identities = new List<AgeIdentity>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (AgeIdentity.Parse(line) is not { } identity)
            {
                foreach (var done in identities) done.Dispose();
                return ([], $"Line {number} of the identity file {path} is not an age identity (AGE-SECRET-KEY-1…).");
            }
            identities.Add(identity);
        }
        return identities.Count == 0 ? ([], $"The identity file {path} holds no identity.") : (identities, null);
    }

    public static (IReadOnlyList<AgeRecipient> Recipients, string? Error) ReadRecipients(string path)
    {
        if (!File.Exists(path)) return ([], $"The recipients file {path} does not exist.");
        var recipients = new List<AgeRecipient>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Trim().Length == 0 || line.StartsWith('#')) continue;
            if (AgeRecipient.Parse(line) is not { } recipient)
                return ([], $"Line {number} of the recipients file {path} is not an age recipient (age1…).");
            recipients.Add(recipient);
        }
        return recipients.Count == 0 ? ([], $"The recipients file {path} holds no recipient.") : (recipients, null);
    }

    /// <summary>A passphrase file's first line (a trailing newline is not part of the passphrase).</summary>
    public static (string? Passphrase, string? Error) ReadPassphrase(string path)
    {
        if (!File.Exists(path)) return (null, $"The passphrase file {path} does not exist.");
        var text = File.ReadAllText(path);
        var line = text.Split('\n')[0].TrimEnd('\r');
        return line.Length == 0 ? (null, $"The passphrase file {path} is empty.") : (line, null);
    }
}
