using Crearis.Admin.Data;
using Crearis.Admin.Extensions;
using Crearis.Admin.Hosting;
using Crearis.Admin.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crearis.Admin.Cli;

/// <summary>Configuration and database access for CLI commands, read the same way as the web app reads them.</summary>
public sealed class CliContext : IAsyncDisposable
{
    private EmbeddedDatabase? _embedded;

    private CliContext(IConfiguration configuration) => Configuration = configuration;

    public IConfiguration Configuration { get; }

    /// <summary>Settings given to <see cref="CliApp.RunAsync"/> for this invocation (flows with the async call).</summary>
    internal static readonly AsyncLocal<IReadOnlyDictionary<string, string?>?> Settings = new();

    public static CliContext Create()
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
        // The same files the web app reads, wherever the command is started from (cron, a service's ExecStartPre).
        var contentRoot = AppConfiguration.ContentRoot([]) ?? Directory.GetCurrentDirectory();
        var builder = new ConfigurationBuilder()
            .SetBasePath(contentRoot)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true);
        AppConfiguration.UseSettingsBesideBinaries(builder, contentRoot, environment);
        builder.AddEnvironmentVariables();
        if (Settings.Value is { } settings) builder.AddInMemoryCollection(settings);
        return new CliContext(builder.Build());
    }

    /// <summary>
    /// The connection to use: the option if given, else <c>ConnectionStrings:CrearisAdmin</c>/<c>Crearis</c>, else the
    /// embedded database (started for the duration of the command).
    /// </summary>
    public async Task<string> AdminConnectionAsync(string? option, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(option)) return option;
        if (AppConfiguration.AdminConnectionString(Configuration) is { Length: > 0 } configured) return configured;
        var options = Configuration.GetSection(CrearisOptions.Section).Get<CrearisOptions>() ?? new();
        _embedded = await EmbeddedDatabase.StartAsync(options.EmbeddedDatabase, NullLogger.Instance, ct);
        return _embedded.ConnectionString;
    }

    /// <summary>
    /// The backup operations as the web app registers them, for a command. <paramref name="contentConnection"/>
    /// (<c>--connection</c>) changes only the content database: history and audit stay in the admin database the app
    /// uses (<c>ConnectionStrings:CrearisAdmin</c>, else the configured <c>ConnectionStrings:Crearis</c>); only when
    /// neither is configured do they go to the database given on the command line.
    /// </summary>
    public ServiceProvider OperationServices(string contentConnection)
    {
        var overrides = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{AppConfiguration.CrearisConnection}"] = contentConnection,
            [$"ConnectionStrings:{AppConfiguration.AdminConnection}"] = AppConfiguration.AdminConnectionString(Configuration) ?? contentConnection,
        };
        var configuration = new ConfigurationBuilder().AddConfiguration(Configuration).AddInMemoryCollection(overrides).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCrearisOperations(configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// Identity services over the admin schema of the given database, for user commands; with the configuration, also
    /// the API tokens (which need the token key it names).
    /// </summary>
    public static ServiceProvider IdentityServices(string adminConnection, IConfiguration? configuration = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<AdminDbContext>(o => o.UseAdminDatabase(adminConnection));
        services.AddIdentityCore<ApplicationUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AdminDbContext>();
        services.AddScoped<UserAdministration>();
        if (configuration is not null)
        {
            services.AddSingleton(new ApiTokenKey(configuration));
            services.AddScoped<ApiTokens>();
        }
        return services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null) await _embedded.DisposeAsync();
    }
}
