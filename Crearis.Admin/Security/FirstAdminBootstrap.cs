using Crearis.Admin.Hosting;
using Microsoft.Extensions.Options;

namespace Crearis.Admin.Security;

/// <summary>
/// Makes sure the roles exist and that someone can sign in: when no admin exists, creates one from
/// <c>Crearis:Admin:Email/Password</c>, or with a generated password that is printed once on the console.
/// </summary>
public sealed class FirstAdminBootstrap(UserAdministration administration, IOptions<CrearisOptions> options,
    ILogger<FirstAdminBootstrap> logger)
{
    public const string DefaultEmail = "admin@crearis.local";

    public async Task RunAsync()
    {
        await administration.EnsureRolesAsync();
        if (await administration.AnyAdminAsync()) return;

        var configured = options.Value.Admin;
        var email = string.IsNullOrWhiteSpace(configured.Email) ? DefaultEmail : configured.Email.Trim();
        var generated = string.IsNullOrEmpty(configured.Password);
        var password = generated ? UserAdministration.GeneratePassword() : configured.Password!;

        var result = await administration.AddUserAsync(email, Roles.Admin, password);
        if (!result.Succeeded)
        {
            // A misconfigured first admin must not go unnoticed: without it nobody can sign in.
            throw new InvalidOperationException(
                $"Could not create the first admin {email}: {string.Join(" ", result.Errors)} " +
                "Fix Crearis:Admin:Email / Crearis:Admin:Password (or remove the password to have one generated).");
        }

        logger.LogInformation("Created the first admin {Email}", email);
        if (generated)
        {
            var line = new string('=', 72);
            Console.WriteLine(line);
            Console.WriteLine("  Crearis Backup Admin: the first admin account was created.");
            Console.WriteLine($"    e-mail:   {email}");
            Console.WriteLine($"    password: {password}");
            Console.WriteLine("  This password is shown only now. Sign in and keep it safe.");
            Console.WriteLine(line);
        }
    }
}
