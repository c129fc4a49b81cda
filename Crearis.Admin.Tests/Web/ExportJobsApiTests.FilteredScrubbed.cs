using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Web;

public sealed partial class ExportJobsApiTests
{
    [Fact]
    public async Task A_filtered_and_a_scrubbed_export_through_jobs_say_so_in_their_manifests()
    {
        const string key = "export jobs api scrub key, long enough to use";
        var keyFile = Path.Combine(Path.GetTempPath(), $"crearis-scrub-{Guid.NewGuid():N}.key");
        await File.WriteAllTextAsync(keyFile, key);
        var project = (string)(await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT domaincode FROM projects ORDER BY id LIMIT 1"))!;
        var sysmails = (await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT string_agg(sysmail, '\n') FROM users") as string)!.Split('\n');
        try
        {
            await using var withKey = _app.WithWebHostBuilder(b => b.UseSetting("Crearis:Backups:ScrubKeyFile", keyFile));
            using var admin = withKey.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
            (await CrearisAppFactory.SignInAsync(admin, CrearisAppFactory.AdminEmail, CrearisAppFactory.AdminPassword)).StatusCode
                .Should().Be(System.Net.HttpStatusCode.Redirect);

            var filtered = await ExportAsync(admin, new { projects = new[] { project }, since = "3650d" });
            var scrubbed = await ExportAsync(admin, new { scrub = true });

            filtered.GetProperty("status").GetString().Should().Be("Succeeded", filtered.GetProperty("message").GetString());
            filtered.GetProperty("message").GetString().Should().Contain("(filtered)");
            var filteredFile = Path.Combine(_app.BackupFolder, filtered.GetProperty("file").GetString()!);
            var filter = JsonDocument.Parse(await EngineHarness.ReadMemberAsync(filteredFile, "manifest.json")).RootElement.GetProperty("filter");
            filter.GetProperty("projects").EnumerateArray().Select(p => p.GetString()).Should().Equal(project);
            filter.GetProperty("since").GetString().Should().Be("3650d");
            (await EngineHarness.ReadMemberAsync(filteredFile, "tables/projects.jsonl")).Should().Contain($"\"{project}\"");

            scrubbed.GetProperty("status").GetString().Should().Be("Succeeded", scrubbed.GetProperty("message").GetString());
            scrubbed.GetProperty("message").GetString().Should().Contain("(scrubbed)");
            var scrubbedFile = Path.Combine(_app.BackupFolder, scrubbed.GetProperty("file").GetString()!);
            var scrub = JsonDocument.Parse(await EngineHarness.ReadMemberAsync(scrubbedFile, "manifest.json")).RootElement.GetProperty("scrub");
            scrub.GetProperty("keyFingerprint").GetString().Should().Be(
                Convert.ToHexString(SHA256.HashData([.. "crearis-scrub-key\n"u8, .. Encoding.UTF8.GetBytes(key)]))[..16].ToLowerInvariant());
            var users = await EngineHarness.ReadMemberAsync(scrubbedFile, "tables/users.jsonl");
            sysmails.Should().NotContain(m => users.Contains(m), "no user's address leaves in a scrubbed copy");
            var options = (string)(await EngineHarness.ScalarAsync(database.ConnectionString,
                $"SELECT \"Options\" FROM crearis_admin.backup_runs WHERE \"File\" = '{Path.GetFileName(scrubbedFile)}'"))!;
            options.Should().NotContain(key, "the history names the key by its fingerprint only");
        }
        finally
        {
            File.Delete(keyFile);
        }
    }
}
