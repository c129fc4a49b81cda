using Crearis.Backup.Core.Ledger;
using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// Scrubbed copies: a database that takes one holds pseudonyms from then on, and its own exports say so (the manifest's
/// scrub, derived), so a production database refuses them too. Noted in the run's transaction, just before it commits:
/// a dry run or a failed run leaves no note. (The refusal into production is checked earlier, in BackupImporter, before
/// anything is written.)
/// </summary>
internal sealed partial class ImportSession
{
    private async Task NoteScrubbedAsync(CancellationToken ct)
    {
        if (source.Summary.Scrub is not { } scrub) return;
        await _phases.CreateSavepointAsync("scrubbed", ct);
        try
        {
            await InstanceMarks.NoteScrubbedAsync(conn, _tx, scrub.KeyFingerprint, ct);
            await _phases.ReleaseSavepointAsync("scrubbed", ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ReadOnlySqlTransaction)
        {
            await _phases.RollbackToSavepointAsync("scrubbed", ct);
            _report.Warnings.Add(BackupIssue.Warning(IssueCode.LedgerNotRecorded,
                $"This database took a scrubbed copy, but the sync ledger in {SyncLedger.Schema} cannot note it ({e.MessageText}): its own exports will not say they hold pseudonyms.",
                $"Let the importing role create and write the {SyncLedger.Schema} schema, and never import this database's exports into production."));
        }
    }
}
