using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Crearis.Backup.Core.Format.Original;

/// <summary>
/// Feeds a <see cref="Utf8JsonReader"/> from a stream chunk by chunk, so that a JSON document of any size is read in
/// bounded memory: the buffer holds the unread rest of a chunk, plus a pinned value (a row being captured) that may
/// span chunks, and grows up to <c>maxBuffered</c> bytes, never beyond. Every byte is checked as strict UTF-8 before the
/// reader sees it (the reader itself passes broken UTF-8 inside strings through), handed to <c>onBytes</c> (hashing,
/// spooling) and counted. A problem stops reading: <see cref="Read"/> returns false and <see cref="Problem"/> says why.
/// </summary>
internal sealed class JsonChunks(Stream stream, int maxBuffered, CancellationToken ct, Action<ReadOnlySpan<byte>>? onBytes = null)
{
    public enum Trouble { None, InvalidUtf8, TooLong }

    private const int FirstBuffer = 1 << 16;

    private byte[] _buffer = new byte[Math.Min(FirstBuffer, maxBuffered)];
    private readonly char[] _utf16 = new char[4096];
    private int _start;
    private int _end;
    private int _validated;
    private int _pin = -1;
    private long _base;
    private bool _final;
    private JsonReaderState _state;

    public Trouble Problem { get; private set; }

    /// <summary>Where in the document the problem lies (bytes from its start).</summary>
    public long ProblemOffset { get; private set; }

    /// <summary>Bytes read from the stream so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>A reader over what is buffered, continuing where the last one was saved (see <see cref="Save"/>).</summary>
    public Utf8JsonReader Reader() => new(_buffer.AsSpan(_start, _end - _start), _final, _state);

    /// <summary>The next token, reading more of the stream as needed; false at the end of the document or on a problem.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public bool Read(ref Utf8JsonReader reader)
    {
        while (!reader.Read())
        {
            if (_final || Problem != Trouble.None) return false;
            Save(ref reader);
            if (!Fill()) return false;
            reader = Reader();
        }
        return true;
    }

    /// <summary>Keeps the reader's position and state for the next <see cref="Reader"/>; the reader is not used after this.</summary>
    public void Save(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    /// <summary>The position of the current token in the document.</summary>
    public long Offset(ref Utf8JsonReader reader) => _base + _start + reader.TokenStartIndex;

    /// <summary>Keeps the bytes from the current token on in the buffer until <see cref="Unpin"/>, however many chunks follow.</summary>
    public void Pin(ref Utf8JsonReader reader) => _pin = _start + (int)reader.TokenStartIndex;

    /// <summary>The bytes from the pinned token to the end of the current one; valid until the next read.</summary>
    public ReadOnlySpan<byte> Pinned(ref Utf8JsonReader reader) => _buffer.AsSpan(_pin, _start + (int)reader.BytesConsumed - _pin);

    public void Unpin() => _pin = -1;

    private bool Fill()
    {
        ct.ThrowIfCancellationRequested();
        var keep = _pin >= 0 ? Math.Min(_pin, _start) : _start;
        if (keep > 0)
        {
            Buffer.BlockCopy(_buffer, keep, _buffer, 0, _end - keep);
            _base += keep;
            _start -= keep;
            _end -= keep;
            _validated -= keep;
            if (_pin >= 0) _pin -= keep;
        }
        if (_end == _buffer.Length)
        {
            // One token, or one pinned row, fills the buffer: it grows, up to the cap.
            if (_buffer.Length >= maxBuffered)
            {
                Problem = Trouble.TooLong;
                ProblemOffset = _base + (_pin >= 0 ? _pin : _start);
                return false;
            }
            Array.Resize(ref _buffer, (int)Math.Min(_buffer.Length * 2L, maxBuffered));
        }
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _final = true;
        else
        {
            onBytes?.Invoke(_buffer.AsSpan(_end, read));
            _end += read;
            BytesRead += read;
        }
        return Validate();
    }

    // Strict UTF-8 up to the end of what is buffered; a sequence cut by the chunk's end is checked with the next chunk.
    private bool Validate()
    {
        while (_validated < _end)
        {
            var status = Utf8.ToUtf16(_buffer.AsSpan(_validated, _end - _validated), _utf16, out var read, out _,
                replaceInvalidSequences: false, isFinalBlock: _final);
            _validated += read;
            if (status == OperationStatus.InvalidData)
            {
                Problem = Trouble.InvalidUtf8;
                ProblemOffset = _base + _validated;
                return false;
            }
            if (status == OperationStatus.NeedMoreData) break;
        }
        return true;
    }
}
