using Crearis.Platform.Demo;
using Crearis.Backup.Core.Import;
using Npgsql;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Import;

/// <summary>Our backups imported into a database created by the platform's own schema dump.</summary>
public sealed class ReferenceSchemaImportTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-reference-").FullName;

    public async Task InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(500, seed: 3);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [ReferenceFact]
    public async Task A_backup_imports_into_a_database_made_from_the_platforms_schema_dump_with_every_row_and_link()
    {
        var backup = await ExportAsync(source.ConnectionString, Path.Combine(_folder, "demo.tar.gz"));
        var platform = await TestPostgres.CreateEmptyDatabaseAsync("platform");
        try
        {
            await ReferenceSchema.LoadAsync(platform);

            var result = await ImportAsync(platform, backup, new ImportOptions(ImportMode.NewOnly));

            result.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", result.Errors));
            CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(platform), await CanonicalContent.ReadAsync(source.ConnectionString));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(platform);
        }
    }
}
