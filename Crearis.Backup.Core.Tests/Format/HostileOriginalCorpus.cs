using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Crearis.Backup.Core.Tests.Format;

/// <summary>
/// A hostile file of the original format: how to write it, the error verification must give, and what that error
/// must name. Each is small on disk; the bombs among them lie in their headers or unpack far beyond their size.
/// </summary>
public sealed record HostileOriginal(string Name, IssueCode Expected, string[] Mentions, Func<string, Task> WriteAsync)
{
    public override string ToString() => Name;
}

/// <summary>
/// Writes original-format tarballs byte by byte, so that anything a hostile file can hold (duplicate and non-regular
/// entries, lying PAX and GNU headers, broken UTF-8, repeated JSON members) can be put in; and the corpus of such files.
/// The valid base is one table file (tags, two rows) with its index.json, as the exporter lays them out.
/// </summary>
public static class HostileOriginalCorpus
{
    public const string TagColumns = """["name","description","name_i18n","desc_i18n"]""";

    public const string TagRows = """
        [{"name":"child","description":"Content for children","name_i18n":{"de":"Kind"},"desc_i18n":null},
         {"name":"adult","description":"Content for adults","name_i18n":{"de":"Erwachsene"},"desc_i18n":null}]
        """;

    public static string TagsFile(string rows = TagRows, string columns = TagColumns, string rowCount = "2") =>
        $$"""{"tableName":"tags","rowCount":{{rowCount}},"columns":{{columns}},"rows":{{rows}}}""";

    public static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>index.json with the members given as raw JSON text, so that tests can put in nulls and repeated names.</summary>
    public static string Index(string files, string checksums, string entities = """["tags"]""",
        string metadata = """{"timestamp":"2026-01-01T00:00:00.000Z","database":"test.db","version":"1.0"}""") =>
        $$"""{"metadata":{{metadata}},"entities":{{entities}},"files":{{files}},"tarballName":"backup_test.db_1.tar.gz","checksums":{{checksums}}}""";

    public static string IndexFor(byte[] tags) => Index("""{"tags":"tags.json"}""", $$"""{"tags.json":"{{Sha(tags)}}"}""");

    /// <summary>The valid base, with optional entries before the real members.</summary>
    public static async Task WriteValidAsync(string path, Action<RawTar>? before = null, byte[]? tags = null, Func<byte[], byte[]>? index = null)
    {
        tags ??= Encoding.UTF8.GetBytes(TagsFile());
        await using var tar = RawTar.Create(path);
        tar.Directory("./");
        before?.Invoke(tar);
        tar.File("./tags.json", tags);
        tar.File("./index.json", index?.Invoke(tags) ?? Encoding.UTF8.GetBytes(IndexFor(tags)));
    }

    /// <summary>A table file the size of <paramref name="count"/> repetitions of <paramref name="row"/>, written without holding it in memory.</summary>
    public static async Task WriteManyRowsAsync(string path, string row, long count, string rowCount)
    {
        var head = Encoding.UTF8.GetBytes($$"""{"tableName":"tags","rowCount":{{rowCount}},"columns":{{TagColumns}},"rows":[""");
        var separated = Encoding.UTF8.GetBytes(row + ",");
        var last = Encoding.UTF8.GetBytes(row + "]}");
        var size = head.Length + separated.Length * (count - 1) + last.Length;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var tar = RawTar.Create(path);
        tar.Directory("./");
        tar.FileOfSize("./tags.json", size, write =>
        {
            void Put(byte[] bytes)
            {
                sha.AppendData(bytes);
                write(bytes);
            }
            Put(head);
            // Rows in batches: one write per row would make generating the file the slow part of the test.
            var batch = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(row + ",", 4096)));
            var left = count - 1;
            for (; left >= 4096; left -= 4096) Put(batch);
            for (; left > 0; left--) Put(separated);
            Put(last);
        });
        var index = Index("""{"tags":"tags.json"}""", $$"""{"tags.json":"{{Convert.ToHexStringLower(sha.GetHashAndReset())}}"}""");
        tar.File("./index.json", Encoding.UTF8.GetBytes(index));
    }

    /// <summary>
    /// tags and events made to exhaust the search for tag ids: <paramref name="count"/> tags that all show the label
    /// "Gleich" in German, and as many events, each listing one id of its own under that label. Any tag could have any
    /// id; proving that takes a search over all of them.
    /// </summary>
    public static async Task WriteTagSearchBombAsync(string path, int count)
    {
        var tags = string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"name":"t{{i}}","description":null,"name_i18n":{"de":"Gleich"},"desc_i18n":null}"""));
        var events = string.Join(",", Enumerable.Range(0, count).Select(i =>
            $$"""{"xmlid":"e{{i}}","name":"e{{i}}","status":"draft","lang":"de","tags_ids":[{{i + 1}}],"tags_display":["Gleich"]}"""));
        var tagsFile = Utf8(TagsFile(rows: $"[{tags}]", rowCount: $"{count}"));
        var eventsFile = Utf8($$"""{"tableName":"events","rowCount":{{count}},"columns":["xmlid","name","status","lang","tags_ids","tags_display"],"rows":[{{events}}]}""");
        await using var tar = RawTar.Create(path);
        tar.Directory("./");
        tar.File("./tags.json", tagsFile);
        tar.File("./events.json", eventsFile);
        tar.File("./index.json", Utf8(Index("""{"tags":"tags.json","events":"events.json"}""",
            $$"""{"tags.json":"{{Sha(tagsFile)}}","events.json":"{{Sha(eventsFile)}}"}""", entities: """["tags","events"]""")));
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary><paramref name="text"/> with every "~" replaced by the byte 0xFF, which UTF-8 never holds.</summary>
    public static byte[] BrokenUtf8(string text) => Utf8(text).Select(b => b == (byte)'~' ? (byte)0xFF : b).ToArray();

    private static HostileOriginal Case(string name, IssueCode expected, string[] mentions, Func<string, Task> write) =>
        new(name, expected, mentions, write);

    public static IReadOnlyList<HostileOriginal> All { get; } =
    [
        // ---- 1. integrity: duplicate and non-regular entries, undeclared keys, invalid text
        .. new[] { ("./tags.json", "duplicate-same-name"), ("tags.json", "duplicate-without-dot-slash"), ("././tags.json", "duplicate-double-dot-slash") }
            .Select(d => Case(d.Item2, IssueCode.DuplicateEntry, ["tags.json"], path => WriteValidAsync(path,
                before: tar => tar.File(d.Item1, Utf8(TagsFile(rows: """[{"name":"hacked","description":null,"name_i18n":null,"desc_i18n":null}]""", rowCount: "1")))))),
        .. new[] { ('7', "contiguous-file"), ('2', "symbolic-link"), ('1', "hard-link"), ('3', "character-device"), ('4', "block-device"), ('6', "fifo") }
            .Select(t => Case(t.Item2, IssueCode.UnsafeEntry, ["tags.json"], path => WriteValidAsync(path,
                // Only a contiguous file carries data; links and devices are headers alone.
                before: tar => tar.Entry("./tags.json", t.Item1, t.Item1 == '7' ? Utf8(TagsFile()) : [], linkName: t.Item1 is '1' or '2' ? "/etc/passwd" : "")))),
        Case("undeclared-row-key", IssueCode.BadTableFile, ["tags", "row 2", "\"secret\""], path => WriteValidAsync(path,
            tags: Utf8(TagsFile(rows: """[{"name":"a","description":null,"name_i18n":null,"desc_i18n":null},{"name":"b","description":null,"name_i18n":null,"desc_i18n":null,"secret":1}]""")))),
        Case("repeated-row-key", IssueCode.BadTableFile, ["tags", "row 1", "\"name\""], path => WriteValidAsync(path,
            tags: Utf8(TagsFile(rows: """[{"name":"a","description":null,"name_i18n":null,"desc_i18n":null,"name":"b"},{"name":"c","description":null,"name_i18n":null,"desc_i18n":null}]""")))),
        Case("repeated-column", IssueCode.BadTableFile, ["tags", "\"name\""], path => WriteValidAsync(path,
            tags: Utf8(TagsFile(columns: """["name","description","name_i18n","desc_i18n","name"]""")))),
        Case("row-without-declared-columns", IssueCode.BadTableFile, ["tags", "row 1", "\"name\""], path => WriteValidAsync(path,
            tags: Utf8(TagsFile(rows: "[{},{}]")))),
        Case("repeated-table-member", IssueCode.BadTableFile, ["tags.json", "\"rows\""], path => WriteValidAsync(path,
            tags: Utf8("""{"tableName":"tags","rowCount":2,"columns":["name","description","name_i18n","desc_i18n"],"rows":[],"rows":""" + TagRows + "}"))),
        Case("broken-utf8-in-a-value", IssueCode.BadTableFile, ["tags.json", "UTF-8"], path => WriteValidAsync(path,
            tags: BrokenUtf8(TagsFile(rows: """[{"name":"ch~ld","description":null,"name_i18n":null,"desc_i18n":null},{"name":"b","description":null,"name_i18n":null,"desc_i18n":null}]""")))),
        Case("broken-utf8-in-a-table-name", IssueCode.BadTableFile, ["tags.json", "UTF-8"], path => WriteValidAsync(path,
            tags: BrokenUtf8(TagsFile().Replace("\"tableName\":\"tags\"", "\"tableName\":\"ta~s\"", StringComparison.Ordinal)))),
        // Escapes can spell a lone surrogate, which no text holds (PostgreSQL's jsonb refuses it, reading it as a string throws).
        Case("lone-surrogate-in-a-value", IssueCode.BadTableFile, ["tags", "row 1", "surrogate"], path => WriteValidAsync(path,
            tags: Utf8(TagsFile(rows: """[{"name":"ch\ud800ld","description":null,"name_i18n":null,"desc_i18n":null},{"name":"b","description":null,"name_i18n":null,"desc_i18n":null}]""")))),
        Case("lone-surrogate-in-a-table-name", IssueCode.BadTableFile, ["tags.json", "tableName"], path => WriteValidAsync(path,
            tags: Utf8(TagsFile().Replace("\"tableName\":\"tags\"", "\"tableName\":\"ta\\udc00s\"", StringComparison.Ordinal)))),
        Case("broken-utf8-in-the-index", IssueCode.BadIndex, ["index.json", "UTF-8"], path => WriteValidAsync(path,
            index: tags => BrokenUtf8(Index("""{"tags":"tags.json"}""", $$"""{"tags.json":"{{Sha(tags)}}"}""",
                metadata: """{"timestamp":"2026-01-01T00:00:00.000Z","database":"t~st.db","description":"~"}""")))),

        // Tar readers disagree on whether a folder's size is followed by data: what hides there is seen by some only.
        Case("folder-with-data", IssueCode.CorruptArchive, ["./hidden/", "folder"], path => WriteValidAsync(path,
            before: tar => tar.Entry("./hidden/", '5', new byte[1024]))),
        Case("cut-off-inside-a-table-file", IssueCode.CorruptArchive, ["tags.json", "truncated"], async path =>
        {
            var rows = "[" + string.Join(",", Enumerable.Range(0, 2000).Select(i => $$"""{"name":"t{{i}}","description":"{{Guid.NewGuid()}}","name_i18n":null,"desc_i18n":null}""")) + "]";
            await WriteValidAsync(path, tags: Utf8(TagsFile(rows: rows, rowCount: "2000")));
            // The gzip stream ends quietly where it was cut; the tar entry ends short of the length its header gives.
            var bytes = await File.ReadAllBytesAsync(path);
            await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        }),

        // ---- 3. null and repeated members of index.json
        .. new (string Name, Func<byte[], string> Index, string[] Mentions)[]
        {
            ("index-files-null", t => Index("null", $$"""{"tags.json":"{{Sha(t)}}"}"""), ["\"files\""]),
            ("index-file-name-null", t => Index("""{"tags":null}""", $$"""{"tags.json":"{{Sha(t)}}"}"""), ["tags"]),
            ("index-checksums-null", t => Index("""{"tags":"tags.json"}""", "null"), ["\"checksums\""]),
            ("index-checksum-null", t => Index("""{"tags":"tags.json"}""", """{"tags.json":null}"""), ["tags.json"]),
            ("index-entities-null", t => Index("""{"tags":"tags.json"}""", $$"""{"tags.json":"{{Sha(t)}}"}""", entities: "null"), ["\"entities\""]),
            ("index-entity-null", t => Index("""{"tags":"tags.json"}""", $$"""{"tags.json":"{{Sha(t)}}"}""", entities: """["tags",null]"""), ["\"entities\""]),
            ("index-metadata-null", t => Index("""{"tags":"tags.json"}""", $$"""{"tags.json":"{{Sha(t)}}"}""", metadata: "null"), ["\"metadata\""]),
            ("index-entity-twice", t => Index("""{"tags":"tags.json"}""", $$"""{"tags.json":"{{Sha(t)}}"}""", entities: """["tags","tags"]"""), ["tags"]),
            ("index-table-twice", t => Index("""{"tags":"tags.json","tags":"tags.json"}""", $$"""{"tags.json":"{{Sha(t)}}"}"""), ["tags"]),
            ("index-checksum-twice", t => Index("""{"tags":"tags.json"}""", $$"""{"tags.json":"{{new string('0', 64)}}","tags.json":"{{Sha(t)}}"}"""), ["tags.json"]),
            ("index-files-twice", t => Index("""{"tags":"other.json"}, "files": {"tags":"tags.json"}""", $$"""{"tags.json":"{{Sha(t)}}"}"""), ["\"files\""]),
            ("index-not-an-object", _ => "[1,2,3]", ["index.json"]),
        }.Select(c => Case(c.Name, IssueCode.BadIndex, ["index.json", .. c.Mentions], path => WriteValidAsync(path, index: t => Utf8(c.Index(t))))),

        // ---- 2. bombs: header sizes that lie, far more entries than a backup has, a row longer than any row
        .. new[] { ('x', "pax-header-of-600-mib"), ('g', "pax-global-header-of-600-mib"), ('L', "gnu-long-name-of-600-mib"), ('K', "gnu-long-link-of-600-mib") }
            .Select(h => Case(h.Item2, IssueCode.TooLarge, ["MiB"], path => WriteValidAsync(path,
                before: tar => tar.LyingHeader("./PaxHeaders/tags.json", h.Item1, declaredSize: 600L << 20, actual: Utf8("30 path=./tags.json\n"))))),
        Case("two-thousand-entries", IssueCode.TooLarge, ["entries"], path => WriteValidAsync(path,
            before: tar => { for (var i = 0; i < 2000; i++) tar.Directory($"./d{i}/"); })),
        Case("table-with-100k-columns", IssueCode.TooLarge, ["tags", "columns"], path =>
        {
            var names = Enumerable.Range(0, 100_000).Select(i => $"c{i}").ToList();
            var columns = "[" + string.Join(",", names.Select(n => $"\"{n}\"")) + "]";
            var row = "{" + string.Join(",", names.Select(n => $"\"{n}\":1")) + "}";
            return WriteValidAsync(path, tags: Utf8(TagsFile(rows: $"[{row}]", columns: columns, rowCount: "1")));
        }),
        Case("row-with-100k-undeclared-keys", IssueCode.BadTableFile, ["tags", "row 1"], path =>
        {
            var row = """{"name":"a","description":null,"name_i18n":null,"desc_i18n":null,""" + string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"\"c{i}\":1")) + "}";
            return WriteValidAsync(path, tags: Utf8(TagsFile(rows: $"[{row}]", rowCount: "1")));
        }),
    ];

    public static HostileOriginal Named(string name) => All.Single(c => c.Name == name);

    public static IEnumerable<object[]> Names => All.Select(c => new object[] { c.Name });
}

/// <summary>
/// A tar written header by header (ustar, 512-byte blocks) into a gzip file: unlike TarWriter it writes any type flag,
/// any name twice, and sizes that do not match the data that follows.
/// </summary>
public sealed class RawTar : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly GZipStream _gzip;
    private bool _ended;

    private RawTar(string path)
    {
        _file = System.IO.File.Create(path);
        _gzip = new GZipStream(_file, CompressionLevel.Fastest);
    }

    public static RawTar Create(string path) => new(path);

    public void Directory(string name) => Header(name, '5', 0);

    public void File(string name, byte[] data) => Entry(name, '0', data);

    public void Entry(string name, char type, byte[] data, string linkName = "")
    {
        Header(name, type, data.Length, linkName);
        Data(data);
    }

    /// <summary>An entry of <paramref name="size"/> bytes that <paramref name="write"/> produces in pieces.</summary>
    public void FileOfSize(string name, long size, Action<Action<byte[]>> write)
    {
        Header(name, '0', size);
        long written = 0;
        write(bytes =>
        {
            _gzip.Write(bytes);
            written += bytes.Length;
        });
        if (written != size) throw new InvalidOperationException($"{name}: {written} bytes written, {size} declared.");
        Pad(size);
    }

    /// <summary>A header that declares <paramref name="declaredSize"/> bytes, followed by only <paramref name="actual"/>, and the end of the file.</summary>
    public void LyingHeader(string name, char type, long declaredSize, byte[] actual)
    {
        Header(name, type, declaredSize);
        _gzip.Write(actual);
        _ended = true;
    }

    private void Data(byte[] data)
    {
        _gzip.Write(data);
        Pad(data.Length);
    }

    private void Pad(long size)
    {
        var rest = (int)(size % 512);
        if (rest > 0) _gzip.Write(new byte[512 - rest]);
    }

    private void Header(string name, char type, long size, string linkName = "")
    {
        if (_ended) return;
        var header = new byte[512];
        void Put(int offset, int length, string text) => Encoding.ASCII.GetBytes(text).AsSpan(0, Math.Min(length, text.Length)).CopyTo(header.AsSpan(offset));
        Put(0, 100, name);
        Put(100, 8, "0000644\0");
        Put(108, 8, "0000000\0");
        Put(116, 8, "0000000\0");
        Put(124, 12, Convert.ToString(size, 8).PadLeft(11, '0') + "\0");
        Put(136, 12, "15000000000\0");
        header[156] = (byte)type;
        Put(157, 100, linkName);
        Put(257, 6, "ustar\0");
        Put(263, 2, "00");
        Put(265, 32, "root");
        Put(297, 32, "root");
        // The checksum is taken with its own field read as spaces.
        Put(148, 8, "        ");
        var sum = header.Sum(b => (int)b);
        Put(148, 8, Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
        _gzip.Write(header);
    }

    public async ValueTask DisposeAsync()
    {
        // Two zero blocks end an archive; a file that lies about a header's size ends right after it instead.
        if (!_ended) _gzip.Write(new byte[1024]);
        await _gzip.DisposeAsync();
        await _file.DisposeAsync();
    }
}
