using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Crearis.Admin.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without starting the app or a database.</summary>
public sealed class AdminDbContextFactory : IDesignTimeDbContextFactory<AdminDbContext>
{
    public AdminDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AdminDbContext>()
            .UseAdminDatabase("Host=127.0.0.1;Database=design_time_only")
            .Options);
}
