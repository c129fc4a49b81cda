using Npgsql;

namespace Crearis.Testing;

/// <summary>
/// A Crearis database (content schema from our migrations, 81 status rows; the admin schema in the admin tests) for one test class.
/// Tests call <see cref="ResetAsync"/> to start from that state again.
/// </summary>
public sealed class CrearisDatabaseFixture : IAsyncLifetime
{
    public string DatabaseName { get; private set; } = "";
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync() =>
        (DatabaseName, ConnectionString) = await TestPostgres.CreateCrearisDatabaseAsync("crearis");

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(ConnectionString);

    /// <summary>Empties every content and admin table except the seeded status rows and the migration records.</summary>
    public async Task ResetAsync()
    {
        const string sql = """
            DO $reset$
            DECLARE
                tables text;
            BEGIN
                SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') INTO tables
                  FROM pg_tables
                 WHERE (schemaname = 'public' AND tablename <> 'status')
                    OR (schemaname = 'crearis_admin' AND tablename NOT LIKE '\_\_%');
                IF tables IS NOT NULL THEN
                    EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY CASCADE';
                END IF;
            END
            $reset$;
            """;
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Resets, then fills the database with deterministic demo data.</summary>
    public async Task ResetWithDemoDataAsync(int rows = 300, int seed = 42)
    {
        await ResetAsync();
        await EngineHarness.GenerateDemoAsync(ConnectionString, rows, seed);
    }

    public async Task<long> CountAsync(string table)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {table}", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
