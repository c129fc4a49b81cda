using System.Buffers.Text;
using System.Formats.Tar;
using System.IO.Compression;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format;

/// <summary>
/// A read-only stream between the gzip layer and <see cref="TarReader"/> that follows the tar structure as the bytes
/// pass and stops a hostile archive before the reader spends memory or time on it: <see cref="TarReader"/> reads a
/// PAX extended header or a GNU long name into memory whole, whatever size its header claims, and unpacks as much as
/// the gzip layer gives. The guard refuses a meta entry above <see cref="BackupLimits.MaxHeaderBytes"/>, more entries
/// than <see cref="BackupLimits.MaxEntries"/>, more unpacked bytes than the file's budget, and the one entry type whose
/// layout it cannot follow (old GNU sparse files carry extra header blocks).
/// </summary>
internal sealed class TarGuard : Stream
{
    private const int Block = 512;

    private readonly Stream _inner;
    private readonly BackupLimits _limits;
    private readonly string _file;
    private readonly long _budget;
    private readonly byte[] _header = new byte[Block];
    private int _headerFill;
    private long _dataLeft;          // data + padding of the current entry still to pass
    private byte[]? _meta;           // the data of a PAX header being passed, to learn a "size" it overrides
    private int _metaFill;
    private long? _paxSize;          // size given by the last PAX header, for the entry it precedes
    private long _entries;
    private long _total;

    public TarGuard(Stream inner, long packedBytes, BackupLimits limits, string file)
    {
        _inner = inner;
        _limits = limits;
        _file = file;
        _budget = limits.UnpackedBudget(packedBytes);
    }

    /// <summary>Opens a .tar.gz for reading entry by entry behind a guard.</summary>
    public static GuardedTar Open(string path, BackupLimits limits, BackupKeys? keys)
    {
        var packed = new FileInfo(path).Length;
        var file = BackupStreams.OpenRead(path, keys);
        var gzip = new GZipStream(file, CompressionMode.Decompress);
        var guard = new TarGuard(gzip, packed, limits, Path.GetFileName(path));
        return new GuardedTar(file, gzip, guard, new TarReader(guard));
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _total; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = _inner.Read(buffer);
        Follow(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        Follow(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    private void Follow(ReadOnlySpan<byte> bytes)
    {
        _total += bytes.Length;
        if (_total > _budget)
            throw Refuse($"{_file} unpacks to more than {_budget >> 20} MiB, far more than its {(_budget - _limits.RatioAllowanceBytes) / _limits.MaxPackRatio >> 10} KiB packed could hold as rows.",
                "The file is damaged or built to exhaust the server; use a backup exported by Crearis Backup Admin.");
        while (bytes.Length > 0)
        {
            if (_dataLeft > 0)
            {
                var n = (int)Math.Min(_dataLeft, bytes.Length);
                if (_meta is not null)
                {
                    var keep = Math.Min(n, _meta.Length - _metaFill);
                    bytes[..keep].CopyTo(_meta.AsSpan(_metaFill));
                    _metaFill += keep;
                }
                _dataLeft -= n;
                bytes = bytes[n..];
                if (_dataLeft == 0 && _meta is not null) EndPax();
                continue;
            }
            var take = Math.Min(Block - _headerFill, bytes.Length);
            bytes[..take].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += take;
            bytes = bytes[take..];
            if (_headerFill == Block)
            {
                _headerFill = 0;
                OnHeader();
            }
        }
    }

    private void OnHeader()
    {
        // Zero blocks end the archive; anything after them is still followed, so an entry hidden there is checked too.
        if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0) return;
        if (++_entries > _limits.MaxEntries)
            throw Refuse($"{_file} holds more than {_limits.MaxEntries} tar entries; a backup has one per table.",
                "Use a backup exported by Crearis Backup Admin or the original exporter.");
        var type = (char)_header[156];
        var size = ParseSize(_header.AsSpan(124, 12));
        switch (type)
        {
            case 'x' or 'g' or 'L' or 'K':
                if (size > _limits.MaxHeaderBytes)
                    throw Refuse($"{_file} has a tar {(type is 'L' or 'K' ? "long-name" : "PAX")} header claiming {size:N0} bytes (at most {_limits.MaxHeaderBytes:N0} are read).",
                        "The file is damaged or built to exhaust the server; use a backup exported by Crearis Backup Admin.");
                // Only a PAX header's "size" record changes the layout (it replaces the next header's size field).
                if (type == 'x')
                {
                    _meta = new byte[size];
                    _metaFill = 0;
                    if (size == 0) EndPax();
                }
                break;
            case 'S' or 'M' or 'V':
                throw Refuse($"{_file} holds a GNU sparse or multi-volume tar entry, which a backup never has.",
                    "Use a backup exported by Crearis Backup Admin or the original exporter.", IssueCode.UnsafeEntry);
            default:
                if (_paxSize is { } pax) size = pax;
                _paxSize = null;
                break;
        }
        _dataLeft = (size + Block - 1) / Block * Block;
    }

    private void EndPax()
    {
        var records = _meta.AsSpan(0, _metaFill);
        _meta = null;
        while (records.Length > 0)
        {
            // "<length> <key>=<value>\n", the length counting the whole record.
            var space = records.IndexOf((byte)' ');
            if (space <= 0 || !Utf8Parser.TryParse(records[..space], out int length, out var used) || used != space
                || length <= space || length > records.Length)
                throw Refuse($"{_file} has a malformed PAX header.", "The file is damaged; use another copy.", IssueCode.CorruptArchive);
            var record = records[(space + 1)..length];
            if (record.StartsWith("size="u8))
            {
                var value = record[5..].TrimEnd((byte)'\n');
                if (!Utf8Parser.TryParse(value, out long size, out var n) || n != value.Length || size < 0)
                    throw Refuse($"{_file} has a PAX header with a bad size.", "The file is damaged; use another copy.", IssueCode.CorruptArchive);
                _paxSize = size;
            }
            records = records[length..];
        }
    }

    /// <summary>The size field: octal digits, or GNU base-256 when the high bit of the first byte is set.</summary>
    private long ParseSize(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            if ((field[0] & 0x40) != 0 || field[1..4].IndexOfAnyExcept((byte)0) >= 0)
                throw Refuse($"{_file} has a tar header with a negative or huge size.", "The file is damaged; use another copy.", IssueCode.CorruptArchive);
            long value = 0;
            foreach (var b in field[4..]) value = (value << 8) | b;
            return value;
        }
        var digits = field.Trim((byte)' ').TrimEnd((byte)0).Trim((byte)' ');
        long octal = 0;
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'7')
                throw Refuse($"{_file} has a tar header whose size is not a number.", "The file is damaged; use another copy.", IssueCode.CorruptArchive);
            octal = octal * 8 + (b - '0');
        }
        return octal;
    }

    private static BackupFileException Refuse(string message, string suggestion, IssueCode? code = null) =>
        new(BackupIssue.Error(code ?? IssueCode.TooLarge, message, suggestion));
}

/// <summary>A guarded tar.gz opened for reading: the file, its gzip layer, the guard and the tar reader over it.</summary>
internal sealed class GuardedTar(Stream file, GZipStream gzip, TarGuard guard, TarReader reader) : IAsyncDisposable
{
    public TarReader Reader { get; } = reader;

    /// <summary>The next entry, or null at the end. TarReader's own complaints about the structure become a typed
    /// issue naming the file.</summary>
    public async Task<TarEntry?> NextAsync(string fileName, CancellationToken ct)
    {
        try
        {
            return await Reader.GetNextEntryAsync(copyData: false, ct);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException
                                      or OverflowException)
        {
            throw new BackupFileException(BackupIssue.Error(IssueCode.CorruptArchive, $"{fileName} is not a readable .tar.gz ({e.Message}).",
                "Check that the file was copied completely; export again if it was cut off."));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Reader.DisposeAsync();
        await guard.DisposeAsync();
        await gzip.DisposeAsync();
        await file.DisposeAsync();
    }
}
