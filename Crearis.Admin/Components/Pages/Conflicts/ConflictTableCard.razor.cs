using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Backup.Core.Import;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Crearis.Admin.Components.Pages.Conflicts;

/// <summary>
/// One table's conflicts, paged (the list can be long): each side by side — base, this database, the backup — with the
/// differences highlighted, and the choice per field, per column or for the whole table. Every choice is stored at once.
/// </summary>
public partial class ConflictTableCard
{
    [Parameter, EditorRequired] public string File { get; set; } = "";
    [Parameter, EditorRequired] public string Table { get; set; } = "";

    /// <summary>The listed conflicts of this table.</summary>
    [Parameter, EditorRequired] public IReadOnlyList<MergeConflict> Conflicts { get; set; } = [];

    /// <summary>How many the dry run counted (may exceed the listed ones).</summary>
    [Parameter] public long Count { get; set; }

    [Parameter, EditorRequired] public IReadOnlyDictionary<ConflictKey, ConflictDecision> Decided { get; set; } = new Dictionary<ConflictKey, ConflictDecision>();
    [Parameter] public bool CanDecide { get; set; }

    /// <summary>Told after every stored change, so the page reloads the decisions (others' too).</summary>
    [Parameter] public EventCallback OnChanged { get; set; }

    private MudTable<MergeConflict>? _table;
    private readonly Dictionary<ConflictKey, string> _editing = [];
    private List<string> _columns = [];
    private string? _column;
    private bool _onlyUndecided;
    private string? _error;

    private int Listed => Conflicts.Count;
    private int Undecided => Conflicts.Count(c => !Decided.ContainsKey(ConflictKey.Of(c)));

    private IReadOnlyList<MergeConflict>? _shown;

    protected override async Task OnParametersSetAsync()
    {
        _columns = [.. Conflicts.Where(c => c.Column is not null).Select(c => c.Column!).Distinct()];
        if (_column is null || !_columns.Contains(_column)) _column = _columns.FirstOrDefault();
        // A new list (the conflicts were read again): the page shown is read again from it.
        if (_shown is not null && !ReferenceEquals(_shown, Conflicts) && _table is not null) await _table.ReloadServerData();
        _shown = Conflicts;
    }

    private Task<TableData<MergeConflict>> LoadAsync(TableState state, CancellationToken ct)
    {
        var list = _onlyUndecided ? Conflicts.Where(c => !Decided.ContainsKey(ConflictKey.Of(c))).ToList() : Conflicts;
        var page = list.Skip(state.Page * state.PageSize).Take(state.PageSize).ToList();
        return Task.FromResult(new TableData<MergeConflict> { Items = page, TotalItems = list.Count });
    }

    private async Task OnlyUndecidedAsync(bool value)
    {
        _onlyUndecided = value;
        if (_table is not null) await _table.ReloadServerData();
    }

    internal static string Id(MergeConflict c) => $"{c.Table}|{c.Key}|{c.Column}";

    private static IEnumerable<ConflictTake> TakesOf(MergeConflict c) =>
        c.Column is null ? [ConflictTake.Target, ConflictTake.Backup] : [ConflictTake.Target, ConflictTake.Backup, ConflictTake.Value];

    internal static string KindText(ConflictKind kind) => kind switch
    {
        ConflictKind.ChangedHereDeletedThere => "changed here, deleted there",
        ConflictKind.DeletedHereChangedThere => "deleted here, changed there",
        _ => "changed on both sides",
    };

    private async Task ChooseAsync(MergeConflict c, ConflictTake take)
    {
        var key = ConflictKey.Of(c);
        if (take == ConflictTake.Value)
        {
            _editing[key] = Decided.GetValueOrDefault(key)?.Value ?? c.Backup ?? c.Target ?? "";
            return;
        }
        _editing.Remove(key);
        await StoreAsync(() => Decisions.DecideAsync(File, [new DecisionInput(c.Table, c.Key, c.Column, take)]));
    }

    private async Task SaveValueAsync(MergeConflict c)
    {
        var key = ConflictKey.Of(c);
        if (!_editing.TryGetValue(key, out var value)) return;
        if (await StoreAsync(() => Decisions.DecideAsync(File, [new DecisionInput(c.Table, c.Key, c.Column, ConflictTake.Value, value)])))
            _editing.Remove(key);
    }

    private Task ClearAsync(MergeConflict c) => StoreAsync(() => Decisions.ClearAsync(File, c.Table, c.Key, c.Column));

    private Task BulkAsync(string? column, ConflictTake take) => StoreAsync(() => Decisions.DecideAllAsync(File, Table, column, take));

    private async Task<bool> StoreAsync(Func<Task<DecisionResult>> change)
    {
        var result = await change();
        _error = result.Succeeded ? null : result.Message;
        await OnChanged.InvokeAsync();
        if (_onlyUndecided && _table is not null) await _table.ReloadServerData();
        return result.Succeeded;
    }
}
