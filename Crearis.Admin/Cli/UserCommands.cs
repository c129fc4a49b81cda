using System.CommandLine;
using System.Text;
using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Npgsql;

namespace Crearis.Admin.Cli;

/// <summary><c>users add</c>: creates a sign-in for the admin app.</summary>
public static class UserCommands
{
    public static Command Build()
    {
        var email = new Option<string>("--email") { Description = "E-mail address, used to sign in.", Required = true };
        var role = new Option<string>("--role")
        {
            Description = $"Role: {string.Join(" or ", Roles.All)}.",
            DefaultValueFactory = _ => Roles.Viewer,
        };
        role.AcceptOnlyFromAmong([.. Roles.All, .. Roles.All.Select(r => r.ToLowerInvariant())]);
        var password = new Option<string?>("--password")
        {
            Description = "Password. When omitted it is asked for (or read from the first line of standard input when that is not a terminal).",
        };
        var connection = new Option<string?>("--connection")
        {
            Description = "Connection string of the database that holds the admin schema. Default: ConnectionStrings:CrearisAdmin, then ConnectionStrings:Crearis, then the embedded database.",
        };
        var add = new Command("add", "Add a user who can sign in to the admin app.") { email, role, password, connection };
        add.SetAction((parse, ct) => AddAsync(parse.GetRequiredValue(email), parse.GetRequiredValue(role),
            parse.GetValue(password), parse.GetValue(connection), parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error, ct));
        return new Command("users", "Manage who can sign in.") { add, TokenCommands.Build() };
    }

    private static async Task<int> AddAsync(string email, string role, string? password, string? connection,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        password ??= ReadPassword(output);
        if (string.IsNullOrEmpty(password))
        {
            await error.WriteLineAsync("No password given. Pass --password, type it when asked, or pipe it on standard input.");
            return ExitCodes.BadArguments;
        }

        await using var context = CliContext.Create();
        try
        {
            var adminConnection = await context.AdminConnectionAsync(connection, ct);
            await AdminDatabaseExtensions.MigrateAdminSchemaAsync(adminConnection, ct);
            await using var services = CliContext.IdentityServices(adminConnection);
            await using var scope = services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<UserAdministration>().AddUserAsync(email, role, password);
            if (!result.Succeeded)
            {
                foreach (var message in result.Errors) await error.WriteLineAsync(message);
                return result.Status == AddUserStatus.AlreadyExists ? ExitCodes.Failed : ExitCodes.BadArguments;
            }
            await output.WriteLineAsync($"Added {email.Trim()} as {Roles.Normalize(role)}.");
            return ExitCodes.Ok;
        }
        catch (NpgsqlException e)
        {
            await error.WriteLineAsync($"Could not reach or write the database: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private static string? ReadPassword(TextWriter output)
    {
        if (Console.IsInputRedirected) return Console.In.ReadLine();
        output.Write("Password: ");
        var first = ReadMasked();
        output.Write("Repeat password: ");
        var second = ReadMasked();
        if (first == second) return first;
        output.WriteLine("The two passwords differ.");
        return null;
    }

    private static string ReadMasked()
    {
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0) text.Length--;
                continue;
            }
            if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.WriteLine();
        return text.ToString();
    }
}
