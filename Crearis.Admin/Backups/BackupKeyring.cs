using Crearis.Backup.Core.Encryption;
using Microsoft.Extensions.Options;

namespace Crearis.Admin.Backups;

/// <summary>
/// The app's keys for encrypted backups, from configuration only (<c>Crearis:Backups:IdentityFile</c> opens
/// .tar.gz.age files; <c>Crearis:Backups:Recipients</c> makes every export an encrypted one). The app never asks a
/// user for a key or a passphrase, so it keeps none it should not.
/// </summary>
public sealed class BackupKeyring : IDisposable
{
    public BackupKeyring(IOptions<BackupStorageOptions> options)
    {
        var (identities, recipients, error) = Read(options.Value);
        if (error is not null) throw new OptionsValidationException(nameof(BackupStorageOptions), typeof(BackupStorageOptions), [error]);
        Keys = new BackupKeys(identities);
        Encryption = recipients.Count > 0 ? new BackupEncryption(recipients) : null;
    }

    /// <summary>What opens encrypted backups (no identity configured: encrypted files are listed as needing one).</summary>
    public BackupKeys Keys { get; }

    /// <summary>What exports are encrypted to; null when exports are plain .tar.gz.</summary>
    public BackupEncryption? Encryption { get; }

    public void Dispose()
    {
        foreach (var identity in Keys.Identities) identity.Dispose();
    }

    /// <summary>The configured keys, or what is wrong with the configuration.</summary>
    public static (IReadOnlyList<AgeIdentity> Identities, IReadOnlyList<AgeRecipient> Recipients, string? Error) Read(BackupStorageOptions options)
    {
        IReadOnlyList<AgeIdentity> identities = [];
        if (!string.IsNullOrWhiteSpace(options.IdentityFile))
        {
            var (read, error) = AgeKeyFiles.ReadIdentities(options.IdentityFile);
            if (error is not null) return ([], [], $"Crearis:Backups:IdentityFile: {error}");
            identities = read;
        }
        var recipients = new List<AgeRecipient>();
        foreach (var text in options.Recipients ?? [])
        {
            if (AgeRecipient.Parse(text) is not { } recipient)
                return (identities, [], $"Crearis:Backups:Recipients: \"{text}\" is not an age recipient (age1…).");
            recipients.Add(recipient);
        }
        return (identities, recipients, null);
    }
}

/// <summary>Checks the backup settings when the app starts, so a wrong key file stops the start with its reason.</summary>
public sealed class BackupStorageOptionsValidator : IValidateOptions<BackupStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupStorageOptions options)
    {
        var (identities, _, error) = BackupKeyring.Read(options);
        foreach (var identity in identities) identity.Dispose();
        return error is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error);
    }
}
