using System.CommandLine;
using Crearis.Admin.Data;
using Crearis.Platform.Database;
using Crearis.Platform.Demo;
using Npgsql;

namespace Crearis.Admin.Cli;

/// <summary><c>db create</c>: the Crearis content schema (and our admin schema) in an empty database.</summary>
public static class DbCommands
{
    public static Command Build()
    {
        var connection = new Option<string>("--connection")
        {
            Description = "Connection string of an EMPTY PostgreSQL database (e.g. \"Host=127.0.0.1;Port=5432;Database=crearis_dev;Username=u;Password=p\").",
            Required = true,
        };
        var demoRows = new Option<int>("--demo-rows")
        {
            Description = "Also fill the database with about this many rows of deterministic demo data (0 = none).",
            DefaultValueFactory = _ => 0,
        };
        var create = new Command("create", "Create the Crearis content schema and the admin schema in an empty database. Refuses a database that already holds tables.")
        {
            connection, demoRows,
        };
        create.SetAction((parse, ct) => CreateAsync(parse.GetRequiredValue(connection), parse.GetValue(demoRows),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));

        return new Command("db", "Create Crearis databases.") { create };
    }

    private static async Task<int> CreateAsync(string connectionString, int demoRows, TextWriter output, TextWriter error,
        CancellationToken ct)
    {
        if (demoRows < 0)
        {
            await error.WriteLineAsync("--demo-rows must be 0 or more.");
            return ExitCodes.BadArguments;
        }
        var content = new ContentDatabase(connectionString);
        try
        {
            var existing = await content.ExistingPublicObjectsAsync(ct);
            if (existing.Count > 0)
            {
                await error.WriteLineAsync(
                    $"Refused: the database is not empty; its public schema already holds {string.Join(", ", existing)}" +
                    (existing.Count >= 20 ? ", …" : "") +
                    ". db create only works on an empty database. Create a new one (CREATE DATABASE …) and pass its connection string.");
                return ExitCodes.Failed;
            }
            if (await content.CreateSchemaAsync(ct) != CreateSchemaOutcome.Created) return ExitCodes.Failed;
            await output.WriteLineAsync("Created the Crearis content schema (20 tables, 81 status rows).");
            await AdminDatabaseExtensions.MigrateAdminSchemaAsync(connectionString, ct);
            await output.WriteLineAsync("Created the admin schema crearis_admin.");
            if (demoRows > 0)
            {
                await using var conn = new NpgsqlConnection(connectionString);
                await conn.OpenAsync(ct);
                var result = await DemoDataGenerator.GenerateAsync(conn, new DemoDataOptions(demoRows), null, ct);
                await output.WriteLineAsync(
                    $"Generated {result.RowsPerTable.Values.Sum()} demo rows in {result.Duration.TotalSeconds:F1}s.");
            }
            return ExitCodes.Ok;
        }
        catch (NpgsqlException e)
        {
            await error.WriteLineAsync($"Could not reach or write the database: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"The connection string is not valid: {e.Message}");
            return ExitCodes.BadArguments;
        }
    }
}
