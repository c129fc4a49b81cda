namespace Crearis.Backup.Core.Encryption;

/// <summary>Bech32 (BIP 173), the encoding of age's recipients ("age1…") and identities ("AGE-SECRET-KEY-1…").</summary>
internal static class Bech32
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private static readonly uint[] Generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

    public static string Encode(string hrp, ReadOnlySpan<byte> data)
    {
        var values = ConvertBits(data, 8, 5, pad: true)!;
        var checksum = Checksum(hrp, values);
        var chars = new char[hrp.Length + 1 + values.Count + 6];
        hrp.CopyTo(chars);
        chars[hrp.Length] = '1';
        var i = hrp.Length + 1;
        foreach (var v in values.Concat(checksum)) chars[i++] = Charset[v];
        return new string(chars);
    }

    /// <summary>The human-readable part and the data, or null when the text is not valid Bech32 (mixed case, bad
    /// character, bad checksum, bad padding).</summary>
    public static (string Hrp, byte[] Data)? Decode(string text)
    {
        if (text.Any(c => c is < (char)33 or > (char)126) || (text.Any(char.IsUpper) && text.Any(char.IsLower))) return null;
        var lower = text.ToLowerInvariant();
        var separator = lower.LastIndexOf('1');
        if (separator < 1 || separator + 7 > lower.Length) return null;
        var hrp = lower[..separator];
        var values = new List<byte>();
        foreach (var c in lower[(separator + 1)..])
        {
            var v = Charset.IndexOf(c);
            if (v < 0) return null;
            values.Add((byte)v);
        }
        if (Polymod(Expand(hrp).Concat(values)) != 1) return null;
        var data = ConvertBits(values.Take(values.Count - 6).ToArray(), 5, 8, pad: false);
        return data is null ? null : (hrp, data.ToArray());
    }

    private static byte[] Checksum(string hrp, IEnumerable<byte> values)
    {
        var polymod = Polymod(Expand(hrp).Concat(values).Concat(new byte[6])) ^ 1;
        return Enumerable.Range(0, 6).Select(i => (byte)((polymod >> (5 * (5 - i))) & 31)).ToArray();
    }

    private static IEnumerable<byte> Expand(string hrp) =>
        hrp.Select(c => (byte)(c >> 5)).Append((byte)0).Concat(hrp.Select(c => (byte)(c & 31)));

    private static uint Polymod(IEnumerable<byte> values)
    {
        uint chk = 1;
        foreach (var v in values)
        {
            var top = chk >> 25;
            chk = ((chk & 0x1ffffff) << 5) ^ v;
            for (var i = 0; i < 5; i++)
                if (((top >> i) & 1) != 0) chk ^= Generator[i];
        }
        return chk;
    }

    private static List<byte>? ConvertBits(ReadOnlySpan<byte> data, int from, int to, bool pad)
    {
        int acc = 0, bits = 0;
        var result = new List<byte>();
        var max = (1 << to) - 1;
        foreach (var value in data)
        {
            if (value >> from != 0) return null;
            acc = (acc << from) | value;
            bits += from;
            while (bits >= to)
            {
                bits -= to;
                result.Add((byte)((acc >> bits) & max));
            }
        }
        if (pad)
        {
            if (bits > 0) result.Add((byte)((acc << (to - bits)) & max));
        }
        else if (bits >= from || ((acc << (to - bits)) & max) != 0)
            return null;
        return result;
    }
}
