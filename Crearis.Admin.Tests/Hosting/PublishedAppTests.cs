using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Crearis.Admin.Tests.Browser;
using Crearis.Admin.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Crearis.Admin.Tests.Hosting;

/// <summary>The app as <c>dotnet publish</c> makes it, started the way a service unit or cron job starts it: from another folder.</summary>
public sealed partial class PublishedAppTests : IAsyncLifetime
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);
    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("crearis-service-cwd-").FullName;
    private string _database = "";
    private Process? _app;
    private readonly StringBuilder _log = new();

    public async Task InitializeAsync() => (_, _database) = await TestPostgres.CreateCrearisDatabaseAsync("published");

    public async Task DisposeAsync()
    {
        if (_app is { HasExited: false })
        {
            _app.Kill(entireProcessTree: true);
            await _app.WaitForExitAsync();
        }
        _app?.Dispose();
        await TestPostgres.DropDatabaseAsync(_database);
        try { Directory.Delete(_workingDirectory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_published_app_started_from_another_folder_serves_its_scripts_and_styles_and_signing_in_reaches_an_interactive_dashboard()
    {
        var folder = await Published.Value;
        var baseUrl = await StartAsync(folder);
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };

        var login = await http.GetStringAsync("/Account/Login");
        var assets = AssetReference().Matches(login).Select(m => m.Groups[2].Value)
            .Where(u => !u.StartsWith("http", StringComparison.Ordinal)).Distinct().ToList();
        // Fingerprinted names: _content/MudBlazor/MudBlazor.min.<hash>.css
        assets.Should().Contain(u => u.StartsWith("_framework/blazor.web.", StringComparison.Ordinal))
            .And.Contain(u => u.StartsWith("_content/MudBlazor/MudBlazor.min.", StringComparison.Ordinal) && u.EndsWith(".css", StringComparison.Ordinal))
            .And.Contain(u => u.StartsWith("_content/MudBlazor/MudBlazor.min.", StringComparison.Ordinal) && u.EndsWith(".js", StringComparison.Ordinal));
        foreach (var asset in assets.Append("_framework/blazor.web.js"))
        {
            using var response = await http.GetAsync("/" + asset.TrimStart('/'));
            var body = await response.Content.ReadAsByteArrayAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, asset);
            body.Length.Should().BeGreaterThan(100, $"{asset} has content ({_log})");
            var type = response.Content.Headers.ContentType?.MediaType;
            if (asset.Contains(".css", StringComparison.Ordinal)) type.Should().Be("text/css", asset);
            if (asset.Contains(".js", StringComparison.Ordinal)) type.Should().Be("text/javascript", asset);
        }

        await using var playwright = new PlaywrightHandle(await Playwright.CreateAsync());
        await using var browser = await playwright.Value.Chromium.LaunchAsync(BrowserOptions.Headless());
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        await page.GotoAsync(baseUrl + "/Account/Login");
        (await EmptyStylesheetsAsync(page)).Should().BeEmpty("every stylesheet of the sign-in page has rules");
        await page.FillAsync("#Input\\.Email", CrearisAppFactory.AdminEmail);
        await page.FillAsync("#Input\\.Password", CrearisAppFactory.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=row-counts]");
        (await EmptyStylesheetsAsync(page)).Should().BeEmpty("every stylesheet of the dashboard has rules");
        // Interactive: the drawer toggle only works over a live circuit.
        var closed = false;
        for (var i = 0; i < 30 && !closed; i++)
        {
            await page.ClickAsync("button[aria-label='Toggle navigation']");
            closed = await page.WaitForSelectorAsync(".mud-drawer--closed", new() { Timeout = 1000 })
                .ContinueWith(t => t.IsCompletedSuccessfully);
        }
        await BrowserSession.ScreenshotAsync(page, "published-app-dashboard.png");
        closed.Should().BeTrue("the dashboard is interactive");
    }

    private static Task<string[]> EmptyStylesheetsAsync(IPage page) => page.EvaluateAsync<string[]>("""
        () => Array.from(document.querySelectorAll('link[rel=stylesheet]'))
            .filter(l => !l.sheet || l.sheet.cssRules.length === 0).map(l => l.href)
        """);

    private async Task<string> StartAsync(string folder)
    {
        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var apphost = Path.Combine(folder, "Crearis.Admin");
        var psi = File.Exists(apphost)
            ? new ProcessStartInfo(apphost, ["--urls", baseUrl])
            : new ProcessStartInfo("dotnet", [Path.Combine(folder, "Crearis.Admin.dll"), "--urls", baseUrl]);
        psi.WorkingDirectory = _workingDirectory;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["ConnectionStrings__Crearis"] = _database;
        psi.Environment["Crearis__Admin__Email"] = CrearisAppFactory.AdminEmail;
        psi.Environment["Crearis__Admin__Password"] = CrearisAppFactory.AdminPassword;
        psi.Environment["Crearis__Backups__Folder"] = Path.Combine(_workingDirectory, "backups");
        _app = Process.Start(psi)!;
        _app.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _app.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _app.BeginOutputReadLine();
        _app.BeginErrorReadLine();

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            _app.HasExited.Should().BeFalse($"the app keeps running; it wrote:\n{_log}");
            try
            {
                if ((await probe.GetAsync(baseUrl + "/Account/Login")).StatusCode == HttpStatusCode.OK) return baseUrl;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The published app did not answer within 60 s; it wrote:\n{_log}");
    }

    /// <summary>Publishes the app once per test run (Release, like a deployment).</summary>
    private static async Task<string> PublishAsync()
    {
        var output = Path.Combine(Path.GetTempPath(), $"crearis-published-{Environment.ProcessId}");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var psi = new ProcessStartInfo("dotnet",
            ["publish", Path.Combine(RepoPaths.Root, "Crearis.Admin", "Crearis.Admin.csproj"), "-c", "Release", "-o", output, "--nologo", "-v", "q"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        using var publish = Process.Start(psi)!;
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await publish.WaitForExitAsync(timeout.Token);
        publish.ExitCode.Should().Be(0, $"dotnet publish succeeds:\n{await stdout}\n{await stderr}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(output, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return output;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("<(?:script|link)[^>]*\\b(src|href)=\"([^\"]+\\.(?:css|js))\"")]
    private static partial Regex AssetReference();

    private sealed class PlaywrightHandle(IPlaywright value) : IAsyncDisposable
    {
        public IPlaywright Value { get; } = value;
        public ValueTask DisposeAsync()
        {
            Value.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
