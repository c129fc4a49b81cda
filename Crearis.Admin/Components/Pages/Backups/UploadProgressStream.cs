namespace Crearis.Admin.Components.Pages.Backups;

/// <summary>
/// Reads an upload and says how far it got: the page shows bytes and the share while the browser sends the file. The
/// report is throttled (the first read, then at most every <paramref name="every"/>), since each report re-renders the
/// page over the circuit.
/// </summary>
internal sealed class UploadProgressStream(Stream inner, Action<long> report, TimeSpan every) : Stream
{
    private long _read;
    private long _reportedAt = long.MinValue;

    public long BytesRead => _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var read = await inner.ReadAsync(buffer, ct);
        Count(read);
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

    private void Count(int read)
    {
        _read += read;
        var now = Environment.TickCount64;
        // The end is always reported: the page then says it is verifying.
        if (read > 0 && now - _reportedAt < every.TotalMilliseconds) return;
        _reportedAt = now;
        report(_read);
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
