using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using Npgsql;
using static Crearis.Testing.EngineHarness;

namespace Crearis.Backup.Core.Tests.Import;

/// <summary>
/// The index the platform's triggers need and its schema lacks (users.instructor_id, for the instructor's regio): built
/// for an import, gone after it, and never a reason for an import to fail.
/// </summary>
public sealed class LookupIndexTests() : ImportTestBed("lookup")
{
    private const string IndexName = "crearis_import_users_instructor_id";

    private static async Task<string> IndexesAsync(string cs) =>
        (string)(await ScalarAsync(cs, "SELECT string_agg(indexname || ': ' || indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'"))!;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_import_has_the_index_while_it_writes_and_leaves_the_schema_as_it_found_it(bool dryRun)
    {
        var source = await DemoDatabaseAsync("lookup_src", 400, seed: 5);
        var target = await DemoDatabaseAsync("lookup_dst", 0);
        var backup = await ExportAsync(source, File($"lookup-{dryRun}.tar.gz"));
        var before = await IndexesAsync(target);

        // Looked at from another session while the import writes instructors: the platform sees the index too.
        var seenWhileWriting = new List<bool>();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Phase != BackupPhase.Write || p.Table != "instructors") return;
            using var conn = new NpgsqlConnection(target);
            conn.Open();
            using var cmd = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = '{IndexName}' AND i.indisvalid)", conn);
            seenWhileWriting.Add((bool)cmd.ExecuteScalar()!);
        });
        var result = await BackupImporter.ImportFileAsync(target, backup, new ImportOptions(ImportMode.NewOnly, DryRun: dryRun), progress: progress);

        result.Outcome.Should().Be(dryRun ? ImportOutcome.DryRun : ImportOutcome.Applied, string.Join("\n", result.Errors));
        seenWhileWriting.Should().NotBeEmpty().And.OnlyContain(seen => seen, "the platform's trigger looks up users by instructor_id while instructors are written");
        (await IndexesAsync(target)).Should().Be(before, "the index is dropped when the import ends, whether it wrote or not");
    }

    [Fact]
    public async Task An_invalid_index_left_by_a_run_that_died_is_replaced_for_the_run_and_then_dropped()
    {
        var source = await DemoDatabaseAsync("lookup_left_src", 200, seed: 5);
        var target = await DemoDatabaseAsync("lookup_left_dst", 0);
        var backup = await ExportAsync(source, File("left.tar.gz"));
        var before = await IndexesAsync(target);
        // What a run killed while building CONCURRENTLY leaves: an invalid index under our name.
        await ExecuteAsync(target, "INSERT INTO public.tags (name) VALUES ('twin-a'), ('twin-b')");
        var leave = async () => await ExecuteAsync(target, $"CREATE UNIQUE INDEX CONCURRENTLY {IndexName} ON public.tags ((1))");
        await leave.Should().ThrowAsync<PostgresException>();
        (await ScalarAsync(target, $"SELECT count(*) FROM pg_class WHERE relname = '{IndexName}'")).Should().Be(1L);
        await ExecuteAsync(target, "DELETE FROM public.tags WHERE name IN ('twin-a', 'twin-b')");

        var result = await ImportAsync(target, backup, new ImportOptions(ImportMode.NewOnly));

        result.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", result.Errors));
        (await IndexesAsync(target)).Should().Be(before, "the leftover is gone and the run's own index too");
    }

    [Fact]
    public async Task A_role_that_may_write_the_tables_but_not_index_them_still_imports_everything()
    {
        var source = await DemoDatabaseAsync("lookup_role_src", 300, seed: 5);
        var target = await DemoDatabaseAsync("lookup_role_dst", 0);
        var backup = await ExportAsync(source, File("role.tar.gz"));
        var role = "writer_" + Guid.NewGuid().ToString("N")[..8];
        var database = new NpgsqlConnectionStringBuilder(target).Database!;
        await ExecuteAsync(target, $"""
            CREATE ROLE {role} LOGIN PASSWORD 'writer';
            GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {role};
            GRANT USAGE ON SCHEMA public TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
            GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};
            """);
        var writer = new NpgsqlConnectionStringBuilder(target) { Username = role, Password = "writer" }.ConnectionString;
        try
        {
            var result = await ImportAsync(writer, backup, new ImportOptions(ImportMode.NewOnly));

            result.Outcome.Should().Be(ImportOutcome.Applied, string.Join("\n", result.Errors));
            // Without the index the import is only slower: the same rows arrive.
            CanonicalContent.ShouldEqual(await CanonicalContent.ReadAsync(target), await CanonicalContent.ReadAsync(source));
            (await ScalarAsync(target, $"SELECT count(*) FROM pg_class WHERE relname = '{IndexName}'")).Should().Be(0L);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(target, $"DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }

    /// <summary>Calls back on the engine's own thread, so the check sees the database as the engine left it at that report.</summary>
    private sealed class SynchronousProgress(Action<BackupProgress> report) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => report(value);
    }
}
