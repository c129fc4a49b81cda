using System.Data.Common;
using System.Text.Json;
using Crearis.Admin.Data;
using Crearis.Admin.Security;
using Crearis.Backup.Core.Import;
using Microsoft.EntityFrameworkCore;

namespace Crearis.Admin.Backups;

/// <summary>One decision as a page or a bulk action gives it; <see cref="Column"/> null for a row-level conflict.</summary>
public sealed record DecisionInput(string Table, string Key, string? Column, ConflictTake Take, string? Value = null);

public enum DecisionStatus
{
    Done,
    Forbidden,
    Invalid,
    Failed,
}

public sealed record DecisionResult(DecisionStatus Status, string? Message, int Count = 0)
{
    public bool Succeeded => Status == DecisionStatus.Done;
    public static DecisionResult Fail(DecisionStatus status, string message) => new(status, message);
}

/// <summary>
/// The conflicts a merge of one backup has to decide: those the latest merge dry run of the file found (or a merge that
/// stopped on them), read from that run's stored result. <see cref="MergedRunId"/> is set when the file was merged after
/// that: then there is nothing left to decide until the next dry run.
/// </summary>
public sealed record ConflictSource(
    string File,
    long RunId,
    JobKind RunKind,
    DateTimeOffset FoundAt,
    string FoundBy,
    ConflictStrictness Strictness,
    bool ApplyDeletes,
    IReadOnlyList<MergeConflict> Conflicts,
    IReadOnlyDictionary<string, long> CountsPerTable,
    long? MergedRunId)
{
    /// <summary>Tables with conflicts, in the order the run met them.</summary>
    public IReadOnlyList<string> Tables => [.. Conflicts.Select(c => c.Table).Distinct()];

    /// <summary>Conflicts the run counted but did not list (beyond the engine's listing limit): they cannot be decided here.</summary>
    public long Unlisted => Math.Max(0, CountsPerTable.Values.Sum() - Conflicts.Count);
}

/// <summary>The key of a decision and of the conflict it decides.</summary>
public readonly record struct ConflictKey(string Table, string Key, string Column)
{
    public static ConflictKey Of(MergeConflict c) => new(c.Table, c.Key, c.Column ?? "");
    public static ConflictKey Of(ConflictDecision d) => new(d.Table, d.Key, d.Column);
}

/// <summary>
/// The admins' decisions on a backup's merge conflicts, kept in <c>crearis_admin.conflict_decisions</c> so one admin can
/// leave and come back and another sees them; and the merge that uses them. Reading is open to every signed-in user;
/// deciding and merging check on the server that the caller is an active admin and are audited. The merge goes through
/// <see cref="BackupJobService"/> and so the one operation path (lock, verify, engine, history, audit).
/// </summary>
public sealed class ConflictDecisions(
    IDbContextFactory<AdminDbContext> contexts,
    IServiceScopeFactory scopes,
    CurrentUser current,
    AuditLog audit,
    BackupJobService jobs,
    ILogger<ConflictDecisions> logger)
{
    private static readonly string[] Merged = [nameof(ImportOutcome.Applied), nameof(ImportOutcome.AppliedWithSkips)];

    // ---------------------------------------------------------------- reading

    /// <summary>The conflicts to decide for the file; null when no merge dry run of it is in the history.</summary>
    public async Task<ConflictSource?> LoadAsync(string file, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var merge = ImportMode.Merge.ToName();
        var conflictsOutcome = nameof(ImportOutcome.Conflicts);
        var dryRunOutcome = nameof(ImportOutcome.DryRun);
        var run = await db.BackupRuns.AsNoTracking()
            .Where(r => r.File == file && r.Mode == merge &&
                        ((r.Kind == JobKind.DryRun && r.Outcome == dryRunOutcome) ||
                         (r.Kind == JobKind.Import && (r.Outcome == conflictsOutcome || Merged.Contains(r.Outcome)))))
            .OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).FirstOrDefaultAsync(ct);
        if (run is null) return null;
        var (strictness, applyDeletes) = ReadOptions(run.Options);
        if (run.Kind == JobKind.Import && Merged.Contains(run.Outcome))
            return new ConflictSource(file, run.Id, run.Kind, run.StartedAt, run.StartedBy, strictness, applyDeletes, [],
                new Dictionary<string, long>(), run.Id);
        var (conflicts, counts) = ReadConflicts(run.Result);
        return new ConflictSource(file, run.Id, run.Kind, run.StartedAt, run.StartedBy, strictness, applyDeletes, conflicts, counts, null);
    }

    /// <summary>
    /// The decisions stored for the file that are still open: those made after its last applied merge (a merge uses
    /// the decisions up to it; the next round starts afresh).
    /// </summary>
    public async Task<IReadOnlyDictionary<ConflictKey, ConflictDecision>> DecisionsAsync(string file, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var since = await LastMergeAsync(db, file, ct);
        var decisions = await db.ConflictDecisions.AsNoTracking()
            .Where(d => d.File == file && (since == null || d.DecidedAt > since)).ToListAsync(ct);
        return decisions.ToDictionary(ConflictKey.Of);
    }

    /// <summary>Files whose latest merge dry runs are in the history, newest first (for the page without a file chosen).</summary>
    public async Task<IReadOnlyList<(string File, DateTimeOffset At)>> RecentDryRunsAsync(int count = 20, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var merge = ImportMode.Merge.ToName();
        var rows = await db.BackupRuns.AsNoTracking().Where(r => r.Kind == JobKind.DryRun && r.Mode == merge)
            .GroupBy(r => r.File).Select(g => new { File = g.Key, At = g.Max(r => r.StartedAt) })
            .OrderByDescending(g => g.At).Take(count).ToListAsync(ct);
        return [.. rows.Select(r => (r.File, r.At))];
    }

    // ---------------------------------------------------------------- deciding

    /// <summary>Stores decisions (replacing earlier ones for the same conflicts). Admins only; audited.</summary>
    public async Task<DecisionResult> DecideAsync(string file, IReadOnlyList<DecisionInput> decisions)
    {
        foreach (var d in decisions)
        {
            if (string.IsNullOrEmpty(d.Table) || d.Key is null)
                return DecisionResult.Fail(DecisionStatus.Invalid, "A decision must name its table and key.");
            if (d.Take == ConflictTake.Value && d.Column is null)
                return DecisionResult.Fail(DecisionStatus.Invalid, $"{d.Table} {d.Key}: a row-level conflict takes this database's side or the backup's, not a value.");
            if (d.Take == ConflictTake.Value && d.Value is null)
                return DecisionResult.Fail(DecisionStatus.Invalid, $"{d.Table} {d.Key} {d.Column}: an edited value needs a value.");
        }
        return await AsAdminAsync(AuditAction.ConflictDecide, file, async (db, actor) =>
        {
            var now = DateTimeOffset.UtcNow;
            var tables = decisions.Select(d => d.Table).Distinct().ToList();
            var stored = (await db.ConflictDecisions.Where(d => d.File == file && tables.Contains(d.Table)).ToListAsync())
                .ToDictionary(ConflictKey.Of);
            foreach (var d in decisions)
            {
                var key = new ConflictKey(d.Table, d.Key, d.Column ?? "");
                if (!stored.TryGetValue(key, out var row))
                {
                    row = new ConflictDecision { File = file, Table = d.Table, Key = d.Key, Column = d.Column ?? "" };
                    db.ConflictDecisions.Add(row);
                    stored[key] = row;
                }
                row.Take = d.Take;
                row.Value = d.Take == ConflictTake.Value ? d.Value : null;
                row.DecidedBy = actor;
                row.DecidedAt = now;
            }
            await db.SaveChangesAsync();
            return new DecisionResult(DecisionStatus.Done, null, decisions.Count);
        }, Describe(decisions));
    }

    /// <summary>
    /// One side for every listed conflict of a table, or — with <paramref name="column"/> — of that column of the table
    /// (row-level conflicts belong to no column and are left to the table's bulk choice).
    /// </summary>
    public async Task<DecisionResult> DecideAllAsync(string file, string table, string? column, ConflictTake take)
    {
        if (take == ConflictTake.Value)
            return DecisionResult.Fail(DecisionStatus.Invalid, "A bulk choice takes this database's side or the backup's.");
        var source = await LoadAsync(file);
        if (source is null || source.MergedRunId is not null)
            return DecisionResult.Fail(DecisionStatus.Invalid, $"There are no open conflicts for {file}; run a dry run first.");
        var chosen = source.Conflicts.Where(c => c.Table == table && (column is null || c.Column == column))
            .Select(c => new DecisionInput(c.Table, c.Key, c.Column, take)).ToList();
        if (chosen.Count == 0)
            return DecisionResult.Fail(DecisionStatus.Invalid, $"{table}{(column is null ? "" : " " + column)} has no conflicts to decide.");
        return await DecideAsync(file, chosen);
    }

    /// <summary>Removes a decision: the conflict is undecided again. Admins only; audited.</summary>
    public Task<DecisionResult> ClearAsync(string file, string table, string key, string? column) =>
        AsAdminAsync(AuditAction.ConflictDecide, file, async (db, _) =>
        {
            var stored = column ?? "";
            var n = await db.ConflictDecisions.Where(d => d.File == file && d.Table == table && d.Key == key && d.Column == stored).ExecuteDeleteAsync();
            return new DecisionResult(DecisionStatus.Done, null, n);
        }, $"cleared {table} {key}{(column is null ? "" : " " + column)}");

    // ---------------------------------------------------------------- building and merging

    /// <summary>
    /// The resolutions for the engine from the stored decisions: one per listed conflict that has a decision; the
    /// conflicts without one are returned as undecided. Decisions that match no listed conflict are left out.
    /// </summary>
    public static (IReadOnlyList<ConflictResolution> Resolutions, IReadOnlyList<MergeConflict> Undecided) BuildResolutions(
        IReadOnlyList<MergeConflict> conflicts, IReadOnlyDictionary<ConflictKey, ConflictDecision> decisions)
    {
        var resolutions = new List<ConflictResolution>();
        var undecided = new List<MergeConflict>();
        foreach (var c in conflicts)
        {
            if (!decisions.TryGetValue(ConflictKey.Of(c), out var d) || (d.Take == ConflictTake.Value && c.Column is null))
            {
                undecided.Add(c);
                continue;
            }
            resolutions.Add(new ConflictResolution(c.Table, c.Key, c.Column, d.Take, d.Take == ConflictTake.Value ? ValueJson(d.Value ?? "", c) : null));
        }
        return (resolutions, undecided);
    }

    /// <summary>
    /// What the engine writes for a typed value (JSON, as the backup's rows carry it): for a json/jsonb field (its
    /// versions are JSON objects or arrays) the text as JSON when it parses; otherwise the text as a JSON string, which
    /// PostgreSQL reads with the column type's own input (numbers, dates, booleans).
    /// </summary>
    public static JsonElement ValueJson(string value, MergeConflict conflict)
    {
        static bool LooksJson(string? s) => s?.TrimStart() is { Length: > 0 } t && (t[0] == '{' || t[0] == '[');
        if (LooksJson(conflict.Target) || LooksJson(conflict.Backup) || LooksJson(conflict.Base))
        {
            try
            {
                using var doc = JsonDocument.Parse(value);
                return doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON: kept as the text typed.
            }
        }
        return JsonSerializer.SerializeToElement(value);
    }

    /// <summary>
    /// Starts "Merge with these decisions": the merge (not a dry run) with the strictness of the dry run that found the
    /// conflicts and the stored decisions as resolutions, as a job. Refused while a listed conflict is undecided.
    /// </summary>
    public async Task<JobRequestResult> MergeAsync(string file, bool applyDeletes)
    {
        var (user, isAdmin) = await current.GetAsync();
        if (!isAdmin || !await IsActiveAdminAsync(user))
        {
            await audit.WriteAsync(AuditAction.ConflictMerge, AuditOutcome.Forbidden, user, null, file);
            return new(null, "Only admins may merge.");
        }
        var source = await LoadAsync(file);
        if (source is null || source.MergedRunId is not null || source.Conflicts.Count == 0)
            return new(null, $"There are no open conflicts for {file}; run a dry run of it first.");
        if (source.Unlisted > 0)
            return new(null, $"The dry run found more conflicts than it could list ({source.Unlisted:N0} not listed); decide them with a resolutions file on the command line.");
        var (resolutions, undecided) = BuildResolutions(source.Conflicts, await DecisionsAsync(file));
        if (undecided.Count > 0)
        {
            var first = undecided[0];
            return new(null, $"{undecided.Count:N0} of {source.Conflicts.Count:N0} conflicts are undecided (the first: {first.Table} {first.Key}" +
                             $"{(first.Column is null ? "" : " " + first.Column)}). Decide them all before merging; nothing was started.");
        }
        var options = new ImportOptions(ImportMode.Merge, Conflicts: source.Strictness, OnConflict: ConflictPolicy.Fail,
            Resolutions: resolutions, ApplyDeletes: applyDeletes);
        var started = await jobs.StartImportAsync(user, file, options);
        await audit.WriteAsync(AuditAction.ConflictMerge, started.JobId is null ? AuditOutcome.Failed : AuditOutcome.Succeeded, user, null, file,
            started.Refusal ?? $"{resolutions.Count:N0} decisions ({Summary(resolutions.Select(r => r.Take))}), strictness {source.Strictness.ToString().ToLowerInvariant()}" +
            $"{(applyDeletes ? ", apply deletes" : "")}; dry run {source.RunId}");
        return started;
    }

    // ---------------------------------------------------------------- helpers

    private async Task<DecisionResult> AsAdminAsync(AuditAction action, string file, Func<AdminDbContext, string, Task<DecisionResult>> change, string detail)
    {
        var (user, isAdmin) = await current.GetAsync();
        try
        {
            if (!isAdmin || !await IsActiveAdminAsync(user))
            {
                await audit.WriteAsync(action, AuditOutcome.Forbidden, user, null, file, detail);
                return DecisionResult.Fail(DecisionStatus.Forbidden, "Only admins may decide conflicts; your account is no longer an active admin.");
            }
            await using var db = await contexts.CreateDbContextAsync();
            var result = await change(db, user);
            await audit.WriteAsync(action, AuditOutcome.Succeeded, user, null, file, detail);
            return result;
        }
        catch (Exception e) when (e is DbException or DbUpdateException or TimeoutException)
        {
            logger.LogError(e, "Could not store conflict decisions for {File}", file);
            await audit.WriteAsync(action, AuditOutcome.Failed, user, null, file, detail);
            return DecisionResult.Fail(DecisionStatus.Failed, $"Nothing was stored; the database said: {e.Message}");
        }
    }

    private async Task<bool> IsActiveAdminAsync(string user)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserAdministration>().IsActiveAdminAsync(user);
    }

    private static async Task<DateTimeOffset?> LastMergeAsync(AdminDbContext db, string file, CancellationToken ct)
    {
        var merge = ImportMode.Merge.ToName();
        return await db.BackupRuns.AsNoTracking()
            .Where(r => r.File == file && r.Kind == JobKind.Import && r.Mode == merge && Merged.Contains(r.Outcome))
            .MaxAsync(r => (DateTimeOffset?)r.StartedAt, ct);
    }

    private static string Describe(IReadOnlyList<DecisionInput> decisions) =>
        decisions.Count == 1
            ? $"{decisions[0].Table} {decisions[0].Key}{(decisions[0].Column is null ? "" : " " + decisions[0].Column)}: {decisions[0].Take.ToName()}"
            : $"{decisions.Count:N0} decisions in {string.Join(", ", decisions.Select(d => d.Table).Distinct())} ({Summary(decisions.Select(d => d.Take))})";

    private static string Summary(IEnumerable<ConflictTake> takes) =>
        string.Join(", ", takes.GroupBy(t => t).OrderBy(g => g.Key).Select(g => $"{g.Key.ToName()} {g.Count():N0}"));

    private static (ConflictStrictness, bool) ReadOptions(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var strictness = root.TryGetProperty("conflicts", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() == "row"
                ? ConflictStrictness.Row : ConflictStrictness.Cell;
            var applyDeletes = root.TryGetProperty("applyDeletes", out var a) && a.ValueKind == JsonValueKind.True;
            return (strictness, applyDeletes);
        }
        catch (JsonException)
        {
            return (ConflictStrictness.Cell, false);
        }
    }

    /// <summary>Reads the conflicts of a stored result (<see cref="ResultJson.Import"/>) back, with the per-table counts.</summary>
    public static (IReadOnlyList<MergeConflict> Conflicts, IReadOnlyDictionary<string, long> Counts) ReadConflicts(string resultJson)
    {
        using var doc = JsonDocument.Parse(resultJson);
        var root = doc.RootElement;
        var counts = new Dictionary<string, long>();
        if (root.TryGetProperty("tables", out var tables) && tables.ValueKind == JsonValueKind.Object)
            foreach (var t in tables.EnumerateObject())
                if (t.Value.TryGetProperty("conflicts", out var n) && n.ValueKind == JsonValueKind.Number && n.GetInt64() > 0)
                    counts[t.Name] = n.GetInt64();
        var list = new List<MergeConflict>();
        if (root.TryGetProperty("conflicts", out var conflicts) && conflicts.ValueKind == JsonValueKind.Array)
            foreach (var e in conflicts.EnumerateArray())
            {
                string? Text(string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                if (Text("table") is not { } table || Text("key") is not { } key) continue;
                var kind = e.TryGetProperty("kind", out var k) ? k.Deserialize<ConflictKind>() : ConflictKind.BothChanged;
                ConflictTake? taken = Text("taken") is { } t && ConflictTakes.Vocabulary.TryParse(t, out var take) ? take : null;
                list.Add(new MergeConflict(table, key, Text("column"), kind, Text("base"), Text("target"), Text("backup"))
                {
                    Taken = taken, Value = Text("value"),
                });
            }
        return (list, counts);
    }
}
