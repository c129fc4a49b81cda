using Crearis.Platform.Database;
using Npgsql;

namespace Crearis.Backup.Core.Tests.Schema;

public sealed class ContentSchemaTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>
{
    private const string ColumnsQuery = """
        SELECT table_name, column_name, ordinal_position, data_type, udt_name, character_maximum_length,
               is_nullable, column_default, is_generated
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = ANY($1)
         ORDER BY table_name, ordinal_position
        """;

    [Fact]
    public async Task Our_migrations_create_the_17_content_tables_with_the_reference_columns_and_types()
    {
        var expectedLines = await File.ReadAllLinesAsync(Path.Combine(AppContext.BaseDirectory, "Schema", "expected-content-columns.tsv"));
        var expected = expectedLines.Skip(1).Where(l => l.Length > 0).ToList();

        var actual = await ReadColumnsAsync(database.ConnectionString);

        expected.Should().HaveCount(349, "the fact list covers every column of the 17 tables");
        actual.Should().Equal(expected);
        actual.Select(l => l.Split('\t')[0]).Distinct().Should().BeEquivalentTo(ContentTables.All);
    }

    [Fact]
    public async Task The_81_status_rows_are_seeded_with_stable_ids()
    {
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*), min(id), max(id), count(*) FILTER (WHERE \"table\" = 'interactions') FROM status", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();

        reader.GetInt64(0).Should().Be(81);
        reader.GetInt32(1).Should().Be(1);
        reader.GetInt32(2).Should().Be(90);
        reader.GetInt64(3).Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Generated_columns_and_triggers_do_their_work()
    {
        await using var conn = new NpgsqlConnection(database.ConnectionString);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var sql = """
            INSERT INTO users (sysmail, username, password, role, status_id, lang) VALUES ('anna@example.org', 'anna', 'x', 'user', 1, 'en');
            INSERT INTO instructors (xmlid, name) VALUES ('t.instructor_anna', 'Anna');
            UPDATE users SET instructor_id = (SELECT id FROM instructors WHERE xmlid = 't.instructor_anna');
            SELECT u.status_display, i.is_user FROM users u JOIN instructors i ON i.id = u.instructor_id;
            """;
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await using var reader = await cmd.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();

        reader.GetString(0).Should().Be("New", "status_display is generated from status 1's English name");
        reader.GetBoolean(1).Should().BeTrue("linking a user sets is_user on the instructor");
    }

    [Fact]
    public async Task Creating_the_schema_is_refused_in_a_database_that_already_has_it()
    {
        var outcome = await new ContentDatabase(database.ConnectionString).CreateSchemaAsync();

        outcome.Should().Be(CreateSchemaOutcome.RefusedNotEmpty);
    }

    [ReferenceFact]
    public async Task A_database_made_from_the_reference_dump_has_the_same_columns_keys_and_constraints_as_ours()
    {
        var reference = await TestPostgres.CreateEmptyDatabaseAsync("reference");
        try
        {
            await ReferenceSchema.LoadAsync(reference);

            (await ReadColumnsAsync(reference)).Should().Equal(await ReadColumnsAsync(database.ConnectionString));
            (await ReadConstraintsAsync(reference)).Should().Equal(await ReadConstraintsAsync(database.ConnectionString));
            (await ReadTriggersAsync(reference)).Should().Equal(await ReadTriggersAsync(database.ConnectionString));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(reference);
        }
    }

    private static readonly string[] OurTables = [.. ContentTables.All, "domains", "sysdomains", "tlds"];

    private static async Task<List<string>> ReadColumnsAsync(string connectionString) =>
        await ReadLinesAsync(connectionString, ColumnsQuery, ContentTables.All.ToArray());

    private static Task<List<string>> ReadConstraintsAsync(string connectionString) => ReadLinesAsync(connectionString, """
        SELECT c.conrelid::regclass::text, c.conname, c.contype::text, pg_get_constraintdef(c.oid)
          FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND t.relname = ANY($1)
         ORDER BY 1, 2
        """, OurTables);

    private static Task<List<string>> ReadTriggersAsync(string connectionString) => ReadLinesAsync(connectionString, """
        SELECT c.relname, t.tgname, t.tgtype::text, t.tgattr::text,
               coalesce(substring(pg_get_triggerdef(t.oid) from 'WHEN \((.*)\) EXECUTE'), '')
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND NOT t.tgisinternal AND c.relname = ANY($1)
         ORDER BY 1, 2
        """, OurTables);

    private static async Task<List<string>> ReadLinesAsync(string connectionString, string sql, string[] tables)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(tables);
        var lines = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var fields = new string[reader.FieldCount];
            for (var i = 0; i < fields.Length; i++) fields[i] = reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i))!;
            lines.Add(string.Join('\t', fields));
        }
        return lines;
    }
}
