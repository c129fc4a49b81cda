using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Planning;

/// <summary>A selected table that refers to a table outside the selection.</summary>
/// <param name="Table">The selected table.</param>
/// <param name="Needs">The table its rows refer to.</param>
/// <param name="InBackup">
/// True: the backup holds <paramref name="Needs"/>, so an import that leaves it out only looks its rows up in the
/// database by natural key (rows whose parent the database lacks fail); false: the backup does not hold it, and the
/// import is refused with <see cref="IssueCode.DependencyMissing"/>.
/// </param>
public sealed record TableNeed(string Table, string Needs, bool InBackup);

/// <summary>
/// The tables an import writes (with the dependencies brought along when asked) and what they still need from outside
/// the selection.
/// </summary>
public sealed record DependencyCheck(IReadOnlySet<string> Selected, IReadOnlyList<TableNeed> Needs)
{
    /// <summary>Needs the backup cannot meet: the import is refused.</summary>
    public IReadOnlyList<TableNeed> NotInBackup => [.. Needs.Where(n => !n.InBackup)];

    /// <summary>Needs the backup holds but the selection leaves out: only looked up in the database.</summary>
    public IReadOnlyList<TableNeed> NotSelected => [.. Needs.Where(n => n.InBackup)];
}

/// <summary>--tables / --exclude against a profile, and the tables the selected ones depend on.</summary>
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

    /// <summary>
    /// The import's dependency rule, the one place it is written (the import refuses by it; the Import page shows its
    /// answer before a run): every table a selected table refers to — by a reference or by a part of its natural key —
    /// must be selected too, or be in the backup so its rows can be found in the target by natural key; otherwise the
    /// references cannot be translated. With <paramref name="withDependencies"/> the tables the backup holds are
    /// added to the selection (and what they refer to, in turn).
    /// </summary>
    /// <param name="models">The tables as the engine models them (live catalog + profile); tables not modelled are not checked.</param>
    public static DependencyCheck Dependencies(IReadOnlyDictionary<string, TableModel> models, IEnumerable<string> selected,
        IReadOnlySet<string> backupTables, bool withDependencies)
    {
        var chosen = selected.ToHashSet(StringComparer.Ordinal);
        while (true)
        {
            var needs = new List<TableNeed>();
            foreach (var name in chosen.Order(StringComparer.Ordinal))
            {
                if (!models.TryGetValue(name, out var model)) continue;
                var targets = model.References.SelectMany(r => r.TargetTables)
                    .Concat(model.Profile.NaturalKey.Where(k => k.ReferencedTable is not null).Select(k => k.ReferencedTable!));
                foreach (var target in targets.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                {
                    if (chosen.Contains(target) || !models.ContainsKey(target)) continue;
                    needs.Add(new TableNeed(name, target, backupTables.Contains(target)));
                }
            }
            if (withDependencies && needs.Any(n => n.InBackup))
            {
                chosen.UnionWith(needs.Where(n => n.InBackup).Select(n => n.Needs));
                continue;
            }
            return new DependencyCheck(chosen, needs);
        }
    }
}
