using System.Globalization;

namespace Crearis.Admin.Components.Shared;

/// <summary>
/// How the pages write a moment: always in UTC, and saying so ("2026-12-02 15:52 UTC"). The server renders the pages
/// and does not know the reader's time zone, and the history, the audit trail, the command line and the server logs
/// all count in UTC, so one rule reads the same everywhere.
/// </summary>
public static class Times
{
    /// <summary>To the minute: "2026-12-02 15:52 UTC".</summary>
    public static string Minute(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>To the second: "2026-12-02 15:52:07 UTC".</summary>
    public static string Second(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A column of times says its zone in the header instead, so each cell is the time alone.</summary>
    public static string SecondInColumn(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>To the minute, for a column headed "(UTC)": "2026-12-02 15:52".</summary>
    public static string MinuteInColumn(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The day alone, for a column headed "(UTC)": "2026-12-02".</summary>
    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The time of day alone, for a column headed "(UTC)": "15:52:07".</summary>
    public static string TimeOfDay(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A duration as people say it: "0.2 s", "1 min 05 s", "1 h 02 min".</summary>
    public static string Duration(long milliseconds)
    {
        var t = TimeSpan.FromMilliseconds(milliseconds);
        if (t.TotalSeconds < 60) return t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        if (t.TotalHours < 1) return $"{(int)t.TotalMinutes} min {t.Seconds:00} s";
        return $"{(int)t.TotalHours} h {t.Minutes:00} min";
    }
}
