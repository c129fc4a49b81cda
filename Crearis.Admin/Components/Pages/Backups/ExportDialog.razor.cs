using System.Globalization;
using Crearis.Admin.Backups;
using Crearis.Admin.Operations;
using Crearis.Backup.Core.Profile;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Npgsql;

namespace Crearis.Admin.Components.Pages.Backups;

/// <summary>
/// "Export now": tables and description, a base for a differential (this database's exports in the backup folder),
/// a filter (projects and users searched in the database as the admin types, changed since), and a scrubbed copy when
/// the app has a scrub key. It answers <see cref="ExportSettings"/> in names only; the job resolves them (paths, keys).
/// </summary>
public partial class ExportDialog
{
    public enum SinceMode { Any, Days, Date }

    /// <summary>The base picker's "no base" entry (a select shows no text for a null value).</summary>
    private const string NoBase = "";

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;
    [Inject] private BackupStorage Storage { get; set; } = default!;
    [Inject] private ContentSearch Search { get; set; } = default!;
    [Inject] private BackupOperations Operations { get; set; } = default!;

    private readonly HashSet<string> _selected = CrearisProfile.Default.TableNames.ToHashSet();
    private string? _description;
    private IReadOnlyList<BaseCandidate>? _candidates;
    private string _base = NoBase;
    private readonly List<ContentChoice> _projects = [];
    private readonly List<ContentChoice> _users = [];
    private MudAutocomplete<ContentChoice>? _projectSearch;
    private MudAutocomplete<ContentChoice>? _userSearch;
    private SinceMode _sinceMode = SinceMode.Any;
    private int _sinceDays = 30;
    private DateTime? _sinceDate;
    private bool _scrub;

    private bool HasScrubKey => Storage.ScrubKey is not null;

    private static readonly int TableCount = CrearisProfile.Default.TableNames.Count();

    private string TablesSummary => _selected.Count == TableCount
        ? $"Tables: all {TableCount} (a full backup)"
        : $"Tables: {_selected.Count} of {TableCount}";

    private bool CanExport => _selected.Count > 0 && !(_sinceMode == SinceMode.Date && _sinceDate is null);

    private bool IsDifferential => _base != NoBase;

    private bool IsFiltered => _projects.Count > 0 || _users.Count > 0 || _sinceMode != SinceMode.Any;

    private string BaseHelp => _candidates switch
    {
        null => "Reading the backup folder…",
        _ when IsFiltered || _scrub => "A filtered or scrubbed export is always taken whole, never against a base.",
        [] => "No export of this database in the backup folder yet: export a full backup first.",
        _ => "Only rows new or changed since the base, and a tombstone per row deleted. The base must be one of this database's last exports.",
    };

    protected override async Task OnInitializedAsync()
    {
        var database = new NpgsqlConnectionStringBuilder(Operations.ContentConnection).Database ?? "";
        _candidates = await Storage.BaseCandidatesAsync(database);
    }

    private static string Describe(BaseCandidate c) =>
        $"{c.Name} · {c.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC · {(c.IsDifferential ? "differential" : "full")} · {c.ContentSha256[..12]}";

    private void Toggle(string table, bool on)
    {
        if (on) _selected.Add(table); else _selected.Remove(table);
    }

    private async Task<IEnumerable<ContentChoice>> SearchProjectsAsync(string? text, CancellationToken ct) =>
        (await Search.ProjectsAsync(text, ct)).Where(c => _projects.All(p => p.Key != c.Key));

    private async Task<IEnumerable<ContentChoice>> SearchUsersAsync(string? text, CancellationToken ct) =>
        (await Search.UsersAsync(text, ct)).Where(c => _users.All(u => u.Key != c.Key));

    private Task AddProjectAsync(ContentChoice? choice) => AddAsync(_projects, _projectSearch, choice);

    private Task AddUserAsync(ContentChoice? choice) => AddAsync(_users, _userSearch, choice);

    /// <summary>A pick becomes a chip and the field is emptied for the next search.</summary>
    private static async Task AddAsync(List<ContentChoice> chosen, MudAutocomplete<ContentChoice>? field, ContentChoice? choice)
    {
        if (choice is null) return;
        if (chosen.All(c => c.Key != choice.Key)) chosen.Add(choice);
        if (field is not null) await field.ClearAsync();
    }

    /// <summary>What the dialog answers: the choices in names only (<see cref="ExportSettings"/>).</summary>
    internal ExportSettings Settings()
    {
        var excluded = CrearisProfile.Default.TableNames.Where(t => !_selected.Contains(t)).ToList();
        return new ExportSettings
        {
            Exclude = excluded.Count > 0 ? excluded : null,
            Description = string.IsNullOrWhiteSpace(_description) ? null : _description.Trim(),
            Base = IsDifferential ? _base : null,
            // A differential is never filtered or scrubbed: what was picked before the base was chosen is dropped.
            Projects = !IsDifferential && _projects.Count > 0 ? [.. _projects.Select(p => p.Key)] : null,
            Users = !IsDifferential && _users.Count > 0 ? [.. _users.Select(u => u.Key)] : null,
            Since = IsDifferential ? null : _sinceMode switch
            {
                SinceMode.Days => $"{_sinceDays.ToString(CultureInfo.InvariantCulture)}d",
                SinceMode.Date when _sinceDate is { } date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                _ => null,
            },
            Scrub = _scrub && HasScrubKey && !IsDifferential,
        };
    }

    private void Submit() => Dialog.Close(DialogResult.Ok(Settings()));

    public static async Task<ExportSettings?> ShowAsync(IDialogService dialogs)
    {
        var dialog = await dialogs.ShowAsync<ExportDialog>("Export now", new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true });
        var result = await dialog.Result;
        return result is { Canceled: false, Data: ExportSettings settings } ? settings : null;
    }
}
