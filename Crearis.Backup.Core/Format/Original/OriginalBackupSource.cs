using System.Runtime.CompilerServices;
using System.Text.Json;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Original;

/// <summary>
/// An opened original tarball. Rows are read from the checked copy of the file one at a time and converted as they
/// go, so memory does not grow with a table's size; a table's findings (unknown columns, numbers in text columns) are
/// complete once its last row has been read, and are reported once however often it is read.
/// </summary>
internal sealed class OriginalBackupSource : IBackupSource
{
    private readonly OriginalArchive _archive;
    private readonly DatabaseCatalog _catalog;
    private readonly Lock _lock = new();
    private readonly List<BackupIssue> _issues = [];
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private readonly OriginalLinkRecovery _recovery;
    private bool _disposed;

    private OriginalBackupSource(OriginalArchive archive, DatabaseCatalog catalog, OriginalLinkRecovery recovery)
    {
        _archive = archive;
        _catalog = catalog;
        Summary = archive.Summary ?? throw new ArgumentException("Only a verified archive can be opened.", nameof(archive));
        _recovery = recovery;
        _issues.AddRange(_recovery.Issues);
    }

    public static OriginalBackupSource Open(OriginalArchive archive, DatabaseCatalog catalog, CancellationToken ct) =>
        // The links the file implies without carrying them (tag ids, events'/posts' ids, junction rows by natural key).
        new(archive, catalog, OriginalLinkRecovery.Analyze(archive, ct));

    public BackupSummary Summary { get; }

    public IReadOnlyList<BackupIssue> Issues
    {
        get
        {
            lock (_lock) return _issues.ToList();
        }
    }

    public async IAsyncEnumerable<BackupRow> ReadRowsAsync(string table, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        // Reading the spool does not wait on anything; yielding once keeps a caller on a UI thread from converting synchronously.
        await Task.Yield();
        lock (_lock) ObjectDisposedException.ThrowIf(_disposed, this);
        if (_archive.Table(table) is not { } original) yield break;
        if (_catalog.Table(table) is not { } schema)
        {
            Report(table, [BackupIssue.Warning(IssueCode.UnknownTable,
                $"The backup holds {original.RowCount} rows of {table} ({original.File}), but the target database has no such table; they are left out.",
                "If these rows matter, import into a database with the Crearis schema.", table: table)]);
            yield break;
        }
        var converter = new OriginalRowConverter(original, schema, line => _recovery.For(table, line));
        var line = 0L;
        foreach (var bytes in _archive.Rows(original, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            line++;
            using var row = JsonDocument.Parse(bytes);
            yield return new BackupRow(line, converter.ConvertRow(row.RootElement, line));
        }
        Report(table, converter.Issues());
    }

    private void Report(string table, IReadOnlyList<BackupIssue> issues)
    {
        lock (_lock)
        {
            if (_reported.Add(table)) _issues.AddRange(issues);
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed) return ValueTask.CompletedTask;
            _disposed = true;
            _archive.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
