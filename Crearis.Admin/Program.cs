using Crearis.Admin.Cli;
using Crearis.Admin.Extensions;
using Crearis.Backup.Core.Postgres;

if (CliApp.IsCommand(args))
    return await CliApp.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
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
