using System.Security.Cryptography;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Encryption;

/// <summary>Encrypted backups in age v1, checked against the stock age tool both ways, and refused when tampered with.</summary>
public sealed class EncryptedBackupTests() : ImportTestBed("age")
{
    private const string Passphrase = "correct horse battery staple";

    [Theory]
    // RFC 7914, section 12.
    [InlineData("", "", 4, 1, 1, "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906")]
    [InlineData("password", "NaCl", 10, 8, 16, "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")]
    public void Scrypt_gives_the_RFC_7914_test_vectors(string password, string salt, int logN, int r, int p, string expected) =>
        Convert.ToHexString(Scrypt.DeriveKey(System.Text.Encoding.ASCII.GetBytes(password), System.Text.Encoding.ASCII.GetBytes(salt), logN, r, p, 64))
            .ToLowerInvariant().Should().Be(expected);

    [Fact]
    public async Task A_backup_exported_to_an_age_keygen_recipient_is_decrypted_by_the_stock_age_tool()
    {
        var source = await DemoDatabaseAsync("age_src", 120);
        var (identity, recipient) = await AgeTool.KeygenAsync(Folder, "admin");
        var encrypted = File("export.tar.gz.age");
        await ExportAsync(source, encrypted, new ExportOptions(Encryption: new BackupEncryption([AgeRecipient.Parse(recipient)!])));

        var (exit, _, error) = await AgeTool.RunAsync(AgeTool.Age, ["-d", "-i", identity, "-o", File("decrypted.tar.gz"), encrypted]);

        exit.Should().Be(0, error);
        System.IO.File.ReadAllText(encrypted).Should().StartWith("age-encryption.org/v1\n-> X25519 ");
        var plain = await BackupFiles.VerifyAsync(File("decrypted.tar.gz"));
        plain.IsValid.Should().BeTrue(string.Join("\n", plain.Issues));
        plain.Summary!.Tables.Sum(t => t.Rows).Should().BeGreaterThan(100);
    }

    [Fact]
    public async Task A_backup_the_stock_age_tool_encrypted_imports_with_the_identity_and_equals_its_source()
    {
        var source = await DemoDatabaseAsync("age_in_src", 150);
        var target = await DemoDatabaseAsync("age_in_dst", 0);
        var (identityFile, recipient) = await AgeTool.KeygenAsync(Folder, "ops");
        var plain = await ExportAsync(source, File("plain.tar.gz"));
        var (exit, _, error) = await AgeTool.RunAsync(AgeTool.Age, ["-r", recipient, "-o", File("by-age.tar.gz.age"), plain]);
        exit.Should().Be(0, error);
        var (identities, problem) = AgeKeyFiles.ReadIdentities(identityFile);
        problem.Should().BeNull();

        var verification = await BackupFiles.VerifyAsync(File("by-age.tar.gz.age"), keys: new BackupKeys(identities));
        var result = await BackupImporter.ImportFileAsync(target, File("by-age.tar.gz.age"), new ImportOptions(ImportMode.NewOnly), keys: new BackupKeys(identities));

        verification.IsValid.Should().BeTrue(string.Join("\n", verification.Issues));
        result.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", result.Errors));
        CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(target), await CanonicalContent.ReadAsync(source));
    }

    [Fact]
    public async Task Passphrase_files_open_both_ways_between_us_and_the_stock_age_tool()
    {
        var source = await DemoDatabaseAsync("age_pw", 60);
        var ours = File("ours.tar.gz.age");
        await ExportAsync(source, ours, new ExportOptions(Encryption: new BackupEncryption([], Passphrase)));
        var (decrypt, _, decryptError) = await AgeTool.WithPassphraseAsync(Passphrase, 1, "-d", "-o", File("ours-decrypted.tar.gz"), ours);
        var plain = await ExportAsync(source, File("plain.tar.gz"));
        var (encrypt, _, encryptError) = await AgeTool.WithPassphraseAsync(Passphrase, 2, "-p", "-o", File("theirs.tar.gz.age"), plain);

        decrypt.Should().Be(0, decryptError);
        (await BackupFiles.VerifyAsync(File("ours-decrypted.tar.gz"))).IsValid.Should().BeTrue();
        encrypt.Should().Be(0, encryptError);
        System.IO.File.ReadAllText(File("theirs.tar.gz.age")).Should().Contain("-> scrypt ");
        (await BackupFiles.VerifyAsync(File("theirs.tar.gz.age"), keys: new BackupKeys([], Passphrase))).IsValid.Should().BeTrue();
        (await BackupFiles.VerifyAsync(File("theirs.tar.gz.age"), keys: new BackupKeys([], "wrong"))).Issues
            .Should().ContainSingle().Which.Code.Should().Be(IssueCode.KeyMismatch);
    }

    [Fact]
    public async Task An_encrypted_backup_without_a_key_or_with_another_identity_is_refused_saying_what_to_give()
    {
        var source = await DemoDatabaseAsync("age_nokey", 40);
        var (_, recipient) = await AgeTool.KeygenAsync(Folder, "owner");
        var (otherFile, _) = await AgeTool.KeygenAsync(Folder, "stranger");
        var encrypted = File("locked.tar.gz.age");
        await ExportAsync(source, encrypted, new ExportOptions(Encryption: new BackupEncryption([AgeRecipient.Parse(recipient)!])));

        var noKey = await BackupFiles.VerifyAsync(encrypted);
        var other = await BackupFiles.VerifyAsync(encrypted, keys: new BackupKeys(AgeKeyFiles.ReadIdentities(otherFile).Identities));

        noKey.Issues.Should().ContainSingle().Which.Code.Should().Be(IssueCode.KeyRequired);
        noKey.Issues[0].Suggestion.Should().Contain("--identity");
        other.Issues.Should().ContainSingle().Which.Code.Should().Be(IssueCode.KeyMismatch);
    }

    [ReferenceFact]
    public async Task An_original_format_tarball_encrypted_by_the_stock_age_tool_opens_with_the_identity_only()
    {
        var target = await DemoDatabaseAsync("age_orig", 0);
        var (identityFile, recipient) = await AgeTool.KeygenAsync(Folder, "orig");
        var encrypted = File("original.tar.gz.age");
        var (exit, _, error) = await AgeTool.RunAsync(AgeTool.Age, ["-r", recipient, "-o", encrypted, ReferenceFiles.Path("samples/original-sample.tar.gz")]);
        exit.Should().Be(0, error);
        var keys = new BackupKeys(AgeKeyFiles.ReadIdentities(identityFile).Identities);

        var plain = await BackupFiles.VerifyAsync(ReferenceFiles.Path("samples/original-sample.tar.gz"));
        var opened = await BackupFiles.VerifyAsync(encrypted, keys: keys);
        var locked = await BackupFiles.VerifyAsync(encrypted);
        var dryRun = await BackupImporter.ImportFileAsync(target, encrypted, new ImportOptions(ImportMode.NewOnly, DryRun: true), keys: keys);

        opened.Format.Should().Be(BackupFormat.Original);
        opened.IsValid.Should().Be(plain.IsValid, string.Join("\n", opened.Issues));
        opened.Summary!.Tables.Select(t => (t.Table, t.Rows)).Should().Equal(plain.Summary!.Tables.Select(t => (t.Table, t.Rows)));
        locked.Issues.Should().ContainSingle().Which.Code.Should().Be(IssueCode.KeyRequired);
        dryRun.Outcome.Should().Be(ImportOutcome.DryRun, string.Join("\n", dryRun.Errors));
    }

    public static TheoryData<string> Tampering => ["flip-header", "flip-mac", "flip-payload", "cut-end", "cut-last-chunk", "swap-chunks", "append"];

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task A_tampered_encrypted_backup_is_refused_before_a_row_is_written(string how)
    {
        var source = await DemoDatabaseAsync("age_t_src", 1500);
        var target = await DemoDatabaseAsync("age_t_dst", 30, seed: 9);
        var (identityFile, recipient) = await AgeTool.KeygenAsync(Folder, "t");
        var keys = new BackupKeys(AgeKeyFiles.ReadIdentities(identityFile).Identities);
        var encrypted = File("t.tar.gz.age");
        await ExportAsync(source, encrypted, new ExportOptions(Encryption: new BackupEncryption([AgeRecipient.Parse(recipient)!])));
        var bytes = await System.IO.File.ReadAllBytesAsync(encrypted);
        var payload = bytes.AsSpan().IndexOf("\n--- "u8) + 1;
        payload += bytes.AsSpan(payload).IndexOf((byte)'\n') + 1 + 16;
        const int chunk = 64 * 1024 + 16;
        (bytes.Length - payload).Should().BeGreaterThan(2 * chunk, "the file has at least three chunks to reorder");
        var tampered = how switch
        {
            // Another base64 letter in the middle of the recipient share: still well-formed, but a different share
            // (flipping a bit could make it bad base64 instead, depending on the random share).
            "flip-header" => Replace(bytes, bytes.AsSpan().IndexOf("X25519 "u8) + 17),
            "flip-mac" => Flip(bytes, payload - 16 - 5),
            "flip-payload" => Flip(bytes, payload + chunk + 100),
            "cut-end" => bytes[..^100],
            "cut-last-chunk" => bytes[..(payload + 2 * chunk)],
            "swap-chunks" => [.. bytes[..payload], .. bytes[(payload + chunk)..(payload + 2 * chunk)], .. bytes[payload..(payload + chunk)], .. bytes[(payload + 2 * chunk)..]],
            _ => [.. bytes, .. RandomNumberGenerator.GetBytes(40)],
        };
        await System.IO.File.WriteAllBytesAsync(encrypted, tampered);
        var before = await SnapshotAsync(target);

        var verification = await BackupFiles.VerifyAsync(encrypted, keys: keys);
        var result = await BackupImporter.ImportFileAsync(target, encrypted, new ImportOptions(ImportMode.Merge), keys: keys);

        // A changed recipient share no longer unwraps the file key: to a reader that is "not my key", as for the stock tool.
        var expected = how == "flip-header" ? IssueCode.KeyMismatch : IssueCode.NotAuthentic;
        verification.Issues.Should().ContainSingle().Which.Code.Should().Be(expected, string.Join("\n", verification.Issues));
        result.Outcome.Should().Be(ImportOutcome.Refused);
        (await SnapshotAsync(target)).Should().Be(before);
        var (ageExit, _, _) = await AgeTool.RunAsync(AgeTool.Age, ["-d", "-i", identityFile, "-o", File("t.out"), encrypted]);
        ageExit.Should().NotBe(0, "the stock tool refuses the same file");
    }

    private static byte[] Replace(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] = copy[at] == (byte)'A' ? (byte)'B' : (byte)'A';
        return copy;
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x04;
        return copy;
    }
}
