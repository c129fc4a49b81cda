using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Crearis.Admin.Hosting;

public static class AppConfiguration
{
    public const string CrearisConnection = "Crearis";
    public const string AdminConnection = "CrearisAdmin";

    /// <summary>
    /// The development settings live at the repo root and are copied next to the binaries; when the content root
    /// (the project folder under <c>dotnet run</c>) has no such file, read the copy beside the binaries, at the same
    /// precedence (so environment variables and the command line still win).
    /// </summary>
    public static void UseSettingsBesideBinaries(IConfigurationBuilder configuration, string contentRoot, string environment)
    {
        var name = $"appsettings.{environment}.json";
        if (File.Exists(Path.Combine(contentRoot, name)) || !File.Exists(Path.Combine(AppContext.BaseDirectory, name)))
            return;
        var sources = configuration.Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource json && json.Path == name)
            {
                sources[i] = new JsonConfigurationSource
                {
                    Path = name,
                    Optional = true,
                    ReloadOnChange = false,
                    FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
                };
                return;
            }
        }
    }

    /// <summary>
    /// The content root to give the host, or null for the default (the working directory). A published app started
    /// from elsewhere (a service unit, cron) must still find its own files — wwwroot with the framework's and
    /// MudBlazor's scripts and styles, appsettings.json — so it uses the folder of its binaries unless the working
    /// directory is the project folder (<c>dotnet run</c>) or a content root is given explicitly (--contentRoot, the
    /// ASPNETCORE_/DOTNET_CONTENTROOT variables; the test host passes one).
    /// </summary>
    public static string? ContentRoot(IReadOnlyList<string> args)
    {
        if (args.Any(a => a.TrimStart('-', '/').StartsWith("contentRoot", StringComparison.OrdinalIgnoreCase))) return null;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"))) return null;
        var cwd = Directory.GetCurrentDirectory();
        if (File.Exists(Path.Combine(cwd, "Crearis.Admin.csproj"))) return null;
        return AppContext.BaseDirectory;
    }

    /// <summary>Where the admin schema lives: its own connection string if given, else the content database.</summary>
    public static string? AdminConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(AdminConnection) is { Length: > 0 } admin
            ? admin
            : configuration.GetConnectionString(CrearisConnection);
}
