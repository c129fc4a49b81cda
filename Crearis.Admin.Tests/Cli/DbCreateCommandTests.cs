using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Platform.Database;

namespace Crearis.Admin.Tests.Cli;

public sealed class DbCreateCommandTests
{
    [Fact]
    public async Task Db_create_makes_the_content_and_admin_schemas_in_an_empty_database()
    {
        var connection = await TestPostgres.CreateEmptyDatabaseAsync("dbcreate");
        try
        {
            var result = await CliRun.RunAsync("db", "create", "--connection", connection);

            result.ExitCode.Should().Be(ExitCodes.Ok, result.Error);
            result.Output.Should().Contain("Created the Crearis content schema");
            var summary = await new ContentDatabase(connection).GetSummaryAsync();
            summary.Tables.Should().HaveCount(17).And.OnlyContain(t => t.Exists);
            summary.Tables.Single(t => t.Table == "status").Rows.Should().Be(81);
            (await new ContentDatabase(connection).IsCreatedByUsAsync()).Should().BeTrue();
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connection);
        }
    }

    [Fact]
    public async Task Db_create_with_demo_rows_fills_every_content_table()
    {
        var connection = await TestPostgres.CreateEmptyDatabaseAsync("dbdemo");
        try
        {
            var result = await CliRun.RunAsync("db", "create", "--connection", connection, "--demo-rows", "300");

            result.ExitCode.Should().Be(ExitCodes.Ok, result.Error);
            var summary = await new ContentDatabase(connection).GetSummaryAsync();
            summary.Tables.Should().OnlyContain(t => t.Rows > 0, "the demo data touches all 17 tables");
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connection);
        }
    }

    [Fact]
    public async Task Db_create_refuses_a_database_that_already_holds_tables_and_changes_nothing()
    {
        var connection = await TestPostgres.CreateEmptyDatabaseAsync("dbbusy");
        try
        {
            await using (var conn = new Npgsql.NpgsqlConnection(connection))
            {
                await conn.OpenAsync();
                await using var cmd = new Npgsql.NpgsqlCommand("CREATE TABLE public.orders (id int)", conn);
                await cmd.ExecuteNonQueryAsync();
            }

            var result = await CliRun.RunAsync("db", "create", "--connection", connection);

            result.ExitCode.Should().Be(ExitCodes.Failed);
            result.Error.Should().Contain("Refused").And.Contain("orders");
            var summary = await new ContentDatabase(connection).GetSummaryAsync();
            summary.Tables.Should().OnlyContain(t => !t.Exists);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connection);
        }
    }

    [Fact]
    public async Task Db_create_without_a_connection_is_a_usage_error()
    {
        var result = await CliRun.RunAsync("db", "create");

        result.ExitCode.Should().Be(ExitCodes.BadArguments);
        result.Error.Should().Contain("--connection");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("db", "--help")]
    [InlineData("db", "create", "--help")]
    [InlineData("users", "add", "--help")]
    public async Task Help_works_on_every_command(params string[] args)
    {
        var result = await CliRun.RunAsync(args);

        result.ExitCode.Should().Be(ExitCodes.Ok);
        result.Output.Should().Contain("Usage:");
    }
}
