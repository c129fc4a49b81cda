using System.Net;
using System.Text.RegularExpressions;
using Crearis.Admin.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Crearis.Admin.Tests.Infrastructure;

/// <summary>The real admin app over a test database, with a known first admin.</summary>
public sealed partial class CrearisAppFactory(string connectionString, string? backupFolder = null,
    IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    /// <summary>The backup folder of this app instance (a fresh temp folder unless given).</summary>
    public string BackupFolder { get; } = backupFolder ?? Directory.CreateTempSubdirectory("crearis-backups-").FullName;

    public const string AdminEmail = "admin@crearis.test";
    public const string AdminPassword = "Admin-Passw0rd!";

    /// <summary>The API token key of the test apps (the command line is given the same, so its tokens work here).</summary>
    public const string TokenKey = "dGVzdC1vbmx5IGtleSBmb3IgQ3JlYXJpcyBBUEkgdG9rZW5zISE=";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Outside Development the framework does not map the build's static web assets (MudBlazor, Bootstrap) by itself.
        builder.UseStaticWebAssets();
        builder.UseSetting("ConnectionStrings:Crearis", connectionString);
        builder.UseSetting("Crearis:Admin:Email", AdminEmail);
        builder.UseSetting("Crearis:Admin:Password", AdminPassword);
        builder.UseSetting("Crearis:Backups:Folder", BackupFolder);
        builder.UseSetting("Crearis:Api:TokenKey", TokenKey);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(key, value);
    }

    public HttpClient CreateBrowserLikeClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Adds a user straight through the app's own user administration.</summary>
    public async Task AddUserAsync(string email, string role, string password)
    {
        using var scope = Services.CreateScope();
        var result = await scope.ServiceProvider.GetRequiredService<UserAdministration>().AddUserAsync(email, role, password);
        result.Succeeded.Should().BeTrue(string.Join(" ", result.Errors));
    }

    /// <summary>Signs in through the real login form (antiforgery token and all); returns the response of the POST.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password)
    {
        var page = await client.GetStringAsync("/Account/Login");
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        token.Should().NotBeEmpty("the login form carries an antiforgery token");
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.RememberMe"] = "false",
        });
        return await client.PostAsync("/Account/Login", form);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
