using System.Text.Json;
using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Backup.Core.Import;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Crearis.Admin.Components.Pages.Import;

public partial class RowPreview
{
    /// <summary>The run (an import or dry run) whose rows are listed; one without a journal shows nothing.</summary>
    [Parameter, EditorRequired] public BackupRun Run { get; set; } = null!;

    private Guid Journal => Run.Journal ?? Guid.Empty;

    private long RunId => Run.Id;

    /// <summary>The rows were written (an import that committed); otherwise they are what it would do, or did before it rolled back.</summary>
    private bool Written => Run.Kind == JobKind.Import && Run.Outcome is nameof(ImportOutcome.Applied) or nameof(ImportOutcome.AppliedWithSkips);

    private bool DryRun => !Written;

    private string Heading => Written ? "Every row, as this import treated it"
        : Run.Kind == JobKind.DryRun ? "Every row, as this dry run would treat it"
        : "Every row it had handled when it stopped — all rolled back, none of them was written";

    private ImportMode Mode => ImportModeNames.TryParse(Run.Mode, out var mode) ? mode : ImportMode.Merge;

    private IReadOnlyList<RunRowCount>? _counts;
    private RowAction _action;
    private string? _table, _key, _error;
    private MudTable<RunRow>? _grid;
    private Guid _loaded;

    protected override async Task OnParametersSetAsync()
    {
        if (_loaded == Journal || Run.Journal is null) return;
        _loaded = Journal;
        try
        {
            _counts = await Rows.CountsAsync(Journal);
            // What the admin most needs to see first: the changes, then what goes wrong, then the additions.
            _action = new[] { RowAction.Update, RowAction.Fail, RowAction.Skip, RowAction.Insert, RowAction.Keep }
                .FirstOrDefault(a => Count(a) > 0, RowAction.Insert);
            _table = null;
            _key = null;
        }
        catch (Npgsql.NpgsqlException)
        {
            _counts = [];
            _error = "The admin database did not answer; the rows cannot be listed now.";
        }
    }

    private int Count(RowAction action) => _counts?.Where(c => c.Action == action).Sum(c => c.Rows) ?? 0;

    private async Task<TableData<RunRow>> LoadAsync(TableState state, CancellationToken ct)
    {
        try
        {
            var page = await Rows.PageAsync(Journal, Filter, state.Page, state.PageSize, ct);
            _error = null;
            return new TableData<RunRow> { Items = page.Items, TotalItems = page.Total };
        }
        catch (Npgsql.NpgsqlException)
        {
            _error = "The admin database did not answer; the rows cannot be listed now.";
            return new TableData<RunRow> { Items = [], TotalItems = 0 };
        }
    }

    private RunRowsFilter Filter => new(_table, _action, _key);

    private Task ActionAsync(RowAction action)
    {
        _action = action;
        _table = null;
        return ReloadAsync();
    }

    private Task TableAsync(string? table)
    {
        _table = table;
        return ReloadAsync();
    }

    private Task KeyAsync(string? key)
    {
        _key = key;
        return ReloadAsync();
    }

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    /// <summary>The download of what is shown (every page of it).</summary>
    private string Download(string format)
    {
        var query = new Dictionary<string, string?> { ["action"] = _action.ToName(), ["table"] = _table, ["key"] = _key };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString($"history/{RunId}/rows.{format}",
            query.Where(q => !string.IsNullOrEmpty(q.Value)));
    }

    /// <summary>An update's changed fields, before (here) → after (what the import writes).</summary>
    internal static IEnumerable<(string Field, string? Before, string? After)> Changes(string? detail)
    {
        if (detail is null) yield break;
        using var doc = JsonDocument.Parse(detail);
        foreach (var field in doc.RootElement.EnumerateObject())
            yield return (field.Name, Text(field.Value[0]), Text(field.Value[1]));
    }

    /// <summary>An insert's values in one line, "column: value", the empty ones left out.</summary>
    internal static string Values(string? detail)
    {
        if (detail is null) return "";
        using var doc = JsonDocument.Parse(detail);
        return string.Join(" · ", doc.RootElement.EnumerateObject()
            .Where(f => f.Value.ValueKind != JsonValueKind.Null)
            .Select(f => $"{f.Name}: {Shorten(f.Value.GetString() ?? "")}"));
    }

    private static string Shorten(string value) => value.Length > 80 ? value[..77] + "…" : value;

    private static string? Text(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetString();

    private static Color ActionColor(RowAction action) => action switch
    {
        RowAction.Insert => Color.Success,
        RowAction.Update => Color.Info,
        RowAction.Skip => Color.Warning,
        RowAction.Fail => Color.Error,
        _ => Color.Default,
    };
}
