using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crearis.Admin.Tests.Components;

/// <summary>The app's real backup services over a test database, for rendering pages in bUnit.</summary>
public static class AppServices
{
    /// <param name="storage">More backup settings (a scrub key file, …); with it the app's keyring is registered too, as the app does.</param>
    public static string AddBackupServices(IServiceCollection services, string adminConnection, string? folder = null,
        Action<BackupStorageOptions>? storage = null)
    {
        folder ??= Directory.CreateTempSubdirectory("crearis-bunit-").FullName;
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        // The app's one registration of the admin database, audit log and backup operations.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Crearis"] = adminConnection }).Build();
        Crearis.Admin.Extensions.Extensions.AddCrearisOperations(services, configuration);
        // The Import page names the database it writes to.
        services.TryAddSingleton<IConfiguration>(configuration);
        services.TryAddScoped<Crearis.Admin.Services.DatabaseInfoService>();
        services.Configure<BackupStorageOptions>(o =>
        {
            o.Folder = folder;
            storage?.Invoke(o);
        });
        if (storage is not null) services.AddSingleton<BackupKeyring>();
        services.AddSingleton<BackupCatalog>();
        services.AddSingleton<BackupStorage>();
        services.AddScoped<ContentSearch>();
        services.AddSingleton<HistoryService>();
        services.TryAddSingleton<RunRowsService>();
        services.AddSingleton<BackupJobService>();
        services.AddScoped<CurrentUser>();
        return folder;
    }
}
