using Crearis.Platform.Database;
using Crearis.Platform.Postgres;
using Npgsql;

namespace Crearis.Testing;

/// <summary>
/// One PostgreSQL server per test run: the one named by <c>CREARIS_TEST_POSTGRES</c> (a connection string of a role
/// that may create databases), or a throwaway cluster in a temp folder, on a free loopback port, removed at exit.
/// </summary>
public static class TestPostgres
{
    public const string ServerVariable = "CREARIS_TEST_POSTGRES";
    // One template per test process: the engine tests and the admin tests may share a server (CREARIS_TEST_POSTGRES).
    private static readonly string TemplateName = $"crearis_test_template_{Environment.ProcessId}";
    private static readonly Lazy<Task<string>> Server = new(StartServerAsync);
    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static bool _templateReady;
    private static int _counter;

    /// <summary>
    /// What a test project adds to the template after the content schema (the admin tests add the admin schema).
    /// Set once, before the first database is made (a module initializer).
    /// </summary>
    public static Func<string, Task>? CompleteTemplate { get; set; }

    /// <summary>Connection string to the server's maintenance database.</summary>
    public static Task<string> ServerConnectionStringAsync() => Server.Value;

    private static async Task<string> StartServerAsync()
    {
        if (Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } given)
            return given;
        var root = Path.Combine(Path.GetTempPath(), $"crearis-tests-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var cluster = await PostgresCluster.StartAsync(new PostgresClusterOptions(root));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            cluster.StopAsync().GetAwaiter().GetResult();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return cluster.ConnectionString();
    }

    public static async Task<string> ConnectionStringForAsync(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder(await ServerConnectionStringAsync()) { Database = database };
        return builder.ConnectionString;
    }

    /// <summary>A new database with nothing in it.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync(string prefix = "empty")
    {
        var name = NewName(prefix);
        await ExecuteOnServerAsync($"CREATE DATABASE \"{name}\"");
        return await ConnectionStringForAsync(name);
    }

    /// <summary>A new database with the Crearis content schema (and what <see cref="CompleteTemplate"/> adds), copied from a template built once.</summary>
    public static async Task<(string Name, string ConnectionString)> CreateCrearisDatabaseAsync(string prefix)
    {
        await EnsureTemplateAsync();
        var name = NewName(prefix);
        await ExecuteOnServerAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{TemplateName}\"");
        return (name, await ConnectionStringForAsync(name));
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private static string NewName(string prefix) =>
        $"{prefix.ToLowerInvariant()}_{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}";

    private static async Task EnsureTemplateAsync()
    {
        if (_templateReady) return;
        await TemplateLock.WaitAsync();
        try
        {
            if (_templateReady) return;
            await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS \"{TemplateName}\" WITH (FORCE)");
            await ExecuteOnServerAsync($"CREATE DATABASE \"{TemplateName}\"");
            // No pooling: CREATE DATABASE … TEMPLATE refuses while anyone is still connected to the template.
            var template = new NpgsqlConnectionStringBuilder(await ConnectionStringForAsync(TemplateName)) { Pooling = false }.ConnectionString;
            var created = await new ContentDatabase(template).CreateSchemaAsync();
            if (created != CreateSchemaOutcome.Created)
                throw new InvalidOperationException("The test template database was not empty.");
            if (CompleteTemplate is not null) await CompleteTemplate(template);
            _templateReady = true;
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    public static async Task ExecuteOnServerAsync(string sql)
    {
        var cs = new NpgsqlConnectionStringBuilder(await ServerConnectionStringAsync()) { Pooling = false }.ConnectionString;
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
