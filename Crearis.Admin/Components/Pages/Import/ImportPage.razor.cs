using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Backup.Core.Import;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Crearis.Admin.Components.Pages.Import;

public partial class ImportPage
{
    [SupplyParameterFromQuery(Name = "backup")] public string? Backup { get; set; }

    private BackupFileInfo? _selected;
    private JobSnapshot? _job;
    private IDisposable? _subscription;
    private bool _loading;
    private string? _refusal;
    private ConflictStrictness _strictness = ConflictStrictness.Cell;
    private bool _applyDeletes;

    protected override async Task OnInitializedAsync()
    {
        // A running import or dry run (started here, in another tab or by another admin) is followed again.
        if (Jobs.Active() is { Kind: JobKind.Import or JobKind.DryRun } active)
        {
            Backup = active.File;
            Follow(active.Id);
        }
        if (Backup is not null) await SelectAsync(Backup);
    }

    private async Task SelectAsync(string? name)
    {
        Backup = name;
        _refusal = null;
        if (name is null) return;
        _loading = true;
        _selected = await Storage.GetAsync(name, verify: true);
        _loading = false;
        if (_selected is null) _refusal = $"There is no backup named {name}.";
    }

    private async Task DryRunAsync()
    {
        if (Backup is null) return;
        var (user, _) = await Current.GetAsync();
        var started = await Jobs.StartImportAsync(user, Backup, new ImportOptions(ImportMode.Merge, DryRun: true, Conflicts: _strictness, ApplyDeletes: _applyDeletes));
        if (started.JobId is { } id) Follow(id);
        _refusal = started.Refusal;
    }

    private async Task ImportAsync(ImportMode mode)
    {
        if (Backup is null || _job?.ImportResult is not { } preview) return;
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            mode.Label(), Confirmation(mode, preview), yesText: mode.Label(), cancelText: "Cancel");
        if (confirmed != true) return;
        var (user, isAdmin) = await Current.GetAsync();
        if (!isAdmin)
        {
            _refusal = "Only admins may import.";
            return;
        }
        var options = mode == ImportMode.Merge ? new ImportOptions(mode, Conflicts: _strictness, ApplyDeletes: _applyDeletes) : new ImportOptions(mode);
        var started = await Jobs.StartImportAsync(user, Backup, options);
        _refusal = started.Refusal;
        if (started.JobId is { } id) Follow(id);
    }

    /// <summary>Restates what the dry run found, in the terms of the chosen mode.</summary>
    private static string Confirmation(ImportMode mode, ImportResult preview)
    {
        var inserted = preview.Tables.Values.Sum(t => t.Inserted);
        var updated = preview.Tables.Values.Sum(t => t.Updated);
        var skipped = preview.Tables.Values.Sum(t => t.Skipped);
        var text = mode == ImportMode.Merge
            ? $"The dry run found {inserted:N0} new rows to insert and {updated:N0} changed rows to update."
            : $"The dry run found {inserted:N0} new rows to insert; {updated:N0} changed rows will be left as they are.";
        if (skipped > 0) text += $" {skipped:N0} rows would be skipped (see the warnings).";
        var deletions = preview.Tables.Values.Sum(t => t.Deleted);
        if (mode == ImportMode.Merge && deletions > 0) text += $" {deletions:N0} rows the backup's instance deleted will be deleted here.";
        if (preview.Errors.Count > 0) text += $" It reported {preview.Errors.Count} errors: the import will fail and roll back.";
        return text + " Everything runs in one transaction. Go ahead?";
    }

    private void Follow(Guid id)
    {
        _subscription?.Dispose();
        _subscription = Jobs.Subscribe(id, snapshot => _ = InvokeAsync(() =>
        {
            _job = snapshot;
            StateHasChanged();
        }));
    }

    private void Cancel()
    {
        if (_job is { } job) Jobs.Cancel(job.Id);
    }

    /// <summary>A merge would stop on them: the conflicts are decided first (a dry run lists them as Taken null).</summary>
    private static bool HasUndecidedConflicts(ImportResult result) =>
        result.Tables.Values.Any(t => t.Conflicts > 0) && (result.Conflicts.Count == 0 || result.Conflicts.Any(c => c.Taken is null));

    private static MudBlazor.Severity OutcomeSeverity(JobSnapshot job) => job.ImportResult?.Outcome switch
    {
        ImportOutcome.Applied or ImportOutcome.DryRun => MudBlazor.Severity.Success,
        ImportOutcome.AppliedWithSkips or ImportOutcome.Conflicts => MudBlazor.Severity.Warning,
        _ => job.Status == JobStatus.Cancelled ? MudBlazor.Severity.Info : MudBlazor.Severity.Error,
    };

    private static string Title(JobSnapshot job) =>
        job.ImportResult?.Outcome == ImportOutcome.Conflicts ? $"{job.Kind.Label()}: {ImportResultView.OutcomeText(ImportOutcome.Conflicts)}." : $"{job.Kind.Label()}:";

    public void Dispose() => _subscription?.Dispose();
}
