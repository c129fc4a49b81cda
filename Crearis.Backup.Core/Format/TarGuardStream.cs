using System.Buffers.Text;
using System.Text;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format;

/// <summary>What a <see cref="TarGuardStream"/> lets through.</summary>
/// <param name="MaxMetaBytes">Largest PAX extended header ('x', 'g') or GNU long name/link ('L', 'K'). System.Formats.Tar
/// reads these whole into memory, sized by the header, before it can say anything about them.</param>
/// <param name="MaxEntries">Most entries (files and folders; meta headers do not count).</param>
/// <param name="MaxEntryBytes">Largest single file.</param>
/// <param name="MaxTotalBytes">Most bytes of the whole unpacked tar, headers included.</param>
internal sealed record TarLimits(int MaxMetaBytes, int MaxEntries, long MaxEntryBytes, long MaxTotalBytes);

/// <summary>Why a <see cref="TarGuardStream"/> stopped, as a typed finding: the code says what, the message names the entry.</summary>
internal sealed class TarGuardException(IssueCode code, string message, string? entry) : Exception(message)
{
    public IssueCode Code { get; } = code;

    /// <summary>The entry's name as the archive gives it, when the problem has one.</summary>
    public string? Entry { get; } = entry;
}

/// <summary>
/// A read-only stream over an unpacked tar that checks every 512-byte header before a reader such as
/// <see cref="System.Formats.Tar.TarReader"/> sees it, and stops with a <see cref="TarGuardException"/> at the first
/// header a backup has no business holding: a type other than regular file or folder (links, devices, fifos,
/// contiguous files, sparse files), a name that occurs twice (./a and a are one name), a PAX or GNU long-name header
/// larger than <see cref="TarLimits.MaxMetaBytes"/> (such headers are read whole into memory by the reader, at the size
/// they claim), and more entries or bytes than the limits allow. Memory stays at one header plus one meta header.
/// Format-agnostic: it knows tar, not what the files hold. Wrap it around the decompressed stream:
/// <c>new TarReader(new TarGuardStream(gzip, limits))</c>, and catch <see cref="TarGuardException"/> where the reader is used.
/// </summary>
internal sealed class TarGuardStream(Stream inner, TarLimits limits, bool leaveOpen = false) : Stream
{
    private const int Block = 512;

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly byte[] _header = new byte[Block];
    private readonly byte[] _scratch = new byte[1 << 16];

    // What the inner stream holds next, and how much of it is left.
    private Part _part = Part.Header;
    private long _left = Block;

    // Bytes read into _pending (a header, or a meta header with its padding) and not yet handed out.
    private byte[] _pending = [];
    private int _pendingStart;
    private int _pendingEnd;

    // What PAX 'x' and GNU 'L' headers say about the entry that follows them.
    private string? _nextName;
    private long? _nextSize;

    private long _total;
    private int _entries;

    private enum Part { Header, Data, AfterEnd }

    /// <summary>The entries let through so far (files and folders).</summary>
    public int Entries => _entries;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _total; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = ReadCoreAsync(null, buffer.Length, sync: true, CancellationToken.None).GetAwaiter().GetResult();
        return Deliver(buffer, read);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await ReadCoreAsync(buffer, buffer.Length, sync: false, cancellationToken);
        return Deliver(buffer.Span, read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // The outcome of one read: bytes waiting in _pending (Pending), or data read straight into the caller's buffer.
    private readonly record struct Outcome(bool Pending, int Direct);

    private int Deliver(Span<byte> buffer, Outcome outcome)
    {
        if (!outcome.Pending) return outcome.Direct;
        var n = Math.Min(buffer.Length, _pendingEnd - _pendingStart);
        _pending.AsSpan(_pendingStart, n).CopyTo(buffer);
        _pendingStart += n;
        return n;
    }

    /// <param name="direct">Where data is read straight into (async), or null to read into a scratch copy (sync, see <see cref="Read(Span{byte})"/>).</param>
    private async ValueTask<Outcome> ReadCoreAsync(Memory<byte>? direct, int count, bool sync, CancellationToken ct)
    {
        if (count == 0) return new Outcome(false, 0);
        if (_pendingStart < _pendingEnd) return new Outcome(true, 0);
        switch (_part)
        {
            case Part.Header:
            {
                var got = await FillAsync(_header, sync, ct);
                if (got < Block)
                {
                    // A tar cut off inside a header: hand out what there is and let the reader call it truncated.
                    Pend(_header, got);
                    _part = Part.AfterEnd;
                    return new Outcome(true, 0);
                }
                var meta = await CheckHeaderAsync(sync, ct);
                if (meta is not null)
                {
                    Pend(meta, meta.Length);
                    return new Outcome(true, 0);
                }
                Pend(_header, Block);
                return new Outcome(true, 0);
            }
            case Part.Data:
            {
                var n = (int)Math.Min(count, _left);
                int read;
                if (direct is { } memory && !sync) read = await inner.ReadAsync(memory[..n], ct);
                else
                {
                    // The sync path reads into a scratch buffer that Read(Span) copies out (a span cannot cross an await).
                    n = Math.Min(n, _scratch.Length);
                    read = inner.Read(_scratch, 0, n);
                    Pend(_scratch, read);
                }
                Count(read);
                _left -= read;
                if (_left == 0) (_part, _left) = (Part.Header, Block);
                return direct is not null && !sync ? new Outcome(false, read) : new Outcome(true, 0);
            }
            default:
            {
                // Past the end-of-archive block: what follows is zero padding, still counted against the total.
                var n = Math.Min(count, _scratch.Length);
                var read = sync ? inner.Read(_scratch, 0, n) : await inner.ReadAsync(_scratch.AsMemory(0, n), ct);
                Count(read);
                Pend(_scratch, read);
                return new Outcome(true, 0);
            }
        }
    }

    private void Pend(byte[] bytes, int length)
    {
        _pending = bytes;
        _pendingStart = 0;
        _pendingEnd = length;
    }

    private async ValueTask<int> FillAsync(byte[] target, bool sync, CancellationToken ct)
    {
        var got = 0;
        while (got < target.Length)
        {
            var read = sync ? inner.Read(target, got, target.Length - got) : await inner.ReadAsync(target.AsMemory(got), ct);
            if (read == 0) break;
            got += read;
        }
        Count(got);
        return got;
    }

    private void Count(int read)
    {
        _total += read;
        if (_total > limits.MaxTotalBytes)
            throw new TarGuardException(IssueCode.TooLarge,
                $"the archive unpacks to more than {limits.MaxTotalBytes >> 20} MiB, more than any backup holds", null);
    }

    /// <summary>Checks the header in <see cref="_header"/>; for a meta header, reads and checks its content too and returns header + content.</summary>
    private async ValueTask<byte[]?> CheckHeaderAsync(bool sync, CancellationToken ct)
    {
        if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            // The end-of-archive marker; the reader stops here.
            _part = Part.AfterEnd;
            return null;
        }
        if (!ChecksumMatches())
            throw new TarGuardException(IssueCode.CorruptArchive, $"a tar header after entry {_entries} is damaged (its checksum does not match)", null);
        var type = (char)_header[156];
        var name = HeaderName();
        if (!TryReadSize(_header.AsSpan(124, 12), out var size))
            throw new TarGuardException(IssueCode.CorruptArchive, $"the tar header of {name} has no readable size", name);

        if (type is 'x' or 'g' or 'L' or 'K')
        {
            if (size > limits.MaxMetaBytes)
                throw new TarGuardException(IssueCode.TooLarge,
                    $"the {MetaKind(type)} before {name} claims {Size(size)}; such headers hold a file name and a few attributes (at most {limits.MaxMetaBytes >> 10} KiB are read)", name);
            var padded = (int)RoundUp(size);
            var meta = new byte[Block + padded];
            _header.CopyTo(meta, 0);
            var content = new byte[padded];
            var got = await FillAsync(content, sync, ct);
            content.AsSpan(0, got).CopyTo(meta.AsSpan(Block));
            if (got < padded)
            {
                // Cut off: hand out what there is; the reader reports the truncated archive.
                _part = Part.AfterEnd;
                return meta.AsSpan(0, Block + got).ToArray();
            }
            ReadMeta(type, content.AsSpan(0, (int)size));
            return meta;
        }

        if (type is not ('0' or '\0' or '5'))
            throw new TarGuardException(IssueCode.UnsafeEntry,
                $"{_nextName ?? name} is a {TypeName(type)}, not a regular file or folder; a backup holds nothing else", _nextName ?? name);

        var entry = _nextName ?? name;
        if (_nextSize is { } paxSize) size = paxSize;
        _nextName = null;
        _nextSize = null;
        if (++_entries > limits.MaxEntries)
            throw new TarGuardException(IssueCode.TooLarge, $"the archive holds more than {limits.MaxEntries} entries, more than any backup has", entry);
        var key = Normalize(entry);
        if (key.Length > 0 && !_names.Add(key))
            throw new TarGuardException(IssueCode.DuplicateEntry,
                $"{entry} occurs twice in the archive (./name and name count as one); which copy counts would be ambiguous", entry);
        // Tar readers disagree on whether a folder's size is followed by data (System.Formats.Tar reads none, others
        // skip it): a header hidden there would be seen by some readers only, so no folder may claim a size.
        if (type == '5' && size != 0)
            throw new TarGuardException(IssueCode.CorruptArchive, $"the folder {entry} claims {Size(size)} of data; folders have none", entry);
        if (size > limits.MaxEntryBytes)
            throw new TarGuardException(IssueCode.TooLarge,
                $"{entry} claims {Size(size)}, more than any file of a backup ({limits.MaxEntryBytes >> 20} MiB at most)", entry);
        if (size > 0) (_part, _left) = (Part.Data, RoundUp(size));
        return null;
    }

    // PAX records are "<length> <key>=<value>\n"; GNU long names are the name, NUL-terminated.
    private void ReadMeta(char type, ReadOnlySpan<byte> content)
    {
        if (type == 'L')
        {
            var end = content.IndexOf((byte)0);
            _nextName = Encoding.UTF8.GetString(end < 0 ? content : content[..end]);
            return;
        }
        if (type != 'x') return;
        while (content.Length > 0)
        {
            var space = content.IndexOf((byte)' ');
            if (space <= 0 || !Utf8Parser.TryParse(content[..space], out int length, out var used) || used != space
                || length <= space + 1 || length > content.Length || content[length - 1] != (byte)'\n')
                throw new TarGuardException(IssueCode.CorruptArchive, $"the PAX header before {HeaderName()} is damaged", HeaderName());
            var record = content[(space + 1)..(length - 1)];
            var equals = record.IndexOf((byte)'=');
            if (equals > 0)
            {
                var key = record[..equals];
                var value = record[(equals + 1)..];
                if (key.SequenceEqual("path"u8)) _nextName = Encoding.UTF8.GetString(value);
                else if (key.SequenceEqual("size"u8))
                {
                    if (!Utf8Parser.TryParse(value, out long size, out var sizeUsed) || sizeUsed != value.Length || size < 0)
                        throw new TarGuardException(IssueCode.CorruptArchive, $"the PAX header before {HeaderName()} has an unreadable size", HeaderName());
                    _nextSize = size;
                }
            }
            content = content[length..];
        }
    }

    // The sum of the header's bytes with the checksum field read as spaces; old writers summed signed bytes, so either counts.
    private bool ChecksumMatches()
    {
        if (!TryReadSize(_header.AsSpan(148, 8), out var stored)) return false;
        long unsigned = 0, signed = 0;
        for (var i = 0; i < Block; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : _header[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        return stored == unsigned || stored == signed;
    }

    // The name as System.Formats.Tar puts it together: ustar's prefix + "/" + name ("ustar\0" magic); GNU ("ustar  ") has no prefix.
    private string HeaderName()
    {
        var name = Text(_header.AsSpan(0, 100));
        if (_header.AsSpan(257, 6).SequenceEqual("ustar\0"u8) && Text(_header.AsSpan(345, 155)) is { Length: > 0 } prefix)
            name = prefix + "/" + name;
        return name;
    }

    private static string Text(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>Tar numbers: octal text (padded with spaces or NULs), or base-256 when the first byte has its high bit set.</summary>
    internal static bool TryReadSize(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            // Base-256, big-endian, after the marker byte 0x80 (0xFF marks a negative number, which no size is).
            if (field[0] != 0x80) return false;
            foreach (var b in field[1..])
            {
                if (value > long.MaxValue >> 8) return false;
                value = (value << 8) | b;
            }
            return true;
        }
        var end = field.IndexOf((byte)0);
        var text = (end < 0 ? field : field[..end]).Trim((byte)' ');
        foreach (var b in text)
        {
            if (b is < (byte)'0' or > (byte)'7') return false;
            if (value > long.MaxValue >> 3) return false;
            value = (value << 3) | (long)(b - '0');
        }
        return true;
    }

    /// <summary>A member's name as backups compare names: without leading "./" and without a folder's trailing "/".</summary>
    internal static string Normalize(string name)
    {
        while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
        if (name == ".") return "";
        return name.TrimEnd('/');
    }

    private static long RoundUp(long size) => (size + Block - 1) / Block * Block;

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";

    private static string MetaKind(char type) => type switch
    {
        'x' => "PAX extended header",
        'g' => "PAX global header",
        'L' => "GNU long-name header",
        _ => "GNU long-link header",
    };

    private static string TypeName(char type) => type switch
    {
        '1' => "hard link",
        '2' => "symbolic link",
        '3' => "character device",
        '4' => "block device",
        '6' => "fifo",
        '7' => "contiguous file",
        'S' => "sparse file",
        _ => $"tar entry of type '{type}'",
    };

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!leaveOpen) await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
