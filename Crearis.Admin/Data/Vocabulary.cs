using System.Collections.Frozen;

namespace Crearis.Admin.Data;

/// <summary>
/// The one two-way mapping between the members of a closed set (<typeparamref name="T"/>) and the strings that stand
/// for them in the database, the JSON and on the command line. Every member has exactly one name; a name that is not
/// listed does not parse.
/// </summary>
public sealed class Vocabulary<T> where T : struct, Enum
{
    private readonly FrozenDictionary<T, string> _names;
    private readonly FrozenDictionary<string, T> _members;

    public Vocabulary(params (T Member, string Name)[] entries)
    {
        _names = entries.ToFrozenDictionary(e => e.Member, e => e.Name);
        _members = entries.ToFrozenDictionary(e => e.Name, e => e.Member, StringComparer.Ordinal);
        var missing = Enum.GetValues<T>().Where(m => !_names.ContainsKey(m)).ToList();
        if (missing.Count > 0 || _members.Count != entries.Length)
            throw new ArgumentException($"{typeof(T).Name}: every member needs one distinct name (missing: {string.Join(", ", missing)}).");
        Names = [.. entries.Select(e => e.Name)];
        Members = [.. entries.Select(e => e.Member)];
    }

    /// <summary>The names in the order given.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The members in the order given.</summary>
    public IReadOnlyList<T> Members { get; }

    public string Name(T member) => _names.TryGetValue(member, out var name)
        ? name
        : throw new ArgumentOutOfRangeException(nameof(member), member, $"Not a {typeof(T).Name}.");

    public bool TryParse(string? name, out T member)
    {
        if (name is not null && _members.TryGetValue(name, out member)) return true;
        member = default;
        return false;
    }

    public T Parse(string name) => TryParse(name, out var member)
        ? member
        : throw new FormatException($"'{name}' is not a {typeof(T).Name}; expected one of {string.Join(", ", Names)}.");
}
