using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Planning;

/// <summary>--tables / --exclude against a profile.</summary>
public static class TableSelection
{
    public static HashSet<string> Resolve(BackupProfile profile, IReadOnlyList<string>? tables, IReadOnlyList<string>? exclude,
        List<BackupIssue> issues)
    {
        var known = profile.TableNames.ToHashSet(StringComparer.Ordinal);
        foreach (var name in (tables ?? []).Concat(exclude ?? []).Where(n => !known.Contains(n)))
            issues.Add(BackupIssue.Error(IssueCode.UnknownTable, $"'{name}' is not a table of the {profile.Name} backup profile.",
                $"Use one of: {string.Join(", ", profile.TableNames)}.", name));
        var selected = tables is { Count: > 0 } ? tables.Where(known.Contains).ToHashSet(StringComparer.Ordinal) : new HashSet<string>(known, StringComparer.Ordinal);
        selected.ExceptWith(exclude ?? []);
        return selected;
    }
}
