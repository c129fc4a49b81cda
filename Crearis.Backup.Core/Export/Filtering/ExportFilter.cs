using System.Globalization;
using System.Text.RegularExpressions;

namespace Crearis.Backup.Core.Export.Filtering;

/// <summary>
/// What a filtered export selects: the projects (by domaincode) and users (by sysmail) named, with what belongs to them
/// along the rules the manifest states, and/or the rows changed since a moment. The selection is then closed over every
/// reference the profile knows, so the file imports into an empty database with nothing unresolved.
/// </summary>
public sealed record ExportFilter(
    IReadOnlyList<string>? Projects = null,
    IReadOnlyList<string>? Users = null,
    ExportSince? Since = null)
{
    public bool IsEmpty => (Projects is null || Projects.Count == 0) && (Users is null || Users.Count == 0) && Since is null;
}

/// <summary>"30d" (days before now) or an ISO date ("2026-01-01", UTC midnight) or date-time; <see cref="Text"/> is what was given.</summary>
public sealed partial record ExportSince(DateTimeOffset At, string Text)
{
    public static bool TryParse(string? text, DateTimeOffset now, out ExportSince? since, out string? error)
    {
        since = null;
        error = null;
        var value = text?.Trim() ?? "";
        if (Days().Match(value) is { Success: true } days)
        {
            if (int.TryParse(days.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 36500)
            {
                since = new ExportSince(now.AddDays(-n), value);
                return true;
            }
        }
        else if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture,
                     DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) && at <= now)
        {
            since = new ExportSince(at, value);
            return true;
        }
        error = $"\"{text}\" is not a moment in the past: give a number of days (30d) or a date (2026-01-01).";
        return false;
    }

    [GeneratedRegex(@"^(\d{1,5})d$")]
    private static partial Regex Days();
}
