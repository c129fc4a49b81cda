using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Crearis.Backup.Core.Export.Scrubbing;

/// <summary>
/// The pseudonym of a personal value: a function of the key, the kind and the value only, so the same value gets the
/// same pseudonym in every table, inside every json or text value, and in every export with the same key.
/// <list type="bullet">
/// <item>E-mail: HMAC-SHA256(key, UTF-8 of "email\n" + value); its first 16 bytes (128 bits) in RFC 4648 base32,
/// lower case, without padding (26 characters), then "@example.org". 128 bits: among a million users the chance that
/// two get the same pseudonym is about 10⁻²⁷, and the export checks it anyway (<see cref="RowScrubber"/>). The value
/// is taken exactly as stored (no case folding: the platform's UNIQUE keys are case-sensitive too).</item>
/// <item>Name, phone, address, text: every letter becomes a letter (a–z, the case kept), every digit a digit, from the
/// key stream HMAC-SHA256(key, "kind\nvalue\nblock"); spaces, punctuation and line breaks stay, so lengths and shapes
/// (a zip code's five digits, a phone's grouping, markdown) survive. E-mail addresses inside become their pseudonyms.</item>
/// <item>Secret: always <see cref="Secret"/>, not a hash: no password (and no bcrypt library) accepts it, so nobody
/// logs in to a development copy with a production password; set a new one for the accounts you need there.</item>
/// </list>
/// </summary>
/// <remarks>One instance per thread: it keeps its HMAC's keyed state between values (a million users' rows pay for the key once).</remarks>
public sealed class Pseudonyms
{
    public const string EmailDomain = "example.org";

    /// <summary>Every password hash (and any other secret) in a scrubbed copy: the "locked account" mark, never a valid hash.</summary>
    public const string Secret = "!scrubbed";

    /// <summary>An e-mail address inside any text: the platform's own CHECK pattern without its anchors.</summary>
    internal static readonly Regex EmailInText = new(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>The platform's e-mail CHECK (users_sysmail_check), anchored at the very end (\z, not $: no final line break).</summary>
    internal static readonly Regex WholeEmail = new(@"\A[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\z",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";
    private readonly IncrementalHash _hmac;
    private byte[] _text = new byte[256];
    private readonly int _emailBits;

    /// <param name="emailBits">How many of the 128 bits an e-mail pseudonym carries (fewer only in tests, to provoke collisions).</param>
    public Pseudonyms(ScrubKey key) : this(key, 128) { }

    internal Pseudonyms(ScrubKey key, int emailBits)
    {
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Key);
        _emailBits = Math.Clamp(emailBits, 1, 128);
    }

    /// <summary>The replacement of a value of the given kind.</summary>
    public string Of(ScrubKind kind, string value) => kind switch
    {
        ScrubKind.Secret => Secret,
        ScrubKind.Email when WholeEmail.IsMatch(value) => Email(value, out _, out _),
        // An e-mail column holding something else ("Anna <anna@…>", "n/a"): its addresses as pseudonyms, the rest replaced.
        ScrubKind.Email => Shape(ScrubKind.Text, value),
        _ => Shape(kind, value),
    };

    /// <summary>An e-mail address's pseudonym; <paramref name="bits"/> is what it encodes and <paramref name="check"/>
    /// 64 further bits of the same HMAC, so that two different addresses with the same pseudonym can be told apart.</summary>
    public string Email(string value, out UInt128 bits, out ulong check)
    {
        Span<byte> mac = stackalloc byte[32];
        Mac("email\n", value, mac);
        bits = BinaryPrimitives.ReadUInt128BigEndian(mac);
        if (_emailBits < 128) bits &= UInt128.MaxValue << (128 - _emailBits);
        check = BinaryPrimitives.ReadUInt64BigEndian(mac[16..]);
        Span<byte> encoded = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(encoded, bits);
        return ToBase32(encoded) + "@" + EmailDomain;
    }

    /// <summary>Every e-mail address inside <paramref name="text"/> replaced by its pseudonym, the rest unchanged.</summary>
    public string EmailsIn(string text) =>
        text.Contains('@') ? EmailInText.Replace(text, m => Email(m.Value, out _, out _)) : text;

    private string Shape(ScrubKind kind, string value)
    {
        if (value.Length == 0) return value;
        var label = kind.Wire() + "\n" + value + "\n";
        var stream = new byte[32];
        var block = -1;
        var used = 32;
        byte Next()
        {
            if (used == 32)
            {
                Mac(label, (++block).ToString(System.Globalization.CultureInfo.InvariantCulture), stream);
                used = 0;
            }
            return stream[used++];
        }

        var emails = value.Contains('@') ? EmailInText.Matches(value) : null;
        var output = new StringBuilder(value.Length + 16);
        var at = 0;
        foreach (var match in emails ?? (IEnumerable<Match>)[])
        {
            Scramble(value.AsSpan(at, match.Index - at), output, Next);
            output.Append(Email(match.Value, out _, out _));
            at = match.Index + match.Length;
        }
        Scramble(value.AsSpan(at), output, Next);
        return output.ToString();
    }

    private static void Scramble(ReadOnlySpan<char> text, StringBuilder output, Func<byte> next)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetter(rune))
            {
                var letter = (char)('a' + next() % 26);
                output.Append(Rune.IsUpper(rune) ? char.ToUpperInvariant(letter) : letter);
            }
            else if (Rune.IsDigit(rune)) output.Append((char)('0' + next() % 10));
            else output.Append(rune.ToString());
        }
    }

    /// <summary>HMAC-SHA256 over the UTF-8 of <paramref name="prefix"/> + <paramref name="text"/>.</summary>
    private void Mac(string prefix, string text, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetMaxByteCount(prefix.Length + text.Length);
        if (_text.Length < length) _text = new byte[Math.Max(length, _text.Length * 2)];
        var written = Encoding.UTF8.GetBytes(prefix, _text);
        written += Encoding.UTF8.GetBytes(text, _text.AsSpan(written));
        _hmac.AppendData(_text, 0, written);
        _hmac.GetHashAndReset(destination);
    }

    /// <summary>RFC 4648 base32, lower case, no padding.</summary>
    private static string ToBase32(ReadOnlySpan<byte> bytes)
    {
        var output = new StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                output.Append(Base32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) output.Append(Base32[(buffer << (5 - bits)) & 31]);
        return output.ToString();
    }
}
