using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Results;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace Crearis.Admin.Components.Pages.Backups;

public partial class BackupsPage
{
    private MudDataGrid<BackupFileInfo>? _grid;
    private string? _search;
    private bool _uploading;
    private UploadProgress? _upload;
    private readonly List<BackupIssue> _uploadErrors = [];
    private string? _uploadRenamed;
    private JobSnapshot? _export;
    private IDisposable? _subscription;

    private async Task<GridData<BackupFileInfo>> LoadAsync(GridState<BackupFileInfo> state, CancellationToken ct)
    {
        var sort = state.SortDefinitions.FirstOrDefault() switch
        {
            { SortBy: "Name", Descending: false } => BackupSort.NameAsc,
            { SortBy: "Name", Descending: true } => BackupSort.NameDesc,
            { SortBy: "Size", Descending: true } => BackupSort.SizeDesc,
            { SortBy: "Size", Descending: false } => BackupSort.SizeAsc,
            { SortBy: "Taken", Descending: false } => BackupSort.CreatedAsc,
            _ => BackupSort.CreatedDesc,
        };
        var page = await Storage.ListAsync(state.Page, state.PageSize, sort, _search, ct);
        return new GridData<BackupFileInfo> { Items = page.Items, TotalItems = page.Total };
    }

    private async Task SearchAsync(string? text)
    {
        _search = text;
        if (_grid is not null) await _grid.ReloadServerData();
    }

    private async Task ExportAsync()
    {
        var settings = await ExportDialog.ShowAsync(Dialogs);
        if (settings is null) return;
        var (user, _) = await Current.GetAsync();
        var started = await Jobs.StartExportAsync(user, settings);
        if (started.JobId is not { } id)
        {
            Snackbar.Add($"Not exported: {started.Refusal}", Severity.Error);
            return;
        }
        _subscription?.Dispose();
        _subscription = Jobs.Subscribe(id, snapshot => _ = InvokeAsync(async () =>
        {
            var finished = _export is { IsActive: true } && !snapshot.IsActive;
            _export = snapshot;
            if (finished && _grid is not null) await _grid.ReloadServerData();
            StateHasChanged();
        }));
    }

    private async Task UploadAsync(IBrowserFile? file)
    {
        if (file is null) return;
        _uploadErrors.Clear();
        _uploadRenamed = null;
        _uploading = true;
        _upload = new UploadProgress(file.Name, file.Size, 0);
        var (user, _) = await Current.GetAsync();
        try
        {
            // Reported while the browser sends the file: a large upload takes minutes, and a button reading
            // "Uploading…" alone does not say whether it moves.
            await using var stream = new UploadProgressStream(file.OpenReadStream(Storage.MaxUploadBytes),
                read => _ = InvokeAsync(() =>
                {
                    if (_upload is null) return;
                    _upload = _upload with { Received = read };
                    StateHasChanged();
                }), UploadReportEvery);
            var (saved, issues) = await Storage.SaveUploadAsync(file.Name, stream);
            await Audit.WriteAsync(AuditAction.Upload, saved is null ? AuditOutcome.Rejected : AuditOutcome.Succeeded, user, null, saved?.Name ?? file.Name,
                saved is null ? string.Join(" ", issues.Select(i => i.Code)) : null);
            if (saved is null) _uploadErrors.AddRange(issues);
            else
            {
                Snackbar.Add($"Uploaded and verified {saved.Name}.", Severity.Success);
                // The folder keeps plain, bounded names only: a note that stays says which name the file now has.
                if (saved.Name != file.Name)
                    _uploadRenamed = $"{file.Name} is kept as {saved.Name}: names in the backup folder are unique and keep " +
                                     $"letters, digits, '.', '_' and '-', up to {BackupStorage.MaxUploadStem} characters before the extension.";
            }
        }
        catch (IOException e)
        {
            _uploadErrors.Add(BackupIssue.Error(IssueCode.UploadFailed, $"{file.Name} could not be received: {e.Message}", "Try again; check the size limit."));
        }
        finally
        {
            _uploading = false;
            _upload = null;
        }
        if (_grid is not null) await _grid.ReloadServerData();
    }

    /// <summary>How often the upload's progress is re-rendered at most.</summary>
    private static readonly TimeSpan UploadReportEvery = TimeSpan.FromMilliseconds(150);

    /// <summary>An upload under way: what, how large, how much the server has received.</summary>
    private sealed record UploadProgress(string Name, long Size, long Received)
    {
        public double Percent => Size > 0 ? Math.Min(100, 100.0 * Received / Size) : 0;

        /// <summary>Everything is here: the file is being checked before it is kept.</summary>
        public bool Verifying => Received >= Size;
    }

    private async Task InspectAsync(BackupFileInfo item)
    {
        var verified = await Storage.GetAsync(item.Name, verify: true) ?? item;
        await BackupInspectDialog.ShowAsync(Dialogs, verified);
        if (_grid is not null) await _grid.ReloadServerData();
    }

    private async Task VerifyAsync(BackupFileInfo item)
    {
        var verified = await Storage.GetAsync(item.Name, verify: true);
        if (verified?.Verified == true) Snackbar.Add($"{item.Name}: checksums match.", Severity.Success);
        else Snackbar.Add($"{item.Name}: {string.Join(" ", verified?.Issues.Select(i => i.Message) ?? ["not found"])}", Severity.Error);
        if (_grid is not null) await _grid.ReloadServerData();
    }

    private async Task DeleteAsync(BackupFileInfo item)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete backup",
            $"Delete {item.Name} ({FormatSize(item.Size)})? The file is removed from the backup folder; this cannot be undone.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true) return;
        var (user, isAdmin) = await Current.GetAsync();
        if (!isAdmin)
        {
            Snackbar.Add("Only admins may delete backups.", Severity.Error);
            return;
        }
        var deleted = Storage.Delete(item.Name);
        await Audit.WriteAsync(AuditAction.Delete, deleted ? AuditOutcome.Succeeded : AuditOutcome.NotFound, user, null, item.Name);
        if (_grid is not null) await _grid.ReloadServerData();
    }

    private static double ProgressPercent(JobSnapshot job) =>
        job.Progress is { OverallTotal: > 0 } p ? 100.0 * p.OverallDone / p.OverallTotal : 0;

    internal static string FormatName(BackupFormat? format) => format switch
    {
        BackupFormat.Crearis => "v2 (ours)",
        BackupFormat.Original => "v1 (original)",
        _ => "unknown",
    };

    internal static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F1} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:F0} KiB",
        _ => $"{bytes} B",
    };

    public void Dispose() => _subscription?.Dispose();
}
