using Crearis.Admin.Operations;
using Npgsql;

namespace Crearis.Admin.Backups;

/// <summary>A row the export filter can name: its natural key (domaincode, sysmail) and what people call it (name, username).</summary>
public sealed record ContentChoice(string Key, string Label)
{
    public override string ToString() => Label.Length == 0 || Label == Key ? Key : $"{Label} ({Key})";
}

/// <summary>
/// Finds projects and users for the export dialog's filter in the content database, as the admin types: the database
/// searches (a platform may have 100k users, so nothing is loaded whole) and answers at most <see cref="Limit"/> rows.
/// Only admins export, so only admins may search: the names are personal data.
/// </summary>
public sealed class ContentSearch(BackupOperations operations, CurrentUser current)
{
    /// <summary>The most rows one search answers; the admin types more to narrow it.</summary>
    public const int Limit = 20;

    /// <summary>Projects whose domaincode or name contains <paramref name="text"/> (any case), those starting with it first.</summary>
    public Task<IReadOnlyList<ContentChoice>> ProjectsAsync(string? text, CancellationToken ct = default) =>
        SearchAsync("domaincode", "name", "projects", text, ct);

    /// <summary>Users whose sysmail or username contains <paramref name="text"/> (any case), those starting with it first.</summary>
    public Task<IReadOnlyList<ContentChoice>> UsersAsync(string? text, CancellationToken ct = default) =>
        SearchAsync("sysmail", "username", "users", text, ct);

    private async Task<IReadOnlyList<ContentChoice>> SearchAsync(string key, string label, string table, string? text, CancellationToken ct)
    {
        var (_, isAdmin) = await current.GetAsync();
        if (!isAdmin) return [];
        var typed = (text ?? "").Trim();
        await using var conn = new NpgsqlConnection(operations.ContentConnection);
        await conn.OpenAsync(ct);
        // Column and table names are this class's own constants; what was typed is a parameter, its LIKE wildcards escaped.
        await using var cmd = new NpgsqlCommand(
            $"SELECT {key}, coalesce({label}, '') FROM public.{table} " +
            $"WHERE {key} ILIKE $1 ESCAPE '\\' OR {label} ILIKE $1 ESCAPE '\\' " +
            $"ORDER BY ({key} ILIKE $2 ESCAPE '\\' OR {label} ILIKE $2 ESCAPE '\\') DESC, {key} LIMIT $3", conn);
        var escaped = typed.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
        cmd.Parameters.AddWithValue($"%{escaped}%");
        cmd.Parameters.AddWithValue($"{escaped}%");
        cmd.Parameters.AddWithValue(Limit);
        var found = new List<ContentChoice>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) found.Add(new ContentChoice(reader.GetString(0), reader.GetString(1)));
        return found;
    }
}
