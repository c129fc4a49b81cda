using System.CommandLine;
using System.Globalization;
using Crearis.Admin.Data;
using Crearis.Admin.Operations;
using Crearis.Admin.Security;
using Npgsql;

namespace Crearis.Admin.Cli;

/// <summary><c>users token create|list|revoke</c>: API tokens for scripts, made and revoked by whoever runs the command.</summary>
public static class TokenCommands
{
    public static Command Build()
    {
        var connection = new Option<string?>("--connection")
        {
            Description = "Connection string of the database that holds the admin schema. Default: ConnectionStrings:CrearisAdmin, then ConnectionStrings:Crearis, then the embedded database.",
        };

        var email = new Option<string>("--email") { Description = "The user the token acts for; their current role still applies.", Required = true };
        var scope = new Option<string[]>("--scope")
        {
            Description = $"What the token may do, comma-separated: {string.Join(", ", ApiScopes.Vocabulary.Names)}.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var expires = new Option<string>("--expires")
        {
            Description = "Lifetime in days, at most 365d.",
            DefaultValueFactory = _ => "90d",
        };
        var name = new Option<string?>("--name") { Description = "What the token is for (shown in lists and the audit trail)." };
        var create = new Command("create", "Make an API token. It is printed once, alone on standard output, and kept nowhere.")
        {
            email, scope, expires, name, connection,
        };
        create.SetAction((parse, ct) => CreateAsync(parse.GetRequiredValue(email), parse.GetRequiredValue(scope), parse.GetRequiredValue(expires),
            parse.GetValue(name), parse.GetValue(connection), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));

        var listEmail = new Option<string?>("--email") { Description = "Only this user's tokens." };
        var list = new Command("list", "List API tokens (never the tokens themselves): scopes, expiry, last use and address.") { listEmail, connection };
        list.SetAction((parse, ct) => ListAsync(parse.GetValue(listEmail), parse.GetValue(connection), parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error, ct));

        var id = new Argument<long>("ID") { Description = "The token's id, as `users token list` shows it." };
        var revoke = new Command("revoke", "Revoke an API token: its next request fails.") { id, connection };
        revoke.SetAction((parse, ct) => RevokeAsync(parse.GetRequiredValue(id), parse.GetValue(connection), parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error, ct));

        return new Command("token", "API tokens for scripts (Authorization: Bearer crb_…).") { create, list, revoke };
    }

    private static async Task<int> CreateAsync(string email, string[] scopeTexts, string expires, string? name, string? connection,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!ApiScopes.TryParse(scopeTexts, out var scopes, out var scopeError))
        {
            await error.WriteLineAsync(scopeError);
            return ExitCodes.BadArguments;
        }
        if (!ApiTokens.TryParseLifetime(expires, out var lifetime, out var lifetimeError))
        {
            await error.WriteLineAsync(lifetimeError);
            return ExitCodes.BadArguments;
        }
        return await WithTokensAsync(connection, error, ct, async tokens =>
        {
            var result = await tokens.CreateAsync(email, name, scopes, lifetime, Actor.CommandLine().Name, ct);
            if (result.Created is not { } created)
            {
                foreach (var message in result.Errors) await error.WriteLineAsync(message);
                return result.Status == ApiTokenStatus.InvalidInput ? ExitCodes.BadArguments : ExitCodes.Failed;
            }
            // The token alone on standard output, for `TOKEN=$(… users token create …)`; the rest is for the person.
            await output.WriteLineAsync(created.Token);
            await error.WriteLineAsync($"Made token {created.Id} \"{created.Summary.Name}\" for {created.Summary.Email} " +
                                       $"({string.Join(", ", created.Summary.Scopes.Select(s => s.ToName()))}), expires {created.Summary.ExpiresAt:yyyy-MM-dd HH:mm}Z. " +
                                       "It is shown only this once: keep it now.");
            return ExitCodes.Ok;
        });
    }

    private static Task<int> ListAsync(string? email, string? connection, TextWriter output, TextWriter error, CancellationToken ct) =>
        WithTokensAsync(connection, error, ct, async tokens =>
        {
            var list = await tokens.ListAsync(email, ct);
            if (list.Count == 0)
            {
                await output.WriteLineAsync(email is null ? "No API tokens." : $"No API tokens for {email.Trim()}.");
                return ExitCodes.Ok;
            }
            var now = DateTimeOffset.UtcNow;
            foreach (var t in list)
                await output.WriteLineAsync(Line(t, now));
            return ExitCodes.Ok;
        });

    /// <summary>One token on one line: id, state, user, name, scopes, expiry and the last use.</summary>
    public static string Line(ApiTokenSummary t, DateTimeOffset now)
    {
        var state = t.StateAt(now) switch
        {
            ApiTokenState.Revoked => $"revoked {Time(t.RevokedAt!.Value)}",
            ApiTokenState.Expired => $"expired {Time(t.ExpiresAt)}",
            _ => $"active, expires {Time(t.ExpiresAt)}",
        };
        var used = t.LastUsedAt is { } at ? $"last used {Time(at)} from {t.LastUsedIp ?? "an unknown address"}" : "never used";
        return string.Create(CultureInfo.InvariantCulture,
            $"{t.Id,5}  {t.Email}  \"{t.Name}\"  {string.Join(",", t.Scopes.Select(s => s.ToName()))}  {state}  {used}  (made {Time(t.CreatedAt)} by {t.CreatedBy})");
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static Task<int> RevokeAsync(long id, string? connection, TextWriter output, TextWriter error, CancellationToken ct) =>
        WithTokensAsync(connection, error, ct, async tokens =>
        {
            var result = await tokens.RevokeAsync(id, Actor.CommandLine().Name, ct);
            if (result.Status == ApiTokenStatus.AlreadyRevoked)
            {
                await output.WriteLineAsync(result.Errors[0]);
                return ExitCodes.Ok;
            }
            if (!result.Succeeded)
            {
                foreach (var message in result.Errors) await error.WriteLineAsync(message);
                return ExitCodes.Failed;
            }
            await output.WriteLineAsync($"Revoked token {id}; its next request fails.");
            return ExitCodes.Ok;
        });

    private static async Task<int> WithTokensAsync(string? connection, TextWriter error, CancellationToken ct, Func<ApiTokens, Task<int>> run)
    {
        await using var context = CliContext.Create();
        try
        {
            var adminConnection = await context.AdminConnectionAsync(connection, ct);
            await AdminDatabaseExtensions.MigrateAdminSchemaAsync(adminConnection, ct);
            await using var services = CliContext.IdentityServices(adminConnection, context.Configuration);
            await using var scope = services.CreateAsyncScope();
            return await run(scope.ServiceProvider.GetRequiredService<ApiTokens>());
        }
        catch (NpgsqlException e)
        {
            await error.WriteLineAsync($"Could not reach or write the database: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (ApiTokenKeyException e)
        {
            await error.WriteLineAsync(e.Message);
            return ExitCodes.Failed;
        }
    }
}
