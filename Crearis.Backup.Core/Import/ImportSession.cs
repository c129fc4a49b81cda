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
    ILogger log,
    IRowJournal? journal = null)
{
    private readonly ILogger _log = log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ImportReport _report = new();
    // The run's database work: one connection, one transaction, a savepoint per phase.
    private NpgsqlTransaction _tx = null!;
    private IDbContextTransaction _phases = null!;
    private DatabaseErrors _describe = null!;
    // Fixed once prepared: the models, the tables to write, the plan.
    private PreparedImport _prepared = null!;
    private ReferenceSql _refs = null!;
    private ProgressTracker _tracker = null!;
    // Grows as the run goes: what each staged table carries, which tables have id maps and which are written.
    private readonly Dictionary<string, StagedTable> _staged = new(StringComparer.Ordinal);
    private readonly HashSet<string> _mapped = new(StringComparer.Ordinal);
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    // Where the run is, so that an abort names the phase, table and column it stopped at.
    private ImportPosition _at = new(BackupPhase.Validate, null, null);
    private ImportStop? _stoppedAt;
    // A differential the target cannot take (not a merge, or a base it never saw): refused before a row is written.
    private bool _refused;

    public async Task<ImportResult> RunAsync(CancellationToken ct)
    {
        var catalog = await DatabaseCatalog.ReadAsync(conn, ct: ct);
        if (Prepare(catalog) is not { } prepared) return Result(ImportOutcome.Refused);
        _prepared = prepared;
        _refs = new ReferenceSql(t => _mapped.Contains(t), SingleKeyOf,
            t => prepared.Models.TryGetValue(t, out var m) && m.IdColumn is not null && m.Schema.Column(m.IdColumn)!.TypeCategory == 'N');
        _tracker = new ProgressTracker(progress,
            source.Summary.Tables.Where(t => prepared.Models.ContainsKey(t.Table)).Sum(t => t.Rows) * 2);
        _describe = new DatabaseErrors(conn, () => _tx?.Connection is null ? null : _tx, t => _prepared.Models.GetValueOrDefault(t));

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
            await OpenLedgerAsync(ct);
            _report.MergeBase = _base?.Base;
            var inBackup = _prepared.Plan.Order.Where(t => source.Summary.Tables.Any(s => s.Table == t.Name)).ToList();
            foreach (var model in inBackup)
            {
                At(BackupPhase.Stage, model.Name);
                await StageAsync(model, ct);
            }

            foreach (var model in _prepared.Plan.Order)
            {
                At(_prepared.Selected.Contains(model.Name) ? BackupPhase.Write : BackupPhase.Map, model.Name);
                await _phases.CreateSavepointAsync("phase_" + model.Name, ct);
                await RunTableAsync(model, write: _prepared.Selected.Contains(model.Name), ct);
                await LateSeedAsync(model, ct);
                await _phases.ReleaseSavepointAsync("phase_" + model.Name, ct);
            }
            await ApplyDeletionsAsync(ct);
            At(BackupPhase.Derived, null);
            await RestoreDerivedAsync(ct);
            await CloseLedgerAsync(ct);

            if (_report.Undecided > 0)
            {
                var tables = string.Join(", ", _report.Counts.Where(c => c.Value.Conflicts > 0).Select(c => $"{c.Key} {c.Value.Conflicts}"));
                var issue = $"{_report.Undecided} conflict(s) changed on both sides since the merge base are undecided ({tables}).";
                const string what = "Decide each (this database's value, the backup's, or your own), or choose keep-target or take-backup for all, and merge again.";
                if (options.DryRun) _report.Warnings.Add(BackupIssue.Warning(IssueCode.MergeConflict, issue, what));
                else _report.Errors.Add(BackupIssue.Error(IssueCode.MergeConflict, issue, what));
            }
            if (_report.Undecided > 0 && !options.DryRun)
            {
                // Undecided conflicts: nothing is written; the result lists them for the admin to decide.
                await _phases.RollbackAsync(ct);
                return Result(ImportOutcome.Conflicts);
            }
            if (_report.Errors.Count > 0 && !options.ContinueOnError)
            {
                await _phases.RollbackAsync(ct);
                return Result(ImportOutcome.Failed);
            }
            if (options.DryRun)
            {
                await _phases.RollbackAsync(ct);
                return Result(ImportOutcome.DryRun);
            }
            await NoteScrubbedAsync(ct);
            At(BackupPhase.Commit, null);
            await _phases.CommitAsync(ct);
            _tracker.Report(BackupPhase.Commit, null, 0, 0);
            return Result(_report.Skipped || _report.Errors.Count > 0 ? ImportOutcome.AppliedWithSkips : ImportOutcome.Applied);
        }
        catch (PostgresException e)
        {
            await _phases.RollbackAsync(CancellationToken.None);
            _report.Errors.Add(await _describe.DescribeAsync(e, _at.Phase, _at.Table, _at.Column, ct: CancellationToken.None));
            return Stopped();
        }
        catch (BackupFileException e)
        {
            // The file changed or broke after it was verified: the issue names it; nothing stays written.
            await _phases.RollbackAsync(CancellationToken.None);
            _report.Errors.Add(e.Issue with { Phase = _at.Phase, Table = e.Issue.Table ?? _at.Table });
            return Stopped();
        }
        catch (TarGuardException e)
        {
            // The archive's structure broke a limit while rows were read (it changed after verification).
            await _phases.RollbackAsync(CancellationToken.None);
            _report.Errors.Add(BackupIssue.Error(e.Code, $"{e.Message}.", "Nothing was written; keep the file unchanged while it is imported.",
                _at.Table, key: e.Entry, phase: _at.Phase));
            return Stopped();
        }
        catch (ImportAbortedException)
        {
            await _phases.RollbackAsync(CancellationToken.None);
            return _refused ? Result(ImportOutcome.Refused) : Stopped();
        }
        catch (OperationCanceledException)
        {
            await _phases.RollbackAsync(CancellationToken.None);
            _report.Errors.Add(BackupIssue.Error(IssueCode.Cancelled, "The import was cancelled; everything was rolled back.", phase: _at.Phase, table: _at.Table));
            return Stopped();
        }
    }

    private void At(BackupPhase phase, string? table, string? column = null) => _at = new ImportPosition(phase, table, column);

    private StagedTable Staged(string table) => _staged.GetValueOrDefault(table) ?? StagedTable.None;

    /// <summary>An aborted run: rolled back, and the result says where it stopped and which tables it never reached.</summary>
    private ImportResult Stopped()
    {
        _stoppedAt = new ImportStop(_at.Phase, _at.Table);
        return Result(ImportOutcome.Failed);
    }

    private ImportResult Result(ImportOutcome outcome)
    {
        var notReached = _stoppedAt is null || _prepared is null ? [] : _prepared.Plan.Order.Select(m => m.Name)
            .Where(t => _prepared.Selected.Contains(t) && !_report.Counts.ContainsKey(t)).ToList();
        return _report.Build(outcome, options, source, _clock.Elapsed, _stoppedAt, notReached);
    }
}

/// <summary>Where a run is: the phase, and the table and column it works on.</summary>
internal readonly record struct ImportPosition(BackupPhase Phase, string? Table, string? Column);

/// <summary>What one staged table of the backup carries: the columns any row holds, those only some rows hold, and
/// the references some rows name by natural key ("$ref") instead of by id.</summary>
internal sealed record StagedTable(IReadOnlySet<string> Carried, IReadOnlySet<string> PartlyCarried, IReadOnlySet<string> KeyHints)
{
    public static readonly StagedTable None = new(new HashSet<string>(), new HashSet<string>(), new HashSet<string>());
}

/// <summary>Thrown inside the session once the reason has been recorded as an issue; ends the run with a rollback.</summary>
internal sealed class ImportAbortedException : Exception;
