using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Backup.Core.Import;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Tests.Operations;

/// <summary>
/// Job kinds, job statuses, audit actions and import modes are types in the code; the database, the JSON and the command
/// line keep the strings they always had, so existing history stays readable and scripts keep working.
/// </summary>
public sealed class VocabularyTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>
{
    [Fact]
    public void Every_member_has_the_name_it_was_stored_and_sent_as_before()
    {
        JobKinds.Vocabulary.Names.Should().Equal("export", "import", "dry-run");
        JobStatuses.Vocabulary.Names.Should().Equal("Queued", "Running", "Succeeded", "Failed", "Cancelled", "Interrupted");
        AuditActions.Vocabulary.Names.Should().Equal(
            "sign-in", "sign-in-failed", "export", "import", "dry-run", "upload", "download", "delete", "user-change",
            "token-create", "token-revoke", "token-use", "conflict-decide", "conflict-merge", "instance-mark", "undo");
        ApiScopes.Vocabulary.Names.Should().Equal("backups:read", "export", "import", "users:admin");
        RowActions.Vocabulary.Names.Should().Equal("insert", "update", "keep", "skip", "fail");
        ImportModeNames.All.Should().Equal("new-only", "merge");
        JobKinds.Vocabulary.Members.Select(k => k.Label()).Should().Equal("Export", "Import", "Dry run");
        ImportMode.Merge.ToName().Should().Be("merge");
        ImportModeNames.Parse("new-only").Should().Be(ImportMode.NewOnly);
    }

    [Theory]
    [InlineData("Merge")]
    [InlineData("replace")]
    [InlineData("")]
    public void A_name_that_is_not_listed_does_not_parse(string name)
    {
        ImportModeNames.TryParse(name, out _).Should().BeFalse();
        JobKinds.Vocabulary.TryParse(name, out _).Should().BeFalse();
        FluentActions.Invoking(() => JobStatuses.Parse(name)).Should().Throw<FormatException>();
    }

    [Fact]
    public async Task The_columns_keep_the_strings_and_rows_written_before_read_back_as_members()
    {
        await database.ResetAsync();
        var options = new DbContextOptionsBuilder<AdminDbContext>().UseAdminDatabase(database.ConnectionString).Options;
        var written = Guid.NewGuid();
        await using (var db = new AdminDbContext(options))
        {
            db.BackupJobs.Add(new BackupJob
            {
                Id = written, Kind = JobKind.DryRun, Status = JobStatus.Interrupted, StartedBy = "a@crearis.test", CreatedAt = DateTimeOffset.UtcNow,
            });
            db.BackupRuns.Add(new BackupRun { Kind = JobKind.DryRun, StartedBy = "a@crearis.test", StartedAt = DateTimeOffset.UtcNow });
            db.AuditEvents.Add(new AuditEvent { At = DateTimeOffset.UtcNow, Action = AuditAction.SignInFailed, Outcome = AuditOutcome.WrongCredentials.Name });
            await db.SaveChangesAsync();
        }
        (await EngineHarness.ScalarAsync(database.ConnectionString, $"SELECT \"Kind\" || ' ' || \"Status\" FROM crearis_admin.backup_jobs WHERE \"Id\" = '{written}'"))
            .Should().Be("dry-run Interrupted");
        (await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT \"Kind\" FROM crearis_admin.backup_runs")).Should().Be("dry-run");
        (await EngineHarness.ScalarAsync(database.ConnectionString, "SELECT \"Action\" || ' ' || \"Outcome\" FROM crearis_admin.audit_events"))
            .Should().Be("sign-in-failed wrong-credentials");

        // A row as an older version of the app wrote it.
        await EngineHarness.ExecuteAsync(database.ConnectionString, """
            INSERT INTO crearis_admin.backup_jobs ("Id", "Kind", "Status", "StartedBy", "CreatedAt", "File", "Options")
            VALUES ('11111111-2222-3333-4444-555555555555', 'export', 'Succeeded', 'old@crearis.test', now(), 'old.tar.gz', '{}');
            INSERT INTO crearis_admin.audit_events ("At", "Action", "Outcome") VALUES (now(), 'user-change', 'refused-self');
            """);
        await using (var db = new AdminDbContext(options))
        {
            var old = await db.BackupJobs.SingleAsync(j => j.Kind == JobKind.Export && j.Status == JobStatus.Succeeded);
            old.StartedBy.Should().Be("old@crearis.test");
            (await db.BackupJobs.CountAsync(j => j.Kind == JobKind.DryRun)).Should().Be(1);
            (await db.AuditEvents.Where(a => a.Action == AuditAction.UserChange).Select(a => a.Outcome).SingleAsync())
                .Should().Be(AuditOutcome.RefusedSelf.Name);
        }
    }
}
