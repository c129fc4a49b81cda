using System.Diagnostics;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// One import run, as a list of phases (each in its own file): <b>preparation</b> (models from the live catalog, checks
/// against the backup, the plan) → <b>staging</b> (every table COPYed into a temporary table and parsed by the server) →
/// per table in plan order: <b>key matching</b> and <b>table writing</b> (ImportSession.Tables.cs), then <b>late
/// seeding</b> of the links that close cycles → <b>derived columns</b> → commit, or rollback for a dry run or a failure.
/// The <b>report</b> (counts, issues, examples) is gathered along the way; <see cref="DatabaseErrors"/> words what the
/// database refused.
/// </summary>
internal sealed partial class ImportSession(
    NpgsqlConnection conn,
    IBackupSource source,
    ImportOptions options,
    BackupProfile profile,
    IProgress<BackupProgress>? progress,
    ILogger log)
{
    private readonly ILogger _log = log;
    private const int ListedPerCode = 50;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<BackupIssue> _errors = [];
    private readonly List<BackupIssue> _warnings = [];
    private readonly Dictionary<string, TableCounts> _counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _missing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _mapped = new(StringComparer.Ordinal);
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private NpgsqlTransaction _tx = null!;
    private IDbContextTransaction _phases = null!;
    private DatabaseCatalog _catalog = null!;
    private ImportPlan _plan = null!;
    private Dictionary<string, TableModel> _models = null!;
    private HashSet<string> _selected = null!;
    private ProgressTracker _tracker = null!;
    private ReferenceSql _refs = null!;
    private bool _skipped;
    private readonly HashSet<string> _keyHints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _carried = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _partlyCarried = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ChangeExample>> _examples = new(StringComparer.Ordinal);
    private const int ExamplesPerTable = 3;
    private DatabaseErrors _describe = null!;
    // Where the run is, so that an abort names the phase, table and column it stopped at.
    private BackupPhase _phase = BackupPhase.Stage;
    private string? _table;
    private string? _column;
    private ImportStop? _stoppedAt;

    public async Task<ImportResult> RunAsync(CancellationToken ct)
    {
        _catalog = await DatabaseCatalog.ReadAsync(conn, ct: ct);
        if (!Prepare()) return Result(ImportOutcome.Refused);
        _describe = new DatabaseErrors(conn, () => _tx?.Connection is null ? null : _tx, t => _models.GetValueOrDefault(t));

        await using var db = ImportDbContext.Over(conn);
        _phases = await db.Database.BeginTransactionAsync(ct);
        _tx = (NpgsqlTransaction)_phases.GetDbTransaction();
        try
        {
            // A normal search_path: the platform's generated columns call functions that read tables unqualified.
            await ExecAsync("SET LOCAL search_path = public", ct);
            // The generated statements are wide (one expression per column and reference); compiling them with JIT
            // costs seconds and gains nothing on tables of this size.
            await ExecAsync("SET LOCAL jit = off", ct);
            var inBackup = _plan.Order.Where(t => source.Summary.Tables.Any(s => s.Table == t.Name)).ToList();
            foreach (var model in inBackup)
            {
                At(BackupPhase.Stage, model.Name);
                await StageAsync(model, ct);
            }

            foreach (var model in _plan.Order)
            {
                At(_selected.Contains(model.Name) ? BackupPhase.Write : BackupPhase.Map, model.Name);
                await _phases.CreateSavepointAsync("phase_" + model.Name, ct);
                await RunTableAsync(model, write: _selected.Contains(model.Name), ct);
                await LateSeedAsync(model, ct);
                await _phases.ReleaseSavepointAsync("phase_" + model.Name, ct);
            }
            At(BackupPhase.Derived, null);
            await RestoreDerivedAsync(ct);

            if (_errors.Count > 0 && !options.ContinueOnError)
            {
                await _phases.RollbackAsync(ct);
                return Result(ImportOutcome.Failed);
            }
            if (options.DryRun)
            {
                await _phases.RollbackAsync(ct);
                return Result(ImportOutcome.DryRun);
            }
            At(BackupPhase.Commit, null);
            await _phases.CommitAsync(ct);
            return Result(_skipped || _errors.Count > 0 ? ImportOutcome.AppliedWithSkips : ImportOutcome.Applied);
        }
        catch (PostgresException e)
        {
            await _phases.RollbackAsync(CancellationToken.None);
            _errors.Add(await _describe.DescribeAsync(e, _phase, _table, _column, ct: CancellationToken.None));
            return Stopped();
        }
        catch (ImportAbortedException)
        {
            await _phases.RollbackAsync(CancellationToken.None);
            return Stopped();
        }
        catch (OperationCanceledException)
        {
            await _phases.RollbackAsync(CancellationToken.None);
            _errors.Add(BackupIssue.Error(IssueCode.Cancelled, "The import was cancelled; everything was rolled back.", phase: _phase, table: _table));
            return Stopped();
        }
    }

    private void At(BackupPhase phase, string? table, string? column = null) => (_phase, _table, _column) = (phase, table, column);

    /// <summary>An aborted run: rolled back, and the result says where it stopped and which tables it never reached.</summary>
    private ImportResult Stopped()
    {
        _stoppedAt = new ImportStop(_phase, _table);
        return Result(ImportOutcome.Failed);
    }

    private ImportResult Result(ImportOutcome outcome)
    {
        var warnings = _warnings.Concat(source.Issues.Where(i => i.Severity == IssueSeverity.Warning)).ToList();
        var errors = _errors.Concat(source.Issues.Where(i => i.Severity == IssueSeverity.Error)).ToList();
        // A failed import wrote nothing; a failed dry run keeps what it would have done, table by table.
        if (outcome is ImportOutcome.Failed or ImportOutcome.Refused && !options.DryRun)
        {
            foreach (var name in _counts.Keys.ToList())
                _counts[name] = _counts[name] with { Inserted = 0, Updated = 0 };
        }
        var notReached = _stoppedAt is null ? [] : _plan?.Order.Select(m => m.Name)
            .Where(t => _selected.Contains(t) && !_counts.ContainsKey(t)).ToList() ?? [];
        return new ImportResult(outcome, options.Mode, options.DryRun, source.Summary.Format, _clock.Elapsed,
            _counts, errors, warnings, _missing) { ChangeExamples = _examples, StoppedAt = _stoppedAt, NotReached = notReached };
    }
}

/// <summary>Thrown inside the session once the reason has been recorded as an issue; ends the run with a rollback.</summary>
internal sealed class ImportAbortedException : Exception;
