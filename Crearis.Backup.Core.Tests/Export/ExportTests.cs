using Crearis.Platform.Demo;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Results;
using Npgsql;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Export;

public sealed class ExportTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-export-").FullName;

    public async Task InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(300);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_export_reads_one_snapshot_while_the_platform_keeps_writing()
    {
        var tagsBefore = (long)(await ScalarAsync(source.ConnectionString, "SELECT count(*) FROM tags"))!;
        var written = false;
        // As soon as the export has started reading, the "platform" adds a tag and a user in another session.
        var progress = new Import.SynchronousProgress<BackupProgress>(p =>
        {
            if (written || p.Phase != BackupPhase.Export) return;
            written = true;
            ExecuteAsync(source.ConnectionString, """
                INSERT INTO tags (name) VALUES ('written-during-export');
                INSERT INTO users (sysmail, username, password, role) VALUES ('late@example.org', 'late', 'x', 'user');
                """).GetAwaiter().GetResult();
        });

        var result = await BackupExporter.ExportAsync(source.ConnectionString, Path.Combine(_folder, "snap.tar.gz"), new ExportOptions(), progress: progress);

        written.Should().BeTrue();
        result.Succeeded.Should().BeTrue();
        result.Manifest!.Tables.Single(t => t.Name == "tags").Rows.Should().Be(tagsBefore, "rows written after the snapshot began are not in it");
        (await ScalarAsync(source.ConnectionString, "SELECT count(*) FROM tags")).Should().Be(tagsBefore + 1);
    }

    [Fact]
    public async Task Only_the_finished_file_is_ever_in_the_folder()
    {
        var target = Path.Combine(_folder, "final.tar.gz");
        string[]? during = null;
        var progress = new Import.SynchronousProgress<BackupProgress>(p =>
        {
            if (during is null && p.Phase == BackupPhase.Export) during = Directory.GetFiles(_folder, "*.tar.gz");
        });

        var result = await BackupExporter.ExportAsync(source.ConnectionString, target, new ExportOptions(), progress: progress);

        during.Should().BeEmpty("the archive is written under a temporary name");
        result.File.Should().Be(target);
        Directory.GetFiles(_folder).Should().Equal(target);
        (await BackupFiles.VerifyAsync(target)).IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task Values_of_every_kind_round_trip_exactly_through_the_file()
    {
        await ExecuteAsync(source.ConnectionString, """
            UPDATE projects SET config = 'null'::jsonb, description = '' WHERE domaincode = (SELECT min(domaincode) FROM projects);
            UPDATE locations SET zip = '01097', phone = '08131 456789' WHERE id = (SELECT min(id) FROM locations);
            """);
        var file = Path.Combine(_folder, "values.tar.gz");
        await ExportAsync(source.ConnectionString, file);
        var (_, target) = await TestPostgres.CreateCrearisDatabaseAsync("values");
        try
        {
            var result = await ImportAsync(target, file, new Crearis.Backup.Core.Import.ImportOptions(Crearis.Backup.Core.Import.ImportMode.NewOnly));
            result.Succeeded.Should().BeTrue(string.Join("\n", result.Errors));

            (await ScalarAsync(target, "SELECT jsonb_typeof(config) FROM projects WHERE domaincode = (SELECT min(domaincode) FROM projects)"))
                .Should().Be("null", "the JSON literal null is not SQL NULL");
            (await ScalarAsync(target, "SELECT description FROM projects WHERE domaincode = (SELECT min(domaincode) FROM projects)")).Should().Be("");
            (await ScalarAsync(target, "SELECT zip FROM locations ORDER BY xmlid LIMIT 1")).Should().NotBeNull();
            (await ScalarAsync(target, "SELECT count(*) FROM locations WHERE zip = '01097'")).Should().Be(1L);
            CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(target), await CanonicalContent.ReadAsync(source.ConnectionString));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(target);
        }
    }
}
