using Crearis.Admin.Backups;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Crearis.Admin.Components.Pages.Conflicts;

/// <summary>
/// The conflicts of a backup's merge, as its latest dry run found them, per table; the stored decisions of every admin;
/// and "Merge with these decisions", which runs the merge as a job (through the one operation path) once all are decided.
/// </summary>
public partial class ConflictsPage
{
    [SupplyParameterFromQuery(Name = "backup")] public string? Backup { get; set; }

    private ConflictSource? _source;
    private Dictionary<string, IReadOnlyList<Crearis.Backup.Core.Import.MergeConflict>> _byTable = [];
    private IReadOnlyDictionary<ConflictKey, Data.ConflictDecision> _decided = new Dictionary<ConflictKey, Data.ConflictDecision>();
    private IReadOnlyList<(string File, DateTimeOffset At)> _recent = [];
    private bool _loaded, _isAdmin, _applyDeletes;
    private string? _refusal;
    private JobSnapshot? _job;
    private IDisposable? _subscription;

    internal static string Link(string file) => $"conflicts?backup={Uri.EscapeDataString(file)}";

    private int Undecided => _source?.Conflicts.Count(c => !_decided.ContainsKey(ConflictKey.Of(c))) ?? 0;

    protected override async Task OnParametersSetAsync()
    {
        (_, _isAdmin) = await Current.GetAsync();
        if (Backup is null)
        {
            _recent = await Decisions.RecentDryRunsAsync();
            _loaded = true;
            return;
        }
        await LoadSourceAsync();
        _applyDeletes = _source?.ApplyDeletes ?? false;
        await ReloadDecisionsAsync();
        // A merge of this backup running now (started here or by another admin) is followed.
        if (Jobs.Active() is { Kind: Data.JobKind.Import } active && active.File == Backup) Follow(active.Id);
        _loaded = true;
    }

    /// <summary>The conflicts and, once, each table's list of them (the cards page through these same lists).</summary>
    private async Task LoadSourceAsync()
    {
        _source = await Decisions.LoadAsync(Backup!);
        _byTable = _source?.Conflicts.GroupBy(c => c.Table).ToDictionary(g => g.Key, g => (IReadOnlyList<Crearis.Backup.Core.Import.MergeConflict>)g.ToList()) ?? [];
    }

    private async Task ReloadDecisionsAsync()
    {
        if (Backup is not null) _decided = await Decisions.DecisionsAsync(Backup);
    }

    private async Task MergeAsync()
    {
        if (Backup is null || _source is null) return;
        await ReloadDecisionsAsync();
        if (Undecided > 0)
        {
            _refusal = $"{Undecided} conflicts are undecided (another admin may have undone a decision); nothing was started.";
            return;
        }
        var confirmed = await Dialogs.ShowMessageBoxAsync("Merge with these decisions",
            $"The merge writes the backup's changes into this database and decides the {_source.Conflicts.Count} conflicts as chosen here" +
            $"{(_applyDeletes ? "; rows the backup's instance deleted are deleted here too" : "")}. Everything runs in one transaction. Go ahead?",
            yesText: "Merge", cancelText: "Cancel");
        if (confirmed != true) return;
        var started = await Decisions.MergeAsync(Backup, _applyDeletes);
        _refusal = started.Refusal;
        if (started.JobId is { } id) Follow(id);
    }

    private void Follow(Guid id)
    {
        _subscription?.Dispose();
        _subscription = Jobs.Subscribe(id, snapshot => _ = InvokeAsync(async () =>
        {
            var finished = _job?.IsActive == true && !snapshot.IsActive;
            _job = snapshot;
            if (finished && Backup is not null && snapshot.ImportResult?.Succeeded != true)
            {
                // Stopped on conflicts (the databases changed since the dry run) or failed: show what is current.
                await LoadSourceAsync();
                await ReloadDecisionsAsync();
            }
            StateHasChanged();
        }));
    }

    private void Cancel()
    {
        if (_job is { } job) Jobs.Cancel(job.Id);
    }

    public void Dispose() => _subscription?.Dispose();
}
