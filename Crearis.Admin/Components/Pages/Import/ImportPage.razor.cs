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
    private BackupRun? _run;
    private bool _safetyCopy = true;
    private ImportChoices _choices = new();
    // What the last dry run ran with: the import after it does the same (only the mode is the button's).
    private ImportChoices? _previewed;
    // Typed for an encrypted backup the app's key does not open; goes with this page's jobs only, never stored.
    private string? _passphrase;

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
        _passphrase = null;
        if (name is null) return;
        _loading = true;
        _selected = await Storage.GetAsync(name, verify: true);
        _loading = false;
        if (_selected is null) _refusal = $"There is no backup named {name}.";
    }

    private void Opened((BackupFileInfo File, string Passphrase) opened) => (_selected, _passphrase) = opened;

    private async Task DryRunAsync()
    {
        if (Backup is null) return;
        var (user, _) = await Current.GetAsync();
        _previewed = _choices;
        var started = await Jobs.StartImportAsync(user, Backup, _choices.ToOptions(dryRun: true), passphrase: _passphrase);
        if (started.JobId is { } id) Follow(id);
        _refusal = started.Refusal;
    }

    private async Task ImportAsync(ImportMode mode)
    {
        if (Backup is null || _job?.ImportResult is not { } preview) return;
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            $"{mode.Label()} into {Database.TargetName()}", Confirmation(mode, preview, Database.TargetName()) + (_safetyCopy
                ? " A safety copy of the rows it changes is kept: it can be undone from its history entry."
                : " No safety copy is kept: it cannot be undone from the history."), yesText: mode.Label(), cancelText: "Cancel");
        if (confirmed != true) return;
        var (user, isAdmin) = await Current.GetAsync();
        if (!isAdmin)
        {
            _refusal = "Only admins may import.";
            return;
        }
        var options = ((_previewed ?? _choices) with { Mode = mode }).ToOptions(dryRun: false);
        var started = await Jobs.StartImportAsync(user, Backup, options, passphrase: _passphrase, keepJournal: _safetyCopy);
        _refusal = started.Refusal;
        if (started.JobId is { } id) Follow(id);
    }

    /// <summary>What a button after the dry run will do, in numbers the dry run found.</summary>
    internal static string ButtonWords(ImportMode mode, ImportResult preview)
    {
        var inserted = preview.Tables.Values.Sum(t => t.Inserted);
        var updated = preview.Tables.Values.Sum(t => t.Updated);
        var text = mode == ImportMode.Merge
            ? $"Adds {Rows(inserted, "new row")} and writes the changed fields of {Rows(updated, "row")}; rows only here stay."
            : $"Adds {Rows(inserted, "new row")} only; every row already here is left as it is{(updated > 0 ? $", also {Rows(updated, "row")} that differ" : "")}.";
        // The dry run ran in one mode; the other mode's numbers are what that mode did not check.
        return preview.Mode == mode ? text : text + $" (The dry run ran as {preview.Mode.Label()}: run one in this mode for its full list.)";
    }

    /// <summary>"1 new row", "12 new rows".</summary>
    internal static string Rows(long count, string noun) => $"{count:N0} {noun}{(count == 1 ? "" : "s")}";

    /// <summary>Restates what the dry run found, in the terms of the chosen mode, and names the database written to.</summary>
    private static string Confirmation(ImportMode mode, ImportResult preview, string target)
    {
        var inserted = preview.Tables.Values.Sum(t => t.Inserted);
        var updated = preview.Tables.Values.Sum(t => t.Updated);
        var skipped = preview.Tables.Values.Sum(t => t.Skipped);
        var text = mode == ImportMode.Merge
            ? $"The dry run found {Rows(inserted, "new row")} to insert and {Rows(updated, "changed row")} to update."
            : $"The dry run found {Rows(inserted, "new row")} to insert; {Rows(updated, "changed row")} will be left as they are.";
        if (skipped > 0) text += $" {Rows(skipped, "row")} would be skipped (see the warnings).";
        var deletions = preview.Tables.Values.Sum(t => t.Deleted);
        if (mode == ImportMode.Merge && deletions > 0) text += $" {Rows(deletions, "row")} the backup's instance deleted will be deleted here.";
        if (preview.Errors.Count > 0) text += $" It reported {preview.Errors.Count} errors: the import will fail and roll back.";
        return text + $" It writes into {target}, in one transaction. Go ahead?";
    }

    private void Follow(Guid id)
    {
        _subscription?.Dispose();
        _subscription = Jobs.Subscribe(id, snapshot => _ = InvokeAsync(async () =>
        {
            _job = snapshot;
            StateHasChanged();
            // Once the run is in the history, its row journal can be listed.
            if (!snapshot.IsActive && snapshot.RunId is { } runId && _run?.Id != runId)
            {
                try
                {
                    _run = await History.GetAsync(runId);
                }
                catch (Npgsql.NpgsqlException)
                {
                    _refusal = "The admin database did not answer, so the list of rows cannot be shown; the history has the run.";
                }
                StateHasChanged();
            }
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
