using Crearis.Admin.Backups;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Planning;
using Microsoft.AspNetCore.Components;
using Npgsql;

namespace Crearis.Admin.Components.Pages.Import;

/// <summary>
/// The choices of an import before its dry run: the mode in plain words, a merge's strictness and deletions, the
/// tables (all, only some or all but some, with the tables they need) and whether refused rows are skipped. What the
/// chosen tables need is the engine's own dependency check, shown as the choices change.
/// </summary>
public partial class ImportOptionsPanel
{
    [Parameter, EditorRequired] public ImportChoices Choices { get; set; } = new();
    [Parameter] public EventCallback<ImportChoices> ChoicesChanged { get; set; }
    [Parameter] public bool Disabled { get; set; }

    /// <summary>The backup's tables (its summary's); null while it is not known, and then no table can be chosen.</summary>
    [Parameter] public IReadOnlyList<string>? BackupTables { get; set; }

    /// <summary>Which tables the chips name: the ones to import, or the ones to leave out.</summary>
    public enum TableScope { All, Only, AllBut }

    private TableScope _scope;
    private TableDependencies? _dependencies;
    private string? _checkError;

    protected override async Task OnInitializedAsync()
    {
        _scope = Choices.Tables.Count > 0 ? TableScope.Only : Choices.Exclude.Count > 0 ? TableScope.AllBut : TableScope.All;
        try
        {
            _dependencies = await TableCheck.LoadAsync();
        }
        catch (NpgsqlException e)
        {
            // The import checks again when it runs; only the answer in advance is missing.
            _checkError = $"What the chosen tables need cannot be checked now ({e.Message}); the dry run will say.";
        }
    }

    /// <summary>The engine's answer for the current choices; null until the tables and this database's are known.</summary>
    private DependencyCheck? Check => _dependencies is not null && BackupTables is { Count: > 0 } tables ? _dependencies.Check(tables, Choices) : null;

    private IReadOnlyCollection<string> Chosen => _scope == TableScope.Only ? Choices.Tables : Choices.Exclude;

    private string Summary
    {
        get
        {
            var tables = _scope switch
            {
                TableScope.Only when Choices.Tables.Count > 0 => $"only {Choices.Tables.Count} tables",
                TableScope.AllBut when Choices.Exclude.Count > 0 => $"all tables but {Choices.Exclude.Count}",
                _ => "all tables",
            };
            if (Choices.WithDependencies && _scope != TableScope.All) tables += " and those they need";
            return tables + (Choices.ContinueOnError ? ", skip refused rows" : ", stop at the first refused row");
        }
    }

    private Task UpdateAsync(ImportChoices next)
    {
        Choices = next;
        return ChoicesChanged.InvokeAsync(next);
    }

    private Task SetModeAsync(ImportMode mode) => UpdateAsync(Choices with { Mode = mode });

    private Task SetScopeAsync(TableScope scope)
    {
        // The chips keep what was chosen when switching between "only" and "all but"; "every table" clears them.
        var chosen = Chosen.ToList();
        _scope = scope;
        return UpdateAsync(scope switch
        {
            TableScope.Only => Choices with { Tables = chosen, Exclude = [] },
            TableScope.AllBut => Choices with { Tables = [], Exclude = chosen },
            _ => Choices with { Tables = [], Exclude = [] },
        });
    }

    private Task SetChosenAsync(IReadOnlyCollection<string>? chosen)
    {
        // In the backup's order, so the choices (and the history's record of them) read the same way each time.
        List<string> ordered = [.. (BackupTables ?? []).Where(t => chosen?.Contains(t) == true)];
        return UpdateAsync(_scope == TableScope.Only ? Choices with { Tables = ordered } : Choices with { Exclude = ordered });
    }

    /// <summary>Needs by the table that has them, in the backup's order.</summary>
    private List<(string Table, List<string> Needs)> Grouped(IReadOnlyList<TableNeed> needs) =>
        [.. needs.GroupBy(n => n.Table).OrderBy(g => Order(g.Key)).Select(g => (g.Key, g.Select(n => n.Needs).OrderBy(Order).ToList()))];

    /// <summary>The tables the engine adds to the chosen ones when asked to bring what they need.</summary>
    private List<string> Brought(DependencyCheck check)
    {
        if (!Choices.WithDependencies || _dependencies is null || BackupTables is null) return [];
        var without = _dependencies.Check(BackupTables, Choices with { WithDependencies = false }).Selected;
        return [.. check.Selected.Where(t => !without.Contains(t)).OrderBy(Order)];
    }

    private int Order(string table) => BackupTables?.ToList().IndexOf(table) ?? 0;

    /// <summary>"projects", "projects and users", "projects, users and events".</summary>
    internal static string Words(IReadOnlyList<string> names) => names.Count switch
    {
        0 => "",
        1 => names[0],
        _ => $"{string.Join(", ", names.Take(names.Count - 1))} and {names[^1]}",
    };
}
