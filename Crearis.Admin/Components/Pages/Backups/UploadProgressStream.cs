namespace Crearis.Admin.Components.Pages.Backups;

/// <summary>
/// Reads an upload and says how far it got: the page shows bytes and the share while the browser sends the file. The
/// report is throttled (the first read, then at most every <paramref name="every"/>), since each report re-renders the
/// page over the circuit.
/// </summary>
internal sealed class UploadProgressStream(Stream inner, Action<long> report, TimeSpan every) : Stream
{
    private long _read;
    private long? _reportedAt;

    public long BytesRead => _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var read = await inner.ReadAsync(buffer, ct);
        // The page renders the report on its circuit's context, which this read holds while data keeps arriving
        // (reads and writes that complete at once never give it back): yielding lets the render run now, not at the end.
        if (Count(read)) await Task.Yield();
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Count(read);
        return read;
    }

    /// <summary>Counts a read; true when it was reported.</summary>
    private bool Count(int read)
    {
        _read += read;
        var now = Environment.TickCount64;
        // The end is always reported: the page then says it is verifying.
        if (read > 0 && _reportedAt is { } last && now - last < every.TotalMilliseconds) return false;
        _reportedAt = now;
        report(_read);
        return true;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
