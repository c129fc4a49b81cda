using Crearis.Platform.Database;
using Crearis.Platform.Demo;
using Crearis.Platform.Postgres;
using Npgsql;

namespace Crearis.Admin.Hosting;

/// <summary>
/// The default database when none is configured: a private PostgreSQL cluster that holds a content database with the
/// Crearis schema and demo data, created on first start.
/// </summary>
public sealed class EmbeddedDatabase : IAsyncDisposable
{
    private EmbeddedDatabase(PostgresCluster cluster, string database)
    {
        Cluster = cluster;
        Database = database;
    }

    public PostgresCluster Cluster { get; }
    public string Database { get; }
    public string ConnectionString => Cluster.ConnectionString(Database);

    /// <summary>
    /// Starts the cluster, or attaches to it when it already runs. Disposing stops only a server this process started;
    /// with <paramref name="adoptOrphan"/> (the app) it also stops one whose starter has died, but never one that a
    /// living app started (a command such as <c>users add</c> leaves the running app's cluster alone).
    /// </summary>
    public static async Task<EmbeddedDatabase> StartAsync(EmbeddedDatabaseOptions options, ILogger logger,
        CancellationToken ct = default, bool adoptOrphan = false)
    {
        var root = string.IsNullOrWhiteSpace(options.DataDirectory)
            ? PostgresClusterOptions.DefaultDataRoot()
            : Path.GetFullPath(options.DataDirectory);
        var cluster = await PostgresCluster.StartAsync(new PostgresClusterOptions(root, options.Port), logger, ct);
        var owner = Path.Combine(root, OwnerFile);
        if (cluster.StartedByThisProcess)
        {
            await File.WriteAllTextAsync(owner, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        }
        else if (adoptOrphan && !OwnerIsAlive(owner))
        {
            cluster.Adopt();
            await File.WriteAllTextAsync(owner, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
            logger.LogInformation("The process that started the embedded database is gone; this app stops it when it stops");
        }
        try
        {
            var embedded = new EmbeddedDatabase(cluster, options.Database);
            await embedded.EnsureContentAsync(options.DemoRows, logger, ct);
            logger.LogInformation(
                "Embedded database: {Database} on 127.0.0.1:{Port}, cluster folder {Folder} (log {Log})",
                options.Database, cluster.Port, cluster.DataDirectory, cluster.LogFile);
            return embedded;
        }
        catch
        {
            await cluster.StopAsync();
            throw;
        }
    }

    private async Task EnsureContentAsync(int demoRows, ILogger logger, CancellationToken ct)
    {
        await Cluster.EnsureDatabaseAsync(Database, ct);
        var content = new ContentDatabase(ConnectionString);
        // Only a database we created ourselves (empty, or made by our migrations) gets schema and demo data.
        if (!await content.IsCreatedByUsAsync(ct))
        {
            if (await content.CreateSchemaAsync(ct) == CreateSchemaOutcome.RefusedNotEmpty)
            {
                logger.LogWarning("The embedded database {Database} already holds tables; leaving it as it is", Database);
                return;
            }
            logger.LogInformation("Created the Crearis content schema in the embedded database {Database}", Database);
        }
        // Also covers a first start that was interrupted after the schema but before the demo data was committed.
        if (demoRows > 0 && await content.HasNoContentAsync(ct))
        {
            await using var conn = new NpgsqlConnection(ConnectionString);
            await conn.OpenAsync(ct);
            var result = await DemoDataGenerator.GenerateAsync(conn, new DemoDataOptions(demoRows), null, ct);
            logger.LogInformation("Generated {Rows} demo rows in {Seconds:F1}s", result.RowsPerTable.Values.Sum(),
                result.Duration.TotalSeconds);
        }
    }

    /// <summary>The id of the process that started (or adopted) the running server.</summary>
    private const string OwnerFile = "owner.pid";

    private static bool OwnerIsAlive(string ownerFile)
    {
        try
        {
            if (!int.TryParse(File.ReadAllText(ownerFile).Trim(), out var pid)) return false;
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}

/// <summary>Stops the embedded cluster when the app stops.</summary>
public sealed class EmbeddedDatabaseLifetime(EmbeddedDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public async Task StopAsync(CancellationToken cancellationToken) => await database.DisposeAsync();
}
