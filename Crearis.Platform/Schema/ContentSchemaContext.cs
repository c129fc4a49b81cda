using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Crearis.Platform.Schema;

/// <summary>
/// Owns the migrations that create the Crearis content schema in an empty database. It maps no entities: the engine
/// reads the live catalog instead, and the schema is made of things EF has no word for (composite types, generated
/// columns calling functions, triggers), so each migration runs our own SQL scripts.
/// </summary>
public sealed class ContentSchemaContext(DbContextOptions<ContentSchemaContext> options) : DbContext(options)
{
    /// <summary>Our admin schema keeps the record of which content migrations ran, so the content schema holds only content.</summary>
    public const string HistorySchema = "crearis_admin";
    public const string HistoryTable = "__content_migrations";

    public static ContentSchemaContext Create(string connectionString)
    {
        var options = new DbContextOptionsBuilder<ContentSchemaContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(HistoryTable, HistorySchema))
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning))
            .Options;
        return new ContentSchemaContext(options);
    }
}
