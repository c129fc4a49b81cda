using Crearis.Admin.Cli;
using Crearis.Admin.Tests.Infrastructure;

namespace Crearis.Admin.Tests.Cli;

public sealed class UsersAddCommandTests(CrearisDatabaseFixture database) : IClassFixture<CrearisDatabaseFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Users_add_creates_an_admin_who_can_then_sign_in_to_the_app()
    {
        var result = await CliRun.RunAsync("users", "add", "--email", "ops@crearis.test", "--role", "Admin",
            "--password", "Ops-Passw0rd!", "--connection", database.ConnectionString);

        result.ExitCode.Should().Be(ExitCodes.Ok, result.Error);
        result.Output.Should().Contain("Added ops@crearis.test as Admin");
        await using var app = new CrearisAppFactory(database.ConnectionString);
        using var client = app.CreateBrowserLikeClient();
        var signIn = await CrearisAppFactory.SignInAsync(client, "ops@crearis.test", "Ops-Passw0rd!");
        signIn.Headers.Location!.ToString().Should().NotContain("Login");
        (await client.GetAsync("/users")).StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
    }

    [Fact]
    public async Task Users_add_refuses_an_unknown_role()
    {
        var result = await CliRun.RunAsync("users", "add", "--email", "x@crearis.test", "--role", "Owner",
            "--password", "Xx-Passw0rd!", "--connection", database.ConnectionString);

        result.ExitCode.Should().Be(ExitCodes.BadArguments);
        result.Error.Should().Contain("Owner");
    }

    [Fact]
    public async Task Users_add_explains_a_weak_password()
    {
        var result = await CliRun.RunAsync("users", "add", "--email", "weak@crearis.test", "--role", "Viewer",
            "--password", "abc", "--connection", database.ConnectionString);

        result.ExitCode.Should().Be(ExitCodes.BadArguments);
        result.Error.Should().Contain("Passwords must be at least");
    }

    [Fact]
    public async Task Users_add_twice_says_the_user_exists()
    {
        string[] args = ["users", "add", "--email", "twice@crearis.test", "--role", "Viewer", "--password", "Twice-Passw0rd!",
            "--connection", database.ConnectionString];
        (await CliRun.RunAsync(args)).ExitCode.Should().Be(ExitCodes.Ok);

        var again = await CliRun.RunAsync(args);

        again.ExitCode.Should().Be(ExitCodes.Failed);
        again.Error.Should().Contain("already exists");
    }
}
