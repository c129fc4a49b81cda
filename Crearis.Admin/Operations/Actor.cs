namespace Crearis.Admin.Operations;

/// <summary>Who starts an operation (a signed-in user's name, an API user, or <c>cli:&lt;os user&gt;</c>) and from where.</summary>
public sealed record Actor(string Name, string? IpAddress = null)
{
    /// <summary>The operating-system user running a command.</summary>
    public static Actor CommandLine() => new("cli:" + Environment.UserName);
}
