using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Crearis.Platform.Demo;

/// <summary>Connection, transaction, progress and cancellation shared by all table writers of one run.</summary>
internal sealed class DemoContext(
    NpgsqlConnection connection,
    NpgsqlTransaction transaction,
    IProgress<DemoDataProgress>? progress,
    CancellationToken cancellationToken)
{
    public const int ProgressEvery = 5_000;

    public NpgsqlConnection Connection { get; } = connection;
    public CancellationToken Token { get; } = cancellationToken;
    public long TotalPlanned { get; set; }
    public long RowsWritten { get; private set; }

    public void Advance(string table, long rows)
    {
        RowsWritten += rows;
        progress?.Report(new DemoDataProgress(table, RowsWritten, Math.Max(TotalPlanned, RowsWritten)));
    }

    /// <summary>A command in the run's transaction, without timeout (large runs have long set-based statements).</summary>
    public NpgsqlCommand Command(string sql) => new(sql, Connection, transaction) { CommandTimeout = 0 };

    public async Task<int> ExecAsync(string sql, params NpgsqlParameter[] parameters)
    {
        await using var cmd = Command(sql);
        cmd.Parameters.AddRange(parameters);
        return await cmd.ExecuteNonQueryAsync(Token).ConfigureAwait(false);
    }

    public static NpgsqlParameter IntArray(string name, int[] values)
        => new(name, NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = values };

    public static NpgsqlParameter TextArray(string name, string[] values)
        => new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values };

    public static NpgsqlParameter TimestampArray(string name, DateTime[] values)
        => new(name, NpgsqlDbType.Array | NpgsqlDbType.Timestamp) { Value = values };

    public BinaryRows Binary(string table, string columns)
        => new(this, table, $"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)");

    public NpgsqlBinaryImporter BeginBinary(string copySql)
    {
        var importer = Connection.BeginBinaryImport(copySql);
        importer.Timeout = TimeSpan.Zero;
        return importer;
    }

    /// <summary>Refreshes planner statistics of a freshly loaded table (ANALYZE sees this transaction's own rows), so that
    /// the platform's trigger and foreign-key queries that run after it get index plans.</summary>
    public Task AnalyzeAsync(string table) => ExecAsync($"ANALYZE {table}");

    public TextRows Text(string table, string columns)
    {
        var writer = Connection.BeginTextImport($"COPY {table} ({columns}) FROM STDIN");
        writer.Timeout = 0;
        return new TextRows(this, table, writer);
    }
}

/// <summary>Binary COPY of one table with typed, null-aware writes and progress reporting.</summary>
internal sealed class BinaryRows(DemoContext ctx, string table, string copySql) : IAsyncDisposable
{
    private NpgsqlBinaryImporter _importer = ctx.BeginBinary(copySql);
    private long _rows;
    private long _unreported;

    public long Rows => _rows;

    public void Row()
    {
        if (_unreported >= DemoContext.ProgressEvery)
        {
            ctx.Token.ThrowIfCancellationRequested();
            ctx.Advance(table, _unreported);
            _unreported = 0;
        }
        _importer.StartRow();
        _rows++;
        _unreported++;
    }

    public void Text(string? v)
    {
        if (v is null) _importer.WriteNull();
        else _importer.Write(v, NpgsqlDbType.Text);
    }

    public void Int(int? v)
    {
        if (v is null) _importer.WriteNull();
        else _importer.Write(v.Value, NpgsqlDbType.Integer);
    }

    /// <summary>Writes an id reference; 0 means NULL.</summary>
    public void Ref(int id)
    {
        if (id <= 0) _importer.WriteNull();
        else _importer.Write(id, NpgsqlDbType.Integer);
    }

    public void Bool(bool? v)
    {
        if (v is null) _importer.WriteNull();
        else _importer.Write(v.Value, NpgsqlDbType.Boolean);
    }

    public void Json(string? v)
    {
        if (v is null) _importer.WriteNull();
        else _importer.Write(v, NpgsqlDbType.Jsonb);
    }

    public void Stamp(DateTime? v)
    {
        if (v is null) _importer.WriteNull();
        else _importer.Write(v.Value, NpgsqlDbType.Timestamp);
    }

    public async Task<long> CompleteAsync()
    {
        await _importer.CompleteAsync(ctx.Token).ConfigureAwait(false);
        ctx.Advance(table, _unreported);
        _unreported = 0;
        return _rows;
    }

    /// <summary>
    /// Ends the current COPY (its AFTER triggers run now), analyzes the table and continues with a new COPY.
    /// Used for tables whose per-row triggers query the table itself: their plans are made at the first firing,
    /// and without statistics they would scan instead of using the index.
    /// </summary>
    public async Task SplitAndAnalyzeAsync()
    {
        await _importer.CompleteAsync(ctx.Token).ConfigureAwait(false);
        await _importer.DisposeAsync().ConfigureAwait(false);
        await ctx.AnalyzeAsync(table).ConfigureAwait(false);
        _importer = ctx.BeginBinary(copySql);
    }

    public ValueTask DisposeAsync() => _importer.DisposeAsync();
}

/// <summary>Text-format COPY (used for the images table, whose composite columns are sent as row literals).</summary>
internal sealed class TextRows(DemoContext ctx, string table, NpgsqlCopyTextWriter writer) : IAsyncDisposable
{
    private readonly StringBuilder _line = new(1024);
    private long _rows;
    private long _unreported;
    private bool _first = true;
    private bool _done;

    public long Rows => _rows;

    public void Row()
    {
        if (_rows > 0) Flush();
        if (_unreported >= DemoContext.ProgressEvery)
        {
            ctx.Token.ThrowIfCancellationRequested();
            ctx.Advance(table, _unreported);
            _unreported = 0;
        }
        _rows++;
        _unreported++;
        _first = true;
    }

    public void Field(string? value)
    {
        DemoFormat.CopyField(_line, value, _first);
        _first = false;
    }

    public void Ref(int id) => Field(id > 0 ? DemoFormat.Inv(id) : null);

    public void Stamp(DateTime? t) => Field(t is null ? null : DemoFormat.CopyStamp(t.Value));

    private void Flush()
    {
        _line.Append('\n');
        writer.Write(_line);
        _line.Clear();
    }

    public async Task<long> CompleteAsync()
    {
        if (_rows > 0) Flush();
        await writer.FlushAsync(ctx.Token).ConfigureAwait(false);
        _done = true;
        await writer.DisposeAsync().ConfigureAwait(false);
        ctx.Advance(table, _unreported);
        _unreported = 0;
        return _rows;
    }

    public async ValueTask DisposeAsync()
    {
        if (_done) return;
        _done = true;
        // Abort the COPY instead of completing it with partial data.
        try
        {
            await writer.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PostgresException or NpgsqlException or InvalidOperationException or IOException)
        {
            // The COPY was already broken; the surrounding transaction is rolled back anyway.
        }
        await writer.DisposeAsync().ConfigureAwait(false);
    }
}
