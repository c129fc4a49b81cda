using Crearis.Backup.Core.Encryption;
using Crearis.Admin.Backups;
using Crearis.Admin.Data;
using Crearis.Admin.Hosting;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Ledger;
using Crearis.Backup.Core.Results;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Crearis.Admin.Operations;

/// <summary>An export to write. <paramref name="Name"/> is what history and audit call the file (default: the path).</summary>
public sealed record ExportRequest(string Path, ExportOptions Options, string? Name = null);

/// <summary>
/// An import (or dry run) of a backup file. <paramref name="Name"/> is what history and audit call the file (default:
/// the path). <paramref name="Wait"/>: how long to wait for another import of the same database (zero: refuse at once).
/// </summary>
public sealed record ImportRequest(string Path, ImportOptions Options, string? Name = null, TimeSpan Wait = default)
{
    /// <summary>Told once, with the holder, when the import has to wait for another one.</summary>
    public Action<ImportLockHolder>? OnWaiting { get; init; }

    /// <summary>What opens an encrypted backup (an age identity or a passphrase); never recorded.</summary>
    public BackupKeys? Keys { get; init; }

    /// <summary>
    /// Keep the run's row journal (every row added, changed, kept, skipped or refused) with its history entry, for the
    /// preview pages and downloads. The web jobs keep one; scripts need not pay for it.
    /// </summary>
    public bool KeepJournal { get; init; }
}

/// <summary>What an export did; <see cref="RunId"/> is its history entry (null when the history could not be written).</summary>
public sealed record ExportOperationResult(ExportResult Result, long? RunId, string? HistoryError);

/// <summary>
/// What an import did. <see cref="Busy"/> is set when another import held the database: then nothing ran, nothing was
/// written, and <see cref="Result"/> is a refusal with the issue code <see cref="IssueCode.ImportRunning"/>.
/// </summary>
public sealed record ImportOperationResult(ImportResult Result, long? RunId, string? HistoryError, ImportLockHolder? Busy)
{
    public bool IsBusy => Busy is not null;
}

/// <summary>
/// The one way every host (web jobs, HTTP API, command line) exports and imports: the import lock, the engine, the
/// history in the admin database and the audit trail. Hosts only parse input and render these results.
/// </summary>
public sealed class BackupOperations(IConfiguration configuration, AuditLog audit, ILogger<BackupOperations> logger)
{
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private bool _schemaReady;

    /// <summary>The content database (<c>ConnectionStrings:Crearis</c>).</summary>
    public string ContentConnection => configuration.GetConnectionString(AppConfiguration.CrearisConnection)
        ?? throw new InvalidOperationException("No content database: ConnectionStrings:Crearis is not set.");

    /// <summary>Where history and audit live: <c>ConnectionStrings:CrearisAdmin</c>, else the content database.</summary>
    public string AdminConnection => AppConfiguration.AdminConnectionString(configuration)
        ?? throw new InvalidOperationException("No admin database: set ConnectionStrings:CrearisAdmin or ConnectionStrings:Crearis.");

    public async Task<ExportOperationResult> ExportAsync(ExportRequest request, Actor actor, IProgress<BackupProgress>? progress,
        CancellationToken ct)
    {
        var name = request.Name ?? request.Path;
        var started = DateTimeOffset.UtcNow;
        var result = await BackupExporter.ExportAsync(ContentConnection, request.Path, request.Options, progress: progress, ct: ct);
        var (runId, historyError) = await RecordAsync(() =>
            RunRecorder.RecordExportAsync(AdminConnection, actor.Name, started, name, request.Options, result, CancellationToken.None));
        await AuditAsync(AuditAction.Export, result.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Failed, actor, name,
            result.Succeeded ? null : string.Join(" ", result.Issues.Select(i => i.Message)));
        return new ExportOperationResult(result, runId, historyError);
    }

    public async Task<ImportOperationResult> ImportAsync(ImportRequest request, Actor actor, IProgress<BackupProgress>? progress,
        CancellationToken ct)
    {
        var name = request.Name ?? request.Path;
        var options = request.Options;
        var action = AuditActions.Of(JobKinds.OfImport(options.DryRun));
        var started = DateTimeOffset.UtcNow;
        // Dry runs too: a dry run writes and rolls back, and two at once would both see the same rows as new.
        await using var importLock = await ImportLock.AcquireAsync(ContentConnection, actor, name, request.Wait, request.OnWaiting, ct);
        if (!importLock.Acquired)
        {
            var holder = importLock.HeldBy!;
            var issue = BackupIssue.Error(IssueCode.ImportRunning,
                $"Another import into this database is running, {holder.Describe()}. Nothing was written.",
                "Wait for it to finish and start again (the command line can wait: --wait SECONDS).");
            await AuditAsync(action, AuditOutcome.Busy, actor, name, issue.Message);
            return new ImportOperationResult(ImportResult.Refused(options, null, [issue]), null, null, holder);
        }

        RunJournal? journal = null;
        if (request.KeepJournal)
        {
            // The journal is written while the import runs, into the admin schema: it must exist before.
            await EnsureAdminSchemaAsync();
            journal = new RunJournal(AdminConnection);
        }
        var result = await BackupImporter.ImportFileAsync(ContentConnection, request.Path, options, progress: progress, ct: ct, keys: request.Keys,
            journal: journal);
        if (ct.IsCancellationRequested)
        {
            // The engine rolled the transaction back; the caller says "cancelled".
            await AuditAsync(action, AuditOutcome.Cancelled, actor, name, null);
            throw new OperationCanceledException(ct);
        }
        var (runId, historyError) = await RecordAsync(() =>
            RunRecorder.RecordImportAsync(AdminConnection, actor.Name, started, name, options, result, CancellationToken.None, journal?.Id));
        await AuditAsync(action, AuditOutcome.Of(result.Outcome), actor, name, null);
        return new ImportOperationResult(result, runId, historyError, null);
    }

    /// <summary>
    /// Undoes an import from its history entry: under the import lock, from the run's journal, in one transaction
    /// (<see cref="ImportUndo"/>). Refused with a typed issue when the run is no import that wrote rows, kept no journal,
    /// was undone already, deleted rows (a journal holds no deleted rows to put back) or when rows changed since.
    /// </summary>
    public async Task<UndoResult> UndoAsync(long runId, Actor actor, CancellationToken ct)
    {
        await EnsureAdminSchemaAsync();
        var options = new DbContextOptionsBuilder<AdminDbContext>().UseAdminDatabase(AdminConnection).Options;
        await using var db = new AdminDbContext(options);
        var run = await db.BackupRuns.FirstOrDefaultAsync(r => r.Id == runId, ct);
        var target = $"run {runId}" + (run is null ? "" : $" ({run.File})");
        if (UndoRefusal(run) is { } why)
        {
            await AuditAsync(AuditAction.Undo, AuditOutcome.Failed, actor, target, why.Message);
            return new UndoResult(UndoOutcome.Refused, new Dictionary<string, UndoCounts>(), [why], TimeSpan.Zero);
        }
        await using var importLock = await ImportLock.AcquireAsync(ContentConnection, actor, target, TimeSpan.Zero, null, ct);
        if (!importLock.Acquired)
        {
            var busy = BackupIssue.Error(IssueCode.ImportRunning, $"An import into this database is running, {importLock.HeldBy!.Describe()}. Nothing was undone.",
                "Wait for it to finish and undo again.");
            await AuditAsync(AuditAction.Undo, AuditOutcome.Busy, actor, target, busy.Message);
            return new UndoResult(UndoOutcome.Refused, new Dictionary<string, UndoCounts>(), [busy], TimeSpan.Zero);
        }
        var result = await ImportUndo.UndoAsync(ContentConnection, JournalOf(run!.Journal!.Value, ct), ct: ct);
        if (result.Succeeded)
        {
            run.UndoneAt = DateTimeOffset.UtcNow;
            run.UndoneBy = actor.Name;
            await db.SaveChangesAsync(CancellationToken.None);
        }
        await AuditAsync(AuditAction.Undo, result.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Failed, actor, target,
            result.Succeeded ? null : string.Join(" ", result.Errors.Take(3).Select(e => e.Message)));
        return result;
    }

    /// <summary>Why a run cannot be undone, or null when it can.</summary>
    public static BackupIssue? UndoRefusal(BackupRun? run)
    {
        string? why = run switch
        {
            null => "There is no such run in the history.",
            { Kind: not JobKind.Import } => "Only an import can be undone; this run wrote nothing.",
            { Outcome: not (nameof(ImportOutcome.Applied) or nameof(ImportOutcome.AppliedWithSkips)) } => "This import wrote nothing (it was rolled back), so there is nothing to undo.",
            { UndoneAt: { } at } => $"This import was undone already, by {run.UndoneBy} at {at:yyyy-MM-dd HH:mm} UTC.",
            { Journal: null } => "This import kept no record of the rows it changed (the safety copy was off, it ran from the command line, or the history let it go).",
            _ when RunDeletedRows(run) => "This import deleted rows, which its record cannot put back.",
            _ => null,
        };
        return why is null ? null : BackupIssue.Error(IssueCode.UndoBlocked, why + " Nothing was undone.", "Restore a backup made before the import instead, or undo by hand.");
    }

    private static bool RunDeletedRows(BackupRun run)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(run.Result);
        return doc.RootElement.TryGetProperty("tables", out var tables) && tables.ValueKind == System.Text.Json.JsonValueKind.Object &&
               tables.EnumerateObject().Any(t => t.Value.TryGetProperty("deleted", out var d) && d.ValueKind == System.Text.Json.JsonValueKind.Number && d.GetInt64() > 0);
    }

    /// <summary>The run's journal rows of inserts and updates, streamed from the admin database.</summary>
    private async IAsyncEnumerable<JournalRow> JournalOf(Guid journal, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(AdminConnection);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"SELECT \"Table\", \"Action\", \"Line\", \"Key\", \"Detail\"::text, \"Target\"::text FROM {AdminDbContext.Schema}.run_rows " +
            "WHERE \"Journal\" = @journal AND \"Action\" IN ('insert', 'update')", conn);
        cmd.Parameters.AddWithValue("journal", journal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            yield return new JournalRow(reader.GetString(0), RowActions.Parse(reader.GetString(1)), reader.GetInt64(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), null, reader.IsDBNull(5) ? null : reader.GetString(5));
    }

    /// <summary>The content database's instance id and its production/development mark.</summary>
    public Task<InstanceInfo> InstanceAsync(CancellationToken ct) => InstanceMarks.ReadAsync(ContentConnection, ct);

    /// <summary>Marks the content database's instance production or development (audited: production refuses scrubbed copies).</summary>
    public async Task<InstanceInfo> MarkInstanceAsync(InstanceMark mark, Actor actor, CancellationToken ct)
    {
        var before = await InstanceMarks.ReadAsync(ContentConnection, ct);
        var after = await InstanceMarks.SetAsync(ContentConnection, mark, ct);
        await AuditAsync(AuditAction.InstanceMark, AuditOutcome.Succeeded, actor, $"instance {after.Id} ({after.Database})",
            $"{before.Mark?.Wire() ?? "unmarked"} → {mark.Wire()}");
        return after;
    }

    /// <summary>Who holds the import lock of the content database now (null: nobody).</summary>
    public Task<ImportLockHolder?> ImportHolderAsync(CancellationToken ct = default) => ImportLock.HolderAsync(ContentConnection, ct);

    private async Task<(long? RunId, string? Error)> RecordAsync(Func<Task<BackupRun>> record)
    {
        try
        {
            await EnsureAdminSchemaAsync();
            return ((await record()).Id, null);
        }
        catch (Exception e) when (e is NpgsqlException or DbUpdateException or InvalidOperationException)
        {
            // The run itself is done; a history that cannot be written must not turn it into a failure.
            logger.LogError(e, "Could not record the run in the history");
            return (null, e.Message);
        }
    }

    private async Task AuditAsync(AuditAction action, AuditOutcome outcome, Actor actor, string target, string? detail)
    {
        try
        {
            await EnsureAdminSchemaAsync();
        }
        catch (Exception e) when (e is NpgsqlException or DbUpdateException or InvalidOperationException)
        {
            logger.LogError(e, "The admin schema is not reachable; the audit entry {Action} may be lost", action.ToName());
        }
        await audit.WriteAsync(action, outcome, actor.Name, actor.IpAddress, target, detail);
    }

    /// <summary>A command may be the first to use the admin database: create its schema once.</summary>
    private async Task EnsureAdminSchemaAsync()
    {
        if (_schemaReady) return;
        await _schemaLock.WaitAsync();
        try
        {
            if (_schemaReady) return;
            await AdminDatabaseExtensions.MigrateAdminSchemaAsync(AdminConnection);
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }
}
