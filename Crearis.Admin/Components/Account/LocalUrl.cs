namespace Crearis.Admin.Components.Account;

/// <summary>
/// Which return URLs stay in this app. A sign-in or sign-out redirects only to a path of this host: "/path" or
/// "~/path", never "//host" or "/\host" (browsers read both as another host), another scheme, or text that is no URL.
/// </summary>
internal static class LocalUrl
{
    public static bool IsLocal(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Any(char.IsControl)) return false;
        var path = url.StartsWith("~/", StringComparison.Ordinal) ? url[1..] : url;
        if (path[0] != '/') return false;
        if (path.Length > 1 && (path[1] == '/' || path[1] == '\\')) return false;
        return Uri.TryCreate(path, UriKind.Relative, out _);
    }
}
