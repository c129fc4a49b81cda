using System.Security.Cryptography;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Encryption;

/// <summary>Writes an age v1 file: the header, the payload nonce, then the data in sealed 64 KiB chunks. The last
/// chunk is sealed when the stream is disposed.</summary>
public sealed class AgeEncryptStream : Stream
{
    private readonly Stream _inner;
    private readonly ChaCha20Poly1305 _aead;
    private readonly byte[] _plain = new byte[AgeFormat.ChunkSize];
    private readonly byte[] _sealed = new byte[AgeFormat.ChunkSize + AgeFormat.TagSize];
    private int _fill;
    private ulong _counter;
    private bool _closed;

    public AgeEncryptStream(Stream inner, BackupEncryption encryption)
    {
        if (encryption.Passphrase is null && encryption.Recipients.Count == 0)
            throw new ArgumentException("An encrypted backup needs a recipient or a passphrase.", nameof(encryption));
        _inner = inner;
        var (header, fileKey) = AgeFormat.WriteHeader(encryption);
        var nonce = RandomNumberGenerator.GetBytes(16);
        _inner.Write(header);
        _inner.Write(nonce);
        _aead = new ChaCha20Poly1305(AgeFormat.PayloadKey(fileKey, nonce));
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_closed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => _inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        while (buffer.Length > 0)
        {
            // A full chunk is sealed only once more data follows: the last chunk carries the last-chunk flag.
            if (_fill == _plain.Length) SealChunk(last: false);
            var n = Math.Min(buffer.Length, _plain.Length - _fill);
            buffer[..n].CopyTo(_plain.AsSpan(_fill));
            _fill += n;
            buffer = buffer[n..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_closed)
        {
            SealChunk(last: true);
            _closed = true;
            _aead.Dispose();
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private void SealChunk(bool last)
    {
        Span<byte> nonce = stackalloc byte[12];
        AgeFormat.ChunkNonce(nonce, _counter++, last);
        _aead.Encrypt(nonce, _plain.AsSpan(0, _fill), _sealed.AsSpan(0, _fill), _sealed.AsSpan(_fill, AgeFormat.TagSize));
        _inner.Write(_sealed, 0, _fill + AgeFormat.TagSize);
        _fill = 0;
    }
}

/// <summary>
/// Reads an age v1 file as its plaintext. Each chunk is authenticated before a byte of it is handed on, and the end is
/// authenticated too (only the real last chunk carries the flag), so a changed, reordered or cut-off file throws a
/// <see cref="BackupFileException"/> instead of yielding data.
/// </summary>
public sealed class AgeDecryptStream : Stream
{
    private readonly Stream _inner;
    private readonly string _file;
    private readonly ChaCha20Poly1305 _aead;
    private readonly byte[] _sealed = new byte[AgeFormat.ChunkSize + AgeFormat.TagSize + 1];
    private readonly byte[] _plain = new byte[AgeFormat.ChunkSize];
    private int _sealedFill;
    private int _plainStart, _plainEnd;
    private ulong _counter;
    private bool _done;

    public AgeDecryptStream(Stream inner, BackupKeys keys, string file)
    {
        _inner = inner;
        _file = file;
        var (fileKey, rest) = AgeFormat.ReadHeader(inner, keys, file);
        var nonce = new byte[16];
        var have = Math.Min(rest.Length, 16);
        rest.AsSpan(0, have).CopyTo(nonce);
        if (have < 16 && inner.ReadAtLeast(nonce.AsSpan(have), 16 - have, throwOnEndOfStream: false) < 16 - have)
            throw AgeFormat.Malformed(file, "it ends before its payload");
        rest.AsSpan(have).CopyTo(_sealed);
        _sealedFill = rest.Length - have;
        _aead = new ChaCha20Poly1305(AgeFormat.PayloadKey(fileKey, nonce));
    }

    /// <summary>True when the file starts like an age v1 file.</summary>
    public static bool IsAge(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[AgeFormat.Intro.Length + 1];
        return file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) == start.Length && AgeFormat.StartsLikeAge(start);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_plainStart == _plainEnd && !NextChunk()) return 0;
        var n = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _plain.AsSpan(_plainStart, n).CopyTo(buffer);
        _plainStart += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aead.Dispose();
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private bool NextChunk()
    {
        if (_done) return false;
        // Read one byte beyond a full chunk: whether anything follows decides if this is the last chunk.
        _sealedFill += _inner.ReadAtLeast(_sealed.AsSpan(_sealedFill), _sealed.Length - _sealedFill, throwOnEndOfStream: false);
        var last = _sealedFill < _sealed.Length;
        var length = last ? _sealedFill : _sealed.Length - 1;
        if (length < AgeFormat.TagSize || (last && length == AgeFormat.TagSize && _counter > 0))
            throw Tampered(length < AgeFormat.TagSize ? "it is cut off" : "it ends with an empty chunk");
        Span<byte> nonce = stackalloc byte[12];
        AgeFormat.ChunkNonce(nonce, _counter, last);
        var plain = length - AgeFormat.TagSize;
        try
        {
            _aead.Decrypt(nonce, _sealed.AsSpan(0, plain), _sealed.AsSpan(plain, AgeFormat.TagSize), _plain.AsSpan(0, plain));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw Tampered(last ? $"chunk {_counter + 1} (the last) is not authentic: changed, or the file was cut off" : $"chunk {_counter + 1} is not authentic");
        }
        _counter++;
        _plainStart = 0;
        _plainEnd = plain;
        if (last) _done = true;
        else
        {
            _sealed[0] = _sealed[^1];
            _sealedFill = 1;
        }
        return true;
    }

    private BackupFileException Tampered(string what) =>
        new(BackupIssue.Error(IssueCode.NotAuthentic, $"{_file} was changed or damaged after it was encrypted: {what}.",
            "Nothing was read from it; use an intact copy of the file."));
}
