using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Import;

/// <summary>An import ready to run: the live catalog, the table models, the tables to write, and the plan.</summary>
internal sealed record PreparedImport(
    DatabaseCatalog Catalog,
    IReadOnlyDictionary<string, TableModel> Models,
    IReadOnlySet<string> Selected,
    ImportPlan Plan);

/// <summary>Preparation: the tables to import, their models from the live catalog, the checks against the backup's columns and types, and the plan (order and deferred links).</summary>
internal sealed partial class ImportSession
{
    /// <summary>Null when the request cannot be carried out (the reasons are in the report).</summary>
    private PreparedImport? Prepare(DatabaseCatalog catalog)
    {
        var backupTables = source.Summary.Tables.Select(t => t.Table).ToHashSet(StringComparer.Ordinal);
        var selectionIssues = new List<BackupIssue>();
        var selected = TableSelection.Resolve(profile, options.Tables, options.Exclude, selectionIssues);
        _report.Errors.AddRange(selectionIssues);
        selected.IntersectWith(backupTables);

        var (models, issues) = TableModelBuilder.Build(catalog, profile);
        _report.Errors.AddRange(issues.Where(i => selected.Contains(i.Table ?? "") || i.Table is null));
        if (_report.Errors.Count > 0) return null;
        var byName = models.ToDictionary(m => m.Name, StringComparer.Ordinal);

        // Every table a selected table refers to must be selected too, or be in the backup (TableSelection.Dependencies).
        var dependencies = TableSelection.Dependencies(byName, selected, backupTables, options.WithDependencies);
        selected = dependencies.Selected.ToHashSet(StringComparer.Ordinal);
        if (dependencies.NotInBackup is { Count: > 0 } notInBackup)
        {
            var missing = new SortedSet<string>(notInBackup.Select(n => $"{n.Needs} (referenced by {n.Table})"), StringComparer.Ordinal);
            _report.Errors.Add(BackupIssue.Error(IssueCode.DependencyMissing,
                $"The selected tables refer to tables the backup does not hold: {string.Join(", ", missing)}.",
                "Export those tables too (or the whole profile), or leave out the tables that refer to them.", phase: BackupPhase.Validate));
            return null;
        }

        // The backup's columns must still exist with the same types, or their values would be lost or misread.
        foreach (var table in source.Summary.Tables.Where(t => selected.Contains(t.Table) && t.Columns is not null))
        {
            var schema = byName[table.Table].Schema;
            foreach (var (column, type) in table.Columns!)
            {
                if (schema.Column(column) is not { } live)
                    _report.Errors.Add(BackupIssue.Error(IssueCode.SchemaColumnMissing,
                        $"The backup holds {table.Table}.{column} ({type}), which this database does not have; its values would be lost.",
                        $"Bring the database's schema up to date, or leave {table.Table} out with --exclude.", table.Table, column: column, phase: BackupPhase.Validate));
                else if (!string.Equals(live.Type, type, StringComparison.Ordinal))
                    _report.Errors.Add(BackupIssue.Error(IssueCode.SchemaTypeChanged,
                        $"{table.Table}.{column} is {type} in the backup but {live.Type} in this database.",
                        $"Bring the two schemas to the same version, or leave {table.Table} out with --exclude.", table.Table, column: column, phase: BackupPhase.Validate));
            }
        }
        if (_report.Errors.Count > 0) return null;

        // Tables that are only read (to translate references) must also be in the backup.
        var needed = byName.Values.Where(m => backupTables.Contains(m.Name)).ToList();
        return new PreparedImport(catalog, byName, selected, ImportPlanner.Plan(needed));
    }

    private (string Key, string Id)? SingleKeyOf(string table) =>
        _prepared.Models.TryGetValue(table, out var m) && m.Profile.NaturalKey.Count == 1 && m.IdColumn is not null
            ? (m.Profile.NaturalKey[0].Column, m.IdColumn)
            : null;
}
