using System.Runtime.CompilerServices;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Original;

/// <summary>
/// An opened original tarball. Each table is converted in one go when it is first read (the files are small), so
/// its findings are complete as soon as its first row comes out, even if the reader stops early.
/// </summary>
internal sealed class OriginalBackupSource : IBackupSource
{
    private readonly OriginalArchive _archive;
    private readonly DatabaseCatalog _catalog;
    private readonly Lock _lock = new();
    private readonly List<BackupIssue> _issues = [];
    private readonly Dictionary<string, IReadOnlyList<BackupRow>> _converted = new(StringComparer.Ordinal);
    private readonly OriginalLinkRecovery _recovery;
    private bool _disposed;

    public OriginalBackupSource(OriginalArchive archive, DatabaseCatalog catalog)
    {
        _archive = archive;
        _catalog = catalog;
        Summary = archive.Summary ?? throw new ArgumentException("Only a verified archive can be opened.", nameof(archive));
        // The links the file implies without carrying them (tag ids, events'/posts' ids, junction rows by natural key).
        _recovery = OriginalLinkRecovery.Analyze(archive);
        _issues.AddRange(_recovery.Issues);
    }

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
        // Nothing here waits; yielding once keeps a caller on a UI thread from converting a whole table synchronously.
        await Task.Yield();
        foreach (var row in Rows(table))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
    }

    private IReadOnlyList<BackupRow> Rows(string table)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_converted.TryGetValue(table, out var rows)) return rows;
            rows = Convert(table);
            _converted[table] = rows;
            return rows;
        }
    }

    private IReadOnlyList<BackupRow> Convert(string table)
    {
        if (_archive.Table(table) is not { } original) return [];
        if (_catalog.Table(table) is not { } schema)
        {
            _issues.Add(BackupIssue.Warning(IssueCode.UnknownTable,
                $"The backup holds {original.RowCount} rows of {table} ({original.File}), but the target database has no such table; they are left out.",
                "If these rows matter, import into a database with the Crearis schema.", table: table));
            return [];
        }
        var (rows, issues) = OriginalRowConverter.Convert(original, schema, line => _recovery.For(table, line));
        _issues.AddRange(issues);
        return rows;
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed) return ValueTask.CompletedTask;
            _disposed = true;
            _converted.Clear();
            _archive.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
