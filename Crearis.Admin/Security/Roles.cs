namespace Crearis.Admin.Security;

public static class Roles
{
    /// <summary>May export, import, resolve conflicts and manage users.</summary>
    public const string Admin = "Admin";

    /// <summary>May look at backups and history.</summary>
    public const string Viewer = "Viewer";

    public static IReadOnlyList<string> All { get; } = [Admin, Viewer];

    /// <summary>The role name as we spell it, for input typed in any case; null when unknown.</summary>
    public static string? Normalize(string? role) =>
        All.FirstOrDefault(r => string.Equals(r, role?.Trim(), StringComparison.OrdinalIgnoreCase));
}

public static class Policies
{
    /// <summary>Admin actions: enforced on every endpoint and page that changes something.</summary>
    public const string AdminOnly = "AdminOnly";

    /// <summary>Anything that only reads: Admins and Viewers.</summary>
    public const string SignedIn = "SignedIn";
}
