using Crearis.Admin.Api;
using Crearis.Admin.Backups;
using Crearis.Admin.Components;
using Crearis.Admin.Components.Account;
using Crearis.Admin.Data;
using Crearis.Admin.Hosting;
using Crearis.Admin.Operations;
using Crearis.Admin.Security;
using Crearis.Admin.Services;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using MudBlazor.Services;

namespace Crearis.Admin.Extensions;

public static class Extensions
{
    /// <summary>Everything the admin app needs: database (configured or embedded), Identity, UI and services.</summary>
    public static async Task AddCrearisAdminAsync(this WebApplicationBuilder builder)
    {
        AppConfiguration.UseSettingsBesideBinaries(builder.Configuration, builder.Environment.ContentRootPath,
            builder.Environment.EnvironmentName);
        builder.Services.Configure<CrearisOptions>(builder.Configuration.GetSection(CrearisOptions.Section));

        await builder.AddCrearisDatabaseAsync();
        builder.AddCrearisIdentity();
        builder.AddCrearisApi();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddScoped<DatabaseInfoService>();
        builder.AddCrearisBackups();
    }

    /// <summary>
    /// Uses <c>ConnectionStrings:Crearis</c> when set (and creates nothing in its content schema); otherwise starts
    /// the embedded cluster and points the connection string at it.
    /// </summary>
    private static async Task AddCrearisDatabaseAsync(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(AppConfiguration.CrearisConnection)))
        {
            var options = builder.Configuration.GetSection(CrearisOptions.Section).Get<CrearisOptions>() ?? new();
            using var loggerFactory = LoggerFactory.Create(l => l.AddConsole());
            var logger = loggerFactory.CreateLogger("Crearis.EmbeddedDatabase");
            var embedded = await EmbeddedDatabase.StartAsync(options.EmbeddedDatabase, logger, adoptOrphan: true);
            builder.Configuration[$"ConnectionStrings:{AppConfiguration.CrearisConnection}"] = embedded.ConnectionString;
            services.AddSingleton(embedded);
            services.AddHostedService<EmbeddedDatabaseLifetime>();
        }

        services.AddCrearisOperations(builder.Configuration);
        services.AddDatabaseDeveloperPageExceptionFilter();
    }

    /// <summary>
    /// The admin database, the audit log and the backup operations (export, import: lock, engine, history, audit).
    /// The one registration every host uses: the web app here, the command line in its own small service provider.
    /// Connection strings are read when first needed, so a value set later (the embedded database) is seen.
    /// </summary>
    public static IServiceCollection AddCrearisOperations(this IServiceCollection services, IConfiguration configuration)
    {
        // A factory, so background jobs and the audit log get contexts of their own, never a circuit's.
        services.AddDbContextFactory<AdminDbContext>(
            o => o.UseAdminDatabase(AppConfiguration.AdminConnectionString(configuration)
                                    ?? throw new InvalidOperationException("No admin database is configured.")),
            ServiceLifetime.Singleton);
        services.TryAddSingleton<AuditLog>();
        services.TryAddSingleton(sp => new BackupOperations(configuration, sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<ILogger<BackupOperations>>()));
        services.TryAddSingleton<ImportTableCheck>();
        return services;
    }

    private static void AddCrearisBackups(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BackupStorageOptions>().Bind(builder.Configuration.GetSection("Crearis:Backups")).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<BackupStorageOptions>, BackupStorageOptionsValidator>();
        builder.Services.AddSingleton<BackupKeyring>();
        // The storage takes it: verification results kept in the admin database outlive a restart.
        builder.Services.AddSingleton<BackupCatalog>();
        builder.Services.AddSingleton<BackupStorage>();
        builder.Services.AddHostedService<BackupFolderCleanup>();
        builder.Services.AddSingleton<BackupJobService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BackupJobService>());
        builder.Services.AddScoped<CurrentUser>();
        builder.Services.AddSingleton<HistoryService>();
        builder.Services.AddSingleton<RunRowsService>();
        builder.Services.AddSingleton<AuditService>();
        builder.Services.AddScoped<ConflictDecisions>();
        builder.Services.AddScoped<ContentSearch>();
    }

    private static void AddCrearisIdentity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();

        services.AddIdentityCore<ApplicationUser>(options =>
            {
                // No e-mail is sent by this app; admins create accounts, so there is nothing to confirm.
                options.SignIn.RequireConfirmedAccount = false;
                options.User.RequireUniqueEmail = true;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                // The store schema stays the one the migrations create: no passkeys (schema version 3 adds a table for
                // them that the admin schema does not have, and the app offers no passkey sign-in).
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AdminDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        // No e-mail sender: the app sends no mail, so there are no e-mail confirmation or password-reset pages.
        services.AddScoped<AccountSession>();
        services.AddScoped<UserAdministration>();
        services.AddScoped<UserManagement>();
        services.AddScoped<FirstAdminBootstrap>();
        // Locks, role changes and deletions renew the user's security stamp; signed-in sessions notice within a minute.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/Account/Login";
            options.AccessDeniedPath = "/Account/AccessDenied";
            // API callers get status codes, not a login page.
            options.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.AdminOnly, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin))
            .AddPolicy(Policies.SignedIn, p => p.RequireAuthenticatedUser().RequireRole(Roles.All))
            // Every endpoint that does not say otherwise needs a signed-in Admin or Viewer.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(Roles.All).Build());
    }

    private static Task ApiAwareRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int status)
    {
        // Scripts and file downloads get status codes; pages get the login / access-denied page.
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.Value?.EndsWith("/download", StringComparison.Ordinal) == true)
            ctx.Response.StatusCode = status;
        else
            ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>Applies the admin-schema migrations, creates the first admin, and maps the pipeline.</summary>
    public static async Task UseCrearisAdminAsync(this WebApplication app)
    {
        var adminConnection = AppConfiguration.AdminConnectionString(app.Configuration)!;
        await AdminDatabaseExtensions.MigrateAdminSchemaAsync(adminConnection);
        using (var scope = app.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<FirstAdminBootstrap>().RunAsync();

        if (app.Environment.IsDevelopment())
        {
            app.UseMigrationsEndPoint();
        }
        else
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        // Pages get a friendly status page; API callers get the bare status code (a re-executed POST would turn a
        // 403 into an antiforgery 400).
        app.UseWhen(ctx => !ctx.Request.Path.StartsWithSegments("/api") && ctx.Request.Path.Value?.EndsWith("/download", StringComparison.Ordinal) != true,
            branch => branch.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        app.UseCrearisApiErrors();

        // Logo, favicon and css are needed by the sign-in page, so they are served before authorization.
        var assets = Path.Combine(AppContext.BaseDirectory, "wwwroot-assets");
        if (Directory.Exists(assets))
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(assets), RequestPath = "/assets" });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAdditionalIdentityEndpoints();
        app.MapAdminApi();
        app.MapCrearisApiDocument();
    }
}
