using Crearis.Backup.Core.Catalog;
using Crearis.Platform.Demo;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Import;
using Npgsql;

namespace Crearis.Backup.Core.Tests.Import;

public sealed class RoundTripTests(CrearisDatabaseFixture source) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("crearis-roundtrip-").FullName;

    public async Task InitializeAsync()
    {
        await source.ResetWithDemoDataAsync(600, seed: 7);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Demo_data_exported_and_imported_into_an_empty_database_comes_back_row_for_row_and_link_for_link()
    {
        var file = Path.Combine(_folder, "demo.tar.gz");
        var export = await BackupExporter.ExportAsync(source.ConnectionString, file, new ExportOptions());
        export.Succeeded.Should().BeTrue(string.Join("\n", export.Issues));
        var (_, target) = await TestPostgres.CreateCrearisDatabaseAsync("roundtrip");
        try
        {
            var result = await ImportAsync(target, file, new ImportOptions(ImportMode.NewOnly));

            result.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", result.Errors));
            result.Errors.Should().BeEmpty();
            var expected = await CanonicalContent.ReadAsync(source.ConnectionString);
            var actual = await CanonicalContent.ReadAsync(target);
            CanonicalContent.ShouldEqual(actual, expected);
            result.Tables["users"].Inserted.Should().Be(expected["users"].Count);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(target);
        }
    }

    private static Task<ImportResult> ImportAsync(string target, string file, ImportOptions options) =>
        EngineHarness.ImportAsync(target, file, options);
}
