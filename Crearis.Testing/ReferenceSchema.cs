using Npgsql;

namespace Crearis.Testing;

/// <summary>Loads the platform's own schema dump (and, optionally, data dumps) into a test database.</summary>
public static class ReferenceSchema
{
    public static async Task LoadAsync(string connectionString)
    {
        await ExecuteDumpAsync(connectionString, ReferenceFiles.Path("crearis-schema.sql"));
        await ExecuteDumpAsync(connectionString, ReferenceFiles.Path("crearis-migration-seed-data.sql"));
    }

    /// <summary>
    /// The database the original sample was exported from: the platform's schema and the data dump taken right before
    /// the export (../shared/reference/samples). An independent source of truth for what an import must produce.
    /// </summary>
    public static async Task LoadOriginalSampleSourceAsync(string connectionString)
    {
        await ExecuteDumpAsync(connectionString, ReferenceFiles.Path("crearis-schema.sql"));
        await ExecuteDumpAsync(connectionString, ReferenceFiles.Path("samples/original-sample-source-data.sql"), triggersOff: true);
    }

    /// <summary>
    /// Runs a pg_dump script through Npgsql: psql meta-commands are dropped, the empty search_path that pg_dump sets is
    /// kept out (the generated status_display column reads the status table unqualified), and COPY … FROM stdin
    /// blocks are fed through the COPY protocol.
    /// </summary>
    public static async Task ExecuteDumpAsync(string connectionString, string path, bool triggersOff = false)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        // A data-only dump holds what the platform's triggers already computed: load it as pg_restore would.
        if (triggersOff) await new NpgsqlCommand("SET session_replication_role = replica", conn).ExecuteNonQueryAsync();
        var statement = new System.Text.StringBuilder();
        using var reader = new StreamReader(path);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith('\\') || line.Contains("set_config('search_path', '', false)", StringComparison.Ordinal))
                continue;
            if (line.StartsWith("COPY ", StringComparison.Ordinal) && line.EndsWith("FROM stdin;", StringComparison.Ordinal))
            {
                await FlushAsync(conn, statement);
                await using var writer = await conn.BeginTextImportAsync(line[..^"FROM stdin;".Length] + "FROM STDIN");
                while (await reader.ReadLineAsync() is { } row && row != "\\.")
                    await writer.WriteLineAsync(row);
                continue;
            }
            statement.AppendLine(line);
        }
        await FlushAsync(conn, statement);
    }

    private static async Task FlushAsync(NpgsqlConnection conn, System.Text.StringBuilder sql)
    {
        if (sql.ToString().Trim().Length == 0) return;
        await using var cmd = new NpgsqlCommand(sql.ToString(), conn);
        await cmd.ExecuteNonQueryAsync();
        sql.Clear();
    }
}
