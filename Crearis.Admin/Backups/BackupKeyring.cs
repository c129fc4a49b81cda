using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Export.Scrubbing;
using Microsoft.Extensions.Options;

namespace Crearis.Admin.Backups;

/// <summary>
/// The app's keys for encrypted backups, from configuration only (<c>Crearis:Backups:IdentityFile</c> opens
/// .tar.gz.age files; <c>Crearis:Backups:Recipients</c> makes every export an encrypted one; <c>Crearis:Backups:ScrubKeyFile</c>
/// or <c>CREARIS_SCRUB_KEY</c> is the key of scrubbed copies). The one key a user gives is the passphrase of an
/// encrypted backup typed on the Import page: it is combined with these keys for that page's jobs only
/// (<see cref="BackupStorage.KeysWith"/>) and never kept.
/// </summary>
public sealed class BackupKeyring : IDisposable
{
    public BackupKeyring(IOptions<BackupStorageOptions> options)
    {
        var (identities, recipients, error) = Read(options.Value);
        if (error is not null) throw new OptionsValidationException(nameof(BackupStorageOptions), typeof(BackupStorageOptions), [error]);
        var (scrub, scrubError) = ReadScrubKey(options.Value);
        if (scrubError is not null) throw new OptionsValidationException(nameof(BackupStorageOptions), typeof(BackupStorageOptions), [scrubError]);
        Keys = new BackupKeys(identities);
        Encryption = recipients.Count > 0 ? new BackupEncryption(recipients) : null;
        Scrub = scrub;
    }

    /// <summary>The key scrubbed exports are made with; null when none is configured (the app then offers no scrubbed export).</summary>
    public ScrubKey? Scrub { get; }

    /// <summary>
    /// <c>Crearis:Backups:ScrubKeyFile</c>, else the environment variable <c>CREARIS_SCRUB_KEY</c>; neither set is no
    /// error (no scrubbed exports), but a file that cannot be read or a key that is too short is: a copy scrubbed with a
    /// weak key could be reversed by guessing.
    /// </summary>
    public static (ScrubKey? Key, string? Error) ReadScrubKey(BackupStorageOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ScrubKeyFile))
        {
            var (key, error) = ScrubKey.FromFile(options.ScrubKeyFile);
            return error is null ? (key, null) : (null, $"Crearis:Backups:ScrubKeyFile: {error}");
        }
        if (Environment.GetEnvironmentVariable(ScrubKey.Variable) is not { Length: > 0 }) return (null, null);
        var (fromVariable, variableError) = ScrubKey.FromEnvironment();
        return variableError is null ? (fromVariable, null) : (null, $"{ScrubKey.Variable}: {variableError}");
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
        error ??= BackupKeyring.ReadScrubKey(options).Error;
        return error is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error);
    }
}
