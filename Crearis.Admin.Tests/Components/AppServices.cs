using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crearis.Admin.Tests.Components;

/// <summary>The app's real backup services over a test database, for rendering pages in bUnit.</summary>
public static class AppServices
{
    public static string AddBackupServices(IServiceCollection services, string adminConnection, string? folder = null)
    {
        folder ??= Directory.CreateTempSubdirectory("crearis-bunit-").FullName;
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddDbContextFactory<AdminDbContext>(o => o.UseAdminDatabase(adminConnection), ServiceLifetime.Singleton);
        services.Configure<BackupStorageOptions>(o => o.Folder = folder);
        services.AddSingleton<BackupStorage>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<HistoryService>();
        services.AddSingleton<BackupJobService>();
        services.AddScoped<CurrentUser>();
        return folder;
    }
}
