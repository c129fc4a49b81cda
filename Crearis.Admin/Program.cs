using Crearis.Admin.Cli;
using Crearis.Admin.Extensions;
using Crearis.Admin.Hosting;
using Crearis.Platform.Postgres;

if (CliApp.IsCommand(args))
    return await CliApp.RunAsync(args);

// Its own files (wwwroot, appsettings.json) are found wherever it is started from: a service unit, cron, a shell.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppConfiguration.ContentRoot(args) });
try
{
    await builder.AddCrearisAdminAsync();
}
catch (PostgresClusterException e)
{
    // The embedded database could not start: say what to do instead of a stack trace.
    Console.Error.WriteLine($"Crearis Backup Admin cannot start its embedded database: {e.Message}");
    return 1;
}

var app = builder.Build();
await app.UseCrearisAdminAsync();
await app.RunAsync();
return 0;

/// <summary>Entry point type, named so the tests' WebApplicationFactory can find it.</summary>
public partial class Program;
