using Crearis.Admin.Hosting;
using Crearis.Platform.Database;

namespace Crearis.Admin.Services;

/// <summary>What the dashboard shows: the connected content database and, when embedded, where it lives.</summary>
public sealed record DatabaseInfo(DatabaseSummary Summary, bool Embedded, string? EmbeddedFolder);

public sealed class DatabaseInfoService(IConfiguration configuration, IServiceProvider services)
{
    public async Task<DatabaseInfo> GetAsync(CancellationToken ct = default)
    {
        var connection = configuration.GetConnectionString(AppConfiguration.CrearisConnection)
            ?? throw new InvalidOperationException("ConnectionStrings:Crearis is not set.");
        var summary = await new ContentDatabase(connection).GetSummaryAsync(ct);
        var embedded = services.GetService<EmbeddedDatabase>();
        return new DatabaseInfo(summary, embedded is not null, embedded?.Cluster.DataDirectory);
    }

    /// <summary>The content database as a confirmation names it: "crearis on 127.0.0.1:5432" (from the settings, no round trip).</summary>
    public string TargetName()
    {
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(configuration.GetConnectionString(AppConfiguration.CrearisConnection));
        return $"{connection.Database} on {connection.Host}:{connection.Port}";
    }
}
