using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Microsoft.Extensions.Configuration;
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
        // The app's one registration of the admin database, audit log and backup operations.
        Crearis.Admin.Extensions.Extensions.AddCrearisOperations(services, new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Crearis"] = adminConnection }).Build());
        services.Configure<BackupStorageOptions>(o => o.Folder = folder);
        services.AddSingleton<BackupStorage>();
        services.AddSingleton<HistoryService>();
        services.AddSingleton<BackupJobService>();
        services.AddScoped<CurrentUser>();
        return folder;
    }
}
