using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Crearis.Admin.Data;

public static class AdminDatabaseExtensions
{
    public static DbContextOptionsBuilder<AdminDbContext> UseAdminDatabase(this DbContextOptionsBuilder<AdminDbContext> options,
        string connectionString)
    {
        ((DbContextOptionsBuilder)options).UseAdminDatabase(connectionString);
        return options;
    }

    public static DbContextOptionsBuilder UseAdminDatabase(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(AdminDbContext.HistoryTable, AdminDbContext.Schema));

    /// <summary>Applies the admin-schema migrations; touches nothing outside <c>crearis_admin</c>.</summary>
    public static async Task MigrateAdminSchemaAsync(string connectionString, CancellationToken ct = default)
    {
        var options = new DbContextOptionsBuilder<AdminDbContext>().UseAdminDatabase(connectionString).Options;
        await using var db = new AdminDbContext(options);
        await db.Database.MigrateAsync(ct);
    }
}
