using System.Globalization;
using System.Text;

namespace Crearis.Platform.Demo;

/// <summary>Deterministic hashing, random helpers and text formatting used by the demo generator.</summary>
internal static class DemoFormat
{
    /// <summary>Fixed base date of all generated timestamps (no clock is ever read).</summary>
    public static readonly DateTime BaseDate = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    private const string Alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string BcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    // ---------------------------------------------------------------- hashing / randomness

    /// <summary>SplitMix64 finaliser.</summary>
    public static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Stable hash of (seed, salt, n); independent of process, platform and runtime version.</summary>
    public static ulong Hash(int seed, uint salt, long n)
        => Mix(Mix(((ulong)(uint)seed << 32) ^ salt) ^ (ulong)n);

    /// <summary>Stable hash reduced to [0, max).</summary>
    public static int HashIndex(int seed, uint salt, long n, int max) => (int)(Hash(seed, salt, n) % (ulong)max);

    /// <summary>A System.Random whose seed is derived from the generator seed and a per-table salt.</summary>
    public static Random TableRandom(int seed, uint salt) => new(unchecked((int)(Hash(seed, salt, 0) & 0x7FFFFFFF)));

    public static bool Chance(this Random r, double p) => r.NextDouble() < p;

    public static T Pick<T>(this Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];

    /// <summary>Skewed pick in [0, n): low indices are chosen more often (a few big projects, many small ones).
    /// Uses x^1.5 via Sqrt, which is correctly rounded on every platform (Math.Pow is not guaranteed to be).</summary>
    public static int Skewed(this Random r, int n)
    {
        var u = r.NextDouble();
        var x = u * Math.Sqrt(u);
        var i = (int)(x * n);
        return i >= n ? n - 1 : i;
    }

    /// <summary>A count with the given mean: floor(mean) or floor(mean)+1, sometimes jittered by one.</summary>
    public static int CountAround(this Random r, double mean, int max)
    {
        var k = (int)Math.Floor(mean);
        if (r.NextDouble() < mean - k) k++;
        var j = r.Next(6);
        if (j == 0 && k > 0) k--;
        else if (j == 1) k++;
        return Math.Clamp(k, 0, max);
    }

    /// <summary>Timestamp: base date + days + a time of day; optionally with microseconds.</summary>
    public static DateTime Stamp(this Random r, double dayFrom, double dayTo, bool micros)
    {
        var seconds = (long)((dayFrom + r.NextDouble() * (dayTo - dayFrom)) * 86400.0);
        var ticks = seconds * TimeSpan.TicksPerSecond;
        if (micros) ticks += r.Next(1, 1_000_000) * 10L;
        return BaseDate.AddTicks(ticks);
    }

    public static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string SqlStamp(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Day(DateTime t) => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Microsecond-exact text form for COPY text format.</summary>
    public static string CopyStamp(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    public static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);

    public static string Inv(long v) => v.ToString(CultureInfo.InvariantCulture);

    public static string Inv(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    public static string RandomToken(Random r, int length)
    {
        Span<char> c = stackalloc char[length];
        for (var i = 0; i < length; i++) c[i] = Alnum[r.Next(Alnum.Length)];
        return new string(c);
    }

    /// <summary>A UUID-shaped (version 4 layout) id taken from the random stream.</summary>
    public static string RandomUuid(Random r)
    {
        Span<byte> b = stackalloc byte[16];
        r.NextBytes(b);
        b[6] = (byte)((b[6] & 0x0F) | 0x40);
        b[8] = (byte)((b[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(b);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>A bcrypt-shaped hash (not a real hash of anything).</summary>
    public static string FakeBcrypt(Random r)
    {
        Span<char> c = stackalloc char[53];
        for (var i = 0; i < c.Length; i++) c[i] = BcryptAlphabet[r.Next(BcryptAlphabet.Length)];
        return "$2b$10$" + new string(c);
    }

    // ---------------------------------------------------------------- text

    /// <summary>ASCII slug: lower case, umlauts and Czech letters transliterated, other characters become '_'.</summary>
    public static string Slug(string s, char separator = '_')
    {
        var sb = new StringBuilder(s.Length + 4);
        var lastSep = true;
        foreach (var ch in s.ToLowerInvariant())
        {
            string? rep = ch switch
            {
                'ä' => "ae", 'ö' => "oe", 'ü' => "ue", 'ß' => "ss",
                'á' or 'à' or 'â' => "a", 'č' or 'ç' => "c", 'ď' => "d", 'é' or 'ě' or 'è' or 'ë' => "e", 'í' or 'ı' => "i",
                'ň' => "n", 'ó' => "o", 'ř' => "r", 'š' or 'ş' => "s", 'ť' => "t", 'ú' or 'ů' => "u", 'ý' => "y", 'ž' => "z",
                'ć' => "c", 'ğ' => "g",
                _ => null,
            };
            if (rep is not null)
            {
                sb.Append(rep);
                lastSep = false;
            }
            else if (ch is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                sb.Append(ch);
                lastSep = false;
            }
            else if (ch == '-' && separator == '.')
            {
                sb.Append('-');
                lastSep = false;
            }
            else if (!lastSep)
            {
                sb.Append(separator);
                lastSep = true;
            }
        }
        while (sb.Length > 0 && sb[^1] == separator) sb.Length--;
        return sb.ToString();
    }

    /// <summary>Escapes a JSON string body (without quotes).</summary>
    public static string JsonEsc(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (ch < 0x20) sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(ch);
                    break;
            }
        }
        return sb.ToString();
    }

    public static string JsonStr(string s) => "\"" + JsonEsc(s) + "\"";

    /// <summary>
    /// PostgreSQL composite (row) literal: null fields are empty, other fields are quoted when needed
    /// (quotes and backslashes doubled), e.g. <c>(50,,"a, ""b""",)</c>.
    /// </summary>
    public static string Composite(params string?[] fields)
    {
        var sb = new StringBuilder(64);
        sb.Append('(');
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0) sb.Append(',');
            var f = fields[i];
            if (f is null) continue;
            var quote = f.Length == 0;
            foreach (var ch in f)
            {
                if (ch is '"' or '\\' or '(' or ')' or ',' or ' ' or '\t' or '\n' or '\r' or '{' or '}')
                {
                    quote = true;
                    break;
                }
            }
            if (!quote)
            {
                sb.Append(f);
                continue;
            }
            sb.Append('"');
            foreach (var ch in f)
            {
                if (ch == '"') sb.Append("\"\"");
                else if (ch == '\\') sb.Append("\\\\");
                else sb.Append(ch);
            }
            sb.Append('"');
        }
        sb.Append(')');
        return sb.ToString();
    }

    /// <summary>Appends one field of a COPY text-format row (null becomes \N).</summary>
    public static void CopyField(StringBuilder sb, string? value, bool first = false)
    {
        if (!first) sb.Append('\t');
        if (value is null)
        {
            sb.Append("\\N");
            return;
        }
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\t': sb.Append("\\t"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                default: sb.Append(ch); break;
            }
        }
    }

    /// <summary>bytea in hex input form (\x...).</summary>
    public static string ByteaHex(byte[] bytes) => "\\x" + Convert.ToHexStringLower(bytes);

    public static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
