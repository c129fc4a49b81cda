using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Import;

/// <summary>Preparation: the tables to import, their models from the live catalog, the checks against the backup's columns and types, and the plan (order and deferred links).</summary>
internal sealed partial class ImportSession
{
    private bool Prepare()
    {
        var backupTables = source.Summary.Tables.Select(t => t.Table).ToHashSet(StringComparer.Ordinal);
        var selectionIssues = new List<BackupIssue>();
        var selected = TableSelection.Resolve(profile, options.Tables, options.Exclude, selectionIssues);
        _errors.AddRange(selectionIssues);
        selected.IntersectWith(backupTables);

        var (models, issues) = TableModelBuilder.Build(_catalog, profile);
        _errors.AddRange(issues.Where(i => selected.Contains(i.Table ?? "") || i.Table is null));
        if (_errors.Count > 0) return false;
        _models = models.ToDictionary(m => m.Name, StringComparer.Ordinal);

        // Every table a selected table refers to must be selected too, or be in the backup so its rows can be found
        // in the target by natural key; otherwise its references cannot be translated.
        while (true)
        {
            var missing = new SortedSet<string>(StringComparer.Ordinal);
            var addable = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var name in selected)
            {
                foreach (var target in _models[name].References.SelectMany(r => r.TargetTables)
                             .Concat(_models[name].Profile.NaturalKey.Where(k => k.ReferencedTable is not null).Select(k => k.ReferencedTable!)))
                {
                    if (selected.Contains(target) || !_models.ContainsKey(target)) continue;
                    if (backupTables.Contains(target)) addable.Add(target);
                    else missing.Add($"{target} (referenced by {name})");
                }
            }
            if (options.WithDependencies && addable.Count > 0)
            {
                selected.UnionWith(addable);
                continue;
            }
            if (missing.Count > 0)
            {
                _errors.Add(BackupIssue.Error(IssueCode.DependencyMissing,
                    $"The selected tables refer to tables the backup does not hold: {string.Join(", ", missing)}.",
                    "Export those tables too (or the whole profile), or leave out the tables that refer to them.", phase: BackupPhase.Validate));
                return false;
            }
            break;
        }
        _selected = selected;

        // The backup's columns must still exist with the same types, or their values would be lost or misread.
        foreach (var table in source.Summary.Tables.Where(t => selected.Contains(t.Table) && t.Columns is not null))
        {
            var schema = _models[table.Table].Schema;
            foreach (var (column, type) in table.Columns!)
            {
                if (schema.Column(column) is not { } live)
                    _errors.Add(BackupIssue.Error(IssueCode.SchemaColumnMissing,
                        $"The backup holds {table.Table}.{column} ({type}), which this database does not have; its values would be lost.",
                        $"Bring the database's schema up to date, or leave {table.Table} out with --exclude.", table.Table, column: column, phase: BackupPhase.Validate));
                else if (!string.Equals(live.Type, type, StringComparison.Ordinal))
                    _errors.Add(BackupIssue.Error(IssueCode.SchemaTypeChanged,
                        $"{table.Table}.{column} is {type} in the backup but {live.Type} in this database.",
                        $"Bring the two schemas to the same version, or leave {table.Table} out with --exclude.", table.Table, column: column, phase: BackupPhase.Validate));
            }
        }
        if (_errors.Count > 0) return false;

        // Tables that are only read (to translate references) must also be in the backup.
        var needed = _models.Values.Where(m => backupTables.Contains(m.Name)).ToList();
        _plan = ImportPlanner.Plan(needed);
        _refs = new ReferenceSql(t => _mapped.Contains(t), SingleKeyOf,
            t => _models.TryGetValue(t, out var m) && m.IdColumn is not null && m.Schema.Column(m.IdColumn)!.TypeCategory == 'N');
        _tracker = new ProgressTracker(progress,
            source.Summary.Tables.Where(t => _models.ContainsKey(t.Table)).Sum(t => t.Rows) * 2);
        return true;
    }

    private (string Key, string Id)? SingleKeyOf(string table) =>
        _models.TryGetValue(table, out var m) && m.Profile.NaturalKey.Count == 1 && m.IdColumn is not null
            ? (m.Profile.NaturalKey[0].Column, m.IdColumn)
            : null;
}
