using Microsoft.EntityFrameworkCore;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// EF Core runs the import's phases (the connection's transaction and its savepoints); the rows themselves go through
/// Npgsql's COPY and set-based SQL on the same connection. It maps no entities.
/// </summary>
internal sealed class ImportDbContext(DbContextOptions<ImportDbContext> options) : DbContext(options)
{
    public static ImportDbContext Over(Npgsql.NpgsqlConnection connection) =>
        new(new DbContextOptionsBuilder<ImportDbContext>().UseNpgsql(connection).Options);
}
