using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Crearis.Admin.Data;
using Crearis.Admin.Operations;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Import;
using Crearis.Backup.Core.Results;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Crearis.Admin.Backups;

/// <summary>What a page sees of a job: its stored state plus the latest progress and, when done, the result.</summary>
public sealed record JobSnapshot(
    Guid Id,
    JobKind Kind,
    JobStatus Status,
    string StartedBy,
    DateTimeOffset CreatedAt,
    string File,
    string? Mode,
    BackupProgress? Progress,
    IReadOnlyList<BackupIssue> Warnings,
    ImportResult? ImportResult,
    ExportResult? ExportResult,
    long? RunId,
    string? Message)
{
    public bool IsActive => Status.IsActive();

    /// <summary>The run's progress as it happened (steps, tables, rate samples), from its start; null while queued.</summary>
    public ProgressLog? Log { get; init; }
}

/// <summary>A job was queued (<see cref="JobId"/>), or refused: <see cref="Refusal"/> says why, <see cref="Issues"/> with typed codes where the request itself was wrong.</summary>
public sealed record JobRequestResult(Guid? JobId, string? Refusal, IReadOnlyList<BackupIssue>? Issues = null);

/// <summary>
/// Runs exports and imports in the background, one at a time, each in its own DI scope and database connections
/// (never a circuit's), through <see cref="BackupOperations"/> like every other host: only one import runs per database
/// at a time (the operation's PostgreSQL advisory lock, respected by other app instances and the command line too);
/// a job that finds the database busy is refused at once, naming who holds it and since when. Pages subscribe to a
/// job's progress; job state is stored, so a reload re-attaches and a restart marks what was running as interrupted.
/// </summary>
public sealed class BackupJobService(
    IServiceScopeFactory scopes,
    BackupOperations operations,
    BackupStorage storage,
    ILogger<BackupJobService> logger) : BackgroundService
{
    private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>();
    private readonly ConcurrentDictionary<Guid, LiveJob> _live = new();
    private readonly ConcurrentDictionary<Guid, ImportOptions> _importOptions = new();
    // Imports an admin started with the safety copy switched off (the default keeps it).
    private readonly ConcurrentDictionary<Guid, bool> _withoutJournal = new();
    private readonly ConcurrentDictionary<Guid, ExportOptions> _exportOptions = new();
    // Typed passphrases of queued imports, in memory only (see StartImportAsync); each is dropped when its job starts.
    private readonly ConcurrentDictionary<Guid, string> _passphrases = new();
    private readonly List<Action<JobSnapshot>> _watchers = [];

    private string ContentConnection => operations.ContentConnection;

    private sealed class LiveJob
    {
        public required JobSnapshot Snapshot;
        public string? IpAddress;
        public readonly List<Action<JobSnapshot>> Subscribers = [];
        public readonly CancellationTokenSource Cancel = new();
        public long LastPublished;
        public int TrailingPublish;
        public readonly object Publishing = new();
    }

    // ---------------------------------------------------------------- requests (from pages and endpoints)

    /// <param name="passphrase">
    /// Opens a passphrase-encrypted backup the configured keys do not: kept in memory for this job only and handed to
    /// the engine with the app's keys; never stored with the job, in the history, the audit trail or a log.
    /// </param>
    /// <param name="keepJournal">
    /// Keep the rows the import changes with its history entry (its safety copy: the preview's rows, and what "Undo this
    /// import" puts back). A dry run always keeps them: they are its preview.
    /// </param>
    public async Task<JobRequestResult> StartImportAsync(string user, string file, ImportOptions options, string? ipAddress = null,
        string? passphrase = null, bool keepJournal = true)
    {
        if (storage.ReadablePathOf(file) is null) return new(null, $"There is no backup named {file}.");
        // A dry run waits in this instance's queue behind a local import; anything the lock of another holder blocks
        // (another instance, the command line) is refused now, naming them.
        var running = options.DryRun ? await RemoteImportAsync() : await RunningImportAsync();
        if (running is not null)
            return new(null, $"An import is running, started by {running.StartedBy} at {running.CreatedAt:yyyy-MM-dd HH:mm} UTC ({running.File}). Wait for it to finish.");
        var job = await CreateAsync(JobKinds.OfImport(options.DryRun), user, file, options.Mode.ToName(), options);
        _live[job.Id].IpAddress = ipAddress;
        _importOptions[job.Id] = options;
        if (!keepJournal && !options.DryRun) _withoutJournal[job.Id] = true;
        if (!string.IsNullOrEmpty(passphrase)) _passphrases[job.Id] = passphrase;
        await _queue.Writer.WriteAsync(job.Id);
        return new(job.Id, null);
    }

    /// <summary>
    /// Starts an export as a page or script asked for it: the base (a file name of the folder, resolved here to its path
    /// and opened with the app's keys), the filter and the scrub key become the engine's options; a request that cannot
    /// be one (bad since, no such base file, scrub without a key) is refused with typed issues and nothing is queued.
    /// </summary>
    public async Task<JobRequestResult> StartExportAsync(string user, ExportSettings settings, string? ipAddress = null)
    {
        var (options, issues) = settings.Resolve(storage, DateTimeOffset.UtcNow);
        if (options is null) return new(null, string.Join(" ", issues.Select(i => i.Message)), issues);
        return await StartExportAsync(user, options, settings, ipAddress);
    }

    /// <summary>The job stores <paramref name="recorded"/> (names only, never a key) as its options.</summary>
    private async Task<JobRequestResult> StartExportAsync(string user, ExportOptions options, ExportSettings recorded, string? ipAddress)
    {
        var job = await CreateAsync(JobKind.Export, user, "", null, recorded);
        _live[job.Id].IpAddress = ipAddress;
        _exportOptions[job.Id] = options;
        await _queue.Writer.WriteAsync(job.Id);
        return new(job.Id, null);
    }

    public bool Cancel(Guid id)
    {
        if (!_live.TryGetValue(id, out var job)) return false;
        job.Cancel.Cancel();
        return true;
    }

    /// <summary>Follows a job: the callback gets the current state at once and then at most ten updates a second.</summary>
    public IDisposable Subscribe(Guid id, Action<JobSnapshot> onChange)
    {
        if (!_live.TryGetValue(id, out var job)) return new Unsubscriber(() => { });
        lock (job.Subscribers) job.Subscribers.Add(onChange);
        onChange(job.Snapshot);
        return new Unsubscriber(() => { lock (job.Subscribers) job.Subscribers.Remove(onChange); });
    }

    /// <summary>Follows every job (the app bar's indicator): the callback gets each job's changes, throttled as <see cref="Subscribe"/>.</summary>
    public IDisposable SubscribeAll(Action<JobSnapshot> onChange)
    {
        lock (_watchers) _watchers.Add(onChange);
        return new Unsubscriber(() => { lock (_watchers) _watchers.Remove(onChange); });
    }

    /// <summary>The jobs running or queued now, oldest first.</summary>
    public IReadOnlyList<JobSnapshot> ActiveJobs() =>
        _live.Values.Select(j => j.Snapshot).Where(s => s.IsActive).OrderBy(s => s.CreatedAt).ToList();

    public JobSnapshot? Live(Guid id) => _live.TryGetValue(id, out var job) ? job.Snapshot : null;

    /// <summary>The job running or queued now, for the dashboard and for re-attaching after a reload.</summary>
    public JobSnapshot? Active() => _live.Values.Select(j => j.Snapshot).Where(s => s.IsActive).OrderBy(s => s.CreatedAt).FirstOrDefault();

    public async Task<JobSnapshot?> RunningImportAsync()
    {
        if (_live.Values.Select(j => j.Snapshot).FirstOrDefault(s => s.IsActive && s.Kind == JobKind.Import) is { } local) return local;
        return await RemoteImportAsync();
    }

    /// <summary>
    /// An import that holds the database's lock outside this instance's queue (another instance, the command line):
    /// PostgreSQL names the holder; an older instance that does not name itself is looked up in the stored jobs.
    /// </summary>
    private async Task<JobSnapshot?> RemoteImportAsync()
    {
        // This instance's own running job holds the lock; the queue runs the next one after it.
        if (_live.Values.Any(j => j.Snapshot.Status == JobStatus.Running && j.Snapshot.Kind.IsImport())) return null;
        var holder = await operations.ImportHolderAsync();
        if (holder is null) return null;
        if (holder.NamedItself && holder.Since is { } since)
            return new JobSnapshot(Guid.Empty, JobKind.Import, JobStatus.Running, holder.Who, since, holder.File ?? "?", null, null, [], null, null, null, null);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
        var stored = await db.BackupJobs.AsNoTracking().Where(j => j.Kind == JobKind.Import && j.Status == JobStatus.Running)
            .OrderByDescending(j => j.CreatedAt).FirstOrDefaultAsync();
        return stored is null
            ? new JobSnapshot(Guid.Empty, JobKind.Import, JobStatus.Running, holder.Who, holder.Since ?? DateTimeOffset.UtcNow, "?", null, null, [], null, null, null, null)
            : ToSnapshot(stored);
    }

    // ---------------------------------------------------------------- the worker

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await MarkInterruptedAsync();
        await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            if (!_live.TryGetValue(id, out var job)) continue;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, job.Cancel.Token);
            try
            {
                if (job.Snapshot.Kind == JobKind.Export) await RunExportAsync(job, linked.Token);
                else await RunImportAsync(job, linked.Token);
            }
            catch (OperationCanceledException) when (job.Cancel.IsCancellationRequested)
            {
                await FinishAsync(job, JobStatus.Cancelled, "Cancelled; the transaction was rolled back and nothing was written.", null, null, null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Backup job {Id} failed", id);
                await FinishAsync(job, JobStatus.Failed, e.Message, null, null, null);
            }
        }
    }

    private async Task RunExportAsync(LiveJob job, CancellationToken ct)
    {
        var options = _exportOptions[job.Snapshot.Id];
        var database = new NpgsqlConnectionStringBuilder(ContentConnection).Database ?? "crearis";
        var path = storage.NewExportPath(database);
        var name = Path.GetFileName(path);
        Update(job, job.Snapshot with { Status = JobStatus.Running, File = name }, persist: true);
        var done = await operations.ExportAsync(new ExportRequest(path, options with { Encryption = storage.Encryption }, name), ActorOf(job), Progress(job), ct);
        var result = done.Result;
        // Verify the new file once now, so the backup manager lists it with its manifest and a green check.
        if (result.Succeeded) await storage.GetAsync(name, verify: true, ct);
        await FinishAsync(job, result.Succeeded ? JobStatus.Succeeded : JobStatus.Failed,
            result.Succeeded ? $"Wrote {name}: {result.TotalRows:N0} rows{Kind(result)}." : string.Join(" ", result.Issues.Select(Refusal)),
            done.RunId, null, result);
    }

    private async Task RunImportAsync(LiveJob job, CancellationToken ct)
    {
        var options = _importOptions[job.Snapshot.Id];
        // Taken out first, so no way out of this job leaves the passphrase behind.
        _passphrases.TryRemove(job.Snapshot.Id, out var passphrase);
        var path = storage.ReadablePathOf(job.Snapshot.File) ?? throw new FileNotFoundException($"The backup {job.Snapshot.File} is gone.");
        Update(job, job.Snapshot with { Status = JobStatus.Running }, persist: true);
        // Web jobs never wait for another import: they are refused at once, naming who holds the database.
        // A cancelled import rolled back inside the engine and comes back as OperationCanceledException.
        var done = await operations.ImportAsync(new ImportRequest(path, options, job.Snapshot.File)
            { Keys = storage.KeysWith(passphrase), KeepJournal = !_withoutJournal.TryRemove(job.Snapshot.Id, out _) }, ActorOf(job), Progress(job), ct);
        if (done.IsBusy)
        {
            await FinishAsync(job, JobStatus.Failed, done.Result.Errors[0].Message, null, done.Result, null);
            return;
        }
        var result = done.Result;
        var status = result.Succeeded ? JobStatus.Succeeded : JobStatus.Failed;
        var message = result.Outcome switch
        {
            ImportOutcome.Applied => "Applied.",
            ImportOutcome.AppliedWithSkips => "Applied; some rows were skipped (see the warnings).",
            ImportOutcome.DryRun => "Dry run finished; nothing was written.",
            ImportOutcome.Refused => "Refused before writing.",
            ImportOutcome.Conflicts => "Stopped on conflicts; nothing was written. Decide them on the Conflicts page.",
            _ => "Failed and rolled back; nothing was written.",
        };
        await FinishAsync(job, status, message, done.RunId, result, null);
    }

    /// <summary>What kind of copy was written, for the job's message: "(differential, filtered)".</summary>
    private static string Kind(ExportResult result)
    {
        var kinds = new List<string>();
        if (result.Manifest?.Differential is not null) kinds.Add("differential");
        if (result.Manifest?.Filter is not null) kinds.Add("filtered");
        if (result.Manifest?.Scrub is not null) kinds.Add("scrubbed");
        return kinds.Count == 0 ? "" : $" ({string.Join(", ", kinds)})";
    }

    /// <summary>An issue as the job's message shows it: the typed code first (BASE_UNKNOWN: …), then what to do.</summary>
    private static string Refusal(BackupIssue issue) =>
        $"{issue.Code}: {issue.Message}{(issue.Suggestion is null ? "" : " " + issue.Suggestion)}";

    private static Actor ActorOf(LiveJob job) => new(job.Snapshot.StartedBy, job.IpAddress);

    private IProgress<BackupProgress> Progress(LiveJob job)
    {
        // Every value the engine reports goes into the log; the pages get the throttled snapshots that carry it.
        var log = ProgressLog.Start(DateTimeOffset.UtcNow);
        job.Snapshot = job.Snapshot with { Log = log };
        return new InlineProgress(p =>
        {
            log = log.Add(p, DateTimeOffset.UtcNow);
            var warnings = job.Snapshot.Warnings;
            Update(job, job.Snapshot with { Progress = p, Warnings = warnings, Log = log }, persist: false);
        });
    }

    // ---------------------------------------------------------------- state

    private async Task<JobSnapshot> CreateAsync(JobKind kind, string user, string file, string? mode, object options)
    {
        var job = new BackupJob
        {
            Id = Guid.NewGuid(), Kind = kind, Status = JobStatus.Queued, StartedBy = user, CreatedAt = DateTimeOffset.UtcNow,
            File = file, Mode = mode, Options = JsonSerializer.Serialize(options, ResultJson.Options),
        };
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
            db.BackupJobs.Add(job);
            await db.SaveChangesAsync();
        }
        var snapshot = ToSnapshot(job);
        _live[job.Id] = new LiveJob { Snapshot = snapshot };
        return snapshot;
    }

    private static JobSnapshot ToSnapshot(BackupJob job) => new(job.Id, job.Kind, job.Status, job.StartedBy, job.CreatedAt,
        job.File, job.Mode, null, [], null, null, job.RunId, job.Message);

    private void Update(LiveJob job, JobSnapshot snapshot, bool persist)
    {
        var previous = job.Snapshot;
        job.Snapshot = snapshot;
        // Throttled: at most ten progress updates a second reach the pages, but every change of state does (the last
        // one must never be swallowed, or a page would wait for an outcome it was never sent).
        var stateChanged = previous.Status != snapshot.Status || previous.Message != snapshot.Message || previous.RunId != snapshot.RunId;
        var now = Environment.TickCount64;
        if (!persist && !stateChanged && now - Interlocked.Read(ref job.LastPublished) < 100)
        {
            // The latest value still reaches the pages once the 100 ms are up, even if the engine then goes quiet for
            // long (a big table's write): a page must not show a table as waiting while it is being written.
            if (Interlocked.Exchange(ref job.TrailingPublish, 1) == 0)
                _ = Task.Delay(100).ContinueWith(_ =>
                {
                    Interlocked.Exchange(ref job.TrailingPublish, 0);
                    Publish(job);
                }, TaskScheduler.Default);
            return;
        }
        Publish(job);
        if (persist) _ = PersistAsync(snapshot);
    }

    /// <summary>Sends the job's newest snapshot; one at a time, so that no page gets an older state after a newer one.</summary>
    private void Publish(LiveJob job)
    {
        lock (job.Publishing)
        {
            var snapshot = job.Snapshot;
            Interlocked.Exchange(ref job.LastPublished, Environment.TickCount64);
            Action<JobSnapshot>[] subscribers;
            lock (job.Subscribers) subscribers = [.. job.Subscribers];
            lock (_watchers) subscribers = [.. subscribers, .. _watchers];
            foreach (var subscriber in subscribers)
            {
                try { subscriber(snapshot); }
                catch (Exception e) { logger.LogWarning(e, "A progress subscriber failed"); }
            }
        }
    }

    private async Task FinishAsync(LiveJob job, JobStatus status, string message, long? runId, ImportResult? import, ExportResult? export)
    {
        var snapshot = job.Snapshot with { Status = status, Message = message, RunId = runId, ImportResult = import, ExportResult = export };
        await PersistAsync(snapshot, finished: true);
        Update(job, snapshot, persist: false);
    }

    private async Task PersistAsync(JobSnapshot snapshot, bool finished = false)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
            var stored = await db.BackupJobs.FindAsync(snapshot.Id);
            if (stored is null) return;
            stored.Status = snapshot.Status;
            stored.File = snapshot.File;
            stored.Message = snapshot.Message;
            stored.RunId = snapshot.RunId;
            stored.Progress = snapshot.Progress is null ? null : JsonSerializer.Serialize(snapshot.Progress, ResultJson.Options);
            if (finished) stored.FinishedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync();
        }
        catch (Exception e) when (e is DbUpdateException or NpgsqlException)
        {
            logger.LogWarning(e, "Could not store the state of job {Id}", snapshot.Id);
        }
    }

    /// <summary>Jobs that were running when the app stopped: PostgreSQL rolled their transactions back.</summary>
    private async Task MarkInterruptedAsync()
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
            await db.BackupJobs.Where(j => j.Status == JobStatus.Running || j.Status == JobStatus.Queued)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, JobStatus.Interrupted)
                    .SetProperty(j => j.FinishedAt, DateTimeOffset.UtcNow)
                    .SetProperty(j => j.Message, "The app stopped while this job ran; PostgreSQL rolled its transaction back, so nothing of it was written."));
        }
        catch (Exception e) when (e is DbUpdateException or NpgsqlException)
        {
            logger.LogWarning(e, "Could not mark interrupted jobs");
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    /// <summary>Reports on the engine's thread (Progress&lt;T&gt; would post to a context the service does not have).</summary>
    private sealed class InlineProgress(Action<BackupProgress> report) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => report(value);
    }
}
