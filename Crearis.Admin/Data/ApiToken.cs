namespace Crearis.Admin.Data;

/// <summary>
/// An API token of a user, for scripts. Only a keyed hash of the token is kept (<see cref="Hash"/>): the token itself is
/// shown once when it is made and is nowhere else, not in this table, not in a log.
/// </summary>
public sealed class ApiToken
{
    public long Id { get; set; }

    /// <summary>The user the token acts for; their current role still limits it. Deleting the user deletes the token.</summary>
    public string UserId { get; set; } = "";

    public ApplicationUser? User { get; set; }

    /// <summary>What the token is for, as the admin named it ("nightly export").</summary>
    public string Name { get; set; } = "";

    /// <summary>HMAC-SHA256 of the token under the server's token key (32 bytes); what a presented token is looked up by.</summary>
    public byte[] Hash { get; set; } = [];

    public ApiScope[] Scopes { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Who made it: an admin's e-mail, or <c>cli:&lt;os user&gt;</c>.</summary>
    public string CreatedBy { get; set; } = "";

    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public string? LastUsedIp { get; set; }
}

/// <summary>What a token may be used for. A signed-in person is not limited by scopes, only by their role.</summary>
public enum ApiScope
{
    /// <summary>List and look at backups, the database, jobs; download (Admins).</summary>
    BackupsRead,

    /// <summary>Start exports.</summary>
    Export,

    /// <summary>Upload backups and start imports and dry runs.</summary>
    Import,

    /// <summary>Add users.</summary>
    UsersAdmin,
}

/// <summary>The names of <see cref="ApiScope"/>: on the command line (<c>--scope backups:read,export</c>), stored in
/// <c>api_tokens.scopes</c> (space-separated) and in the OpenAPI document.</summary>
public static class ApiScopes
{
    public static readonly Vocabulary<ApiScope> Vocabulary = new(
        (ApiScope.BackupsRead, "backups:read"),
        (ApiScope.Export, "export"),
        (ApiScope.Import, "import"),
        (ApiScope.UsersAdmin, "users:admin"));

    public static string ToName(this ApiScope scope) => Vocabulary.Name(scope);

    /// <summary>Stored form: the names, space-separated, in the vocabulary's order.</summary>
    public static string Store(IEnumerable<ApiScope> scopes) =>
        string.Join(' ', scopes.Distinct().Order().Select(s => s.ToName()));

    public static ApiScope[] Load(string stored) =>
        [.. stored.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Vocabulary.Parse)];

    /// <summary>
    /// Reads "backups:read,export" (commas or spaces, any number of arguments). An empty list or an unknown name is an
    /// error naming what is allowed.
    /// </summary>
    public static bool TryParse(IEnumerable<string> texts, out ApiScope[] scopes, out string? error)
    {
        var parsed = new List<ApiScope>();
        foreach (var name in texts.SelectMany(t => t.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!Vocabulary.TryParse(name.ToLowerInvariant(), out var scope))
            {
                scopes = [];
                error = $"Unknown scope '{name}'. Use one or more of: {string.Join(", ", Vocabulary.Names)}.";
                return false;
            }
            parsed.Add(scope);
        }
        scopes = [.. parsed.Distinct().Order()];
        error = scopes.Length == 0 ? $"Give at least one scope: {string.Join(", ", Vocabulary.Names)}." : null;
        return error is null;
    }
}
