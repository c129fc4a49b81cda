using Crearis.Admin.Operations;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Admin.Backups;

/// <summary>
/// The engine's table dependency rule (<see cref="TableSelection.Dependencies"/>), answered for the Import page before
/// a run, over the content database's live catalog, the same one the import plans with.
/// </summary>
public sealed class ImportTableCheck(BackupOperations operations)
{
    /// <summary>The content database's tables as the engine models them.</summary>
    public async Task<TableDependencies> LoadAsync(CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(operations.ContentConnection);
        await conn.OpenAsync(ct);
        var catalog = await DatabaseCatalog.ReadAsync(conn, ct: ct);
        var (models, _) = TableModelBuilder.Build(catalog, CrearisProfile.Default);
        return new TableDependencies(models.ToDictionary(m => m.Name, StringComparer.Ordinal));
    }
}

/// <summary>The tables of a database as the engine models them, ready to check a selection against a backup.</summary>
public sealed class TableDependencies(IReadOnlyDictionary<string, TableModel> models)
{
    /// <summary>What the import would write for these choices, and what the chosen tables still need from outside them.</summary>
    public DependencyCheck Check(IEnumerable<string> backupTables, ImportChoices choices)
    {
        var inBackup = backupTables.ToHashSet(StringComparer.Ordinal);
        // As the import selects: the tables named, less those excluded, of those the backup holds.
        var selected = TableSelection.Resolve(CrearisProfile.Default, choices.Tables, choices.Exclude, new List<BackupIssue>());
        selected.IntersectWith(inBackup);
        return TableSelection.Dependencies(models, selected, inBackup, choices.WithDependencies);
    }
}
