using System.Text.Json;
using System.Text.RegularExpressions;

namespace Crearis.Admin.Components.Pages.Conflicts;

/// <summary>How a piece of a compared value relates to the value it is compared with.</summary>
public enum DiffPart
{
    Same,
    Added,
    Removed,
}

/// <summary>One run of text of a word diff.</summary>
public sealed record DiffSegment(DiffPart Part, string Text);

/// <summary>One key of a key-level diff of two JSON objects; <see cref="From"/>/<see cref="To"/> null where the key is absent.</summary>
public sealed record JsonKeyDiff(string Key, string? From, string? To)
{
    public DiffPart Part => From is null ? DiffPart.Added : To is null ? DiffPart.Removed : From == To ? DiffPart.Same : DiffPart.Added;
    public bool Changed => From != To;
}

/// <summary>
/// Shows what differs between two versions of a field: a word-level diff (longest common subsequence of words, spaces
/// and punctuation) for text, a key-level diff for JSON objects.
/// </summary>
public static partial class TextDiff
{
    /// <summary>Above this many token pairs the diff would be slow: the value is then shown as replaced whole.</summary>
    private const long MaxCells = 4_000_000;

    [GeneratedRegex(@"\s+|\w+|[^\w\s]", RegexOptions.CultureInvariant)]
    private static partial Regex Token();

    public static IReadOnlyList<string> Tokens(string text) => [.. Token().Matches(text).Select(m => m.Value)];

    /// <summary>
    /// The segments that turn <paramref name="from"/> into <paramref name="to"/>: words kept, words removed, words added,
    /// in reading order (a removed run before the run that replaces it). Adjacent segments of one kind are joined.
    /// </summary>
    public static IReadOnlyList<DiffSegment> Words(string? from, string? to)
    {
        from ??= "";
        to ??= "";
        if (from == to) return to.Length == 0 ? [] : [new DiffSegment(DiffPart.Same, to)];
        var a = Tokens(from);
        var b = Tokens(to);
        if ((long)a.Count * b.Count > MaxCells)
            return Join([new DiffSegment(DiffPart.Removed, from), new DiffSegment(DiffPart.Added, to)]);
        // lcs[i, j]: the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
            for (var j = b.Count - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var segments = new List<DiffSegment>();
        int x = 0, y = 0;
        while (x < a.Count || y < b.Count)
        {
            if (x < a.Count && y < b.Count && a[x] == b[y])
            {
                segments.Add(new DiffSegment(DiffPart.Same, a[x++]));
                y++;
            }
            else if (y < b.Count && (x == a.Count || lcs[x, y + 1] > lcs[x + 1, y]))
                segments.Add(new DiffSegment(DiffPart.Added, b[y++]));
            else
                segments.Add(new DiffSegment(DiffPart.Removed, a[x++]));
        }
        return Join(segments);
    }

    /// <summary>
    /// What a page shows of <paramref name="to"/> against <paramref name="from"/>: the word diff when the two share most
    /// of their words (a small edit: what went and what came, in place); otherwise the value as replaced whole, since
    /// a few shared words ("in", "a") scattered through a rewrite only make it hard to read.
    /// </summary>
    public static IReadOnlyList<DiffSegment> Display(string? from, string? to)
    {
        var words = Words(from, to);
        static int Letters(string? s) => s?.Count(c => !char.IsWhiteSpace(c)) ?? 0;
        var same = words.Where(w => w.Part == DiffPart.Same).Sum(w => Letters(w.Text));
        var longer = Math.Max(Letters(from), Letters(to));
        if (longer == 0 || same * 2 >= longer) return words;
        return string.IsNullOrEmpty(to) ? [] : [new DiffSegment(DiffPart.Added, to)];
    }

    /// <summary>Joins adjacent runs of one kind.</summary>
    private static IReadOnlyList<DiffSegment> Join(IEnumerable<DiffSegment> segments)
    {
        var joined = new List<DiffSegment>();
        foreach (var s in segments)
        {
            if (s.Text.Length == 0) continue;
            if (joined.Count > 0 && joined[^1].Part == s.Part) joined[^1] = s with { Text = joined[^1].Text + s.Text };
            else joined.Add(s);
        }
        return joined;
    }

    /// <summary>Both versions parse as JSON objects: the key-level diff (every key of either, in the order of <paramref name="to"/>, then removed ones).</summary>
    public static IReadOnlyList<JsonKeyDiff>? JsonKeys(string? from, string? to)
    {
        if (Object(from) is not { } a || Object(to) is not { } b) return null;
        var diff = b.Select(p => new JsonKeyDiff(p.Key, a.GetValueOrDefault(p.Key), p.Value)).ToList();
        diff.AddRange(a.Where(p => !b.ContainsKey(p.Key)).Select(p => new JsonKeyDiff(p.Key, p.Value, null)));
        return diff;
    }

    private static Dictionary<string, string>? Object(string? text)
    {
        if (text?.TrimStart() is not { Length: > 0 } t || t[0] != '{') return null;
        try
        {
            using var doc = JsonDocument.Parse(t);
            var result = new Dictionary<string, string>();
            foreach (var p in doc.RootElement.EnumerateObject()) result[p.Name] = p.Value.GetRawText();
            return result;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
