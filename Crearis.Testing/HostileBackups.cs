using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Crearis.Backup.Core.Results;

namespace Crearis.Testing;

/// <summary>One hostile or damaged backup file and the issue code a careful reader must refuse it with.</summary>
public sealed record HostileBackup(string Name, string Path, IssueCode Expected)
{
    public override string ToString() => Name;
}

/// <summary>
/// Builds, from a good backup of our format, the files an attacker with a file (or a damaged copy) would hand us:
/// each is what the attack needs and no more (a lying header instead of gigabytes on disk), and where the attack
/// edits a table file the manifest's checksum is recomputed, as an attacker would. Every file must be refused with a
/// typed issue before a row is written.
/// </summary>
public static class HostileBackups
{
    /// <summary>The table whose file the attacks tamper with: its rows are easy to recognise by sysmail.</summary>
    public const string Table = "users";

    /// <summary>The sysmail of the row the attacks try to smuggle in.</summary>
    public const string SmuggledSysmail = "smuggled@attack.example";

    public static IReadOnlyList<HostileBackup> Build(string goodBackup, string folder)
    {
        var entries = ReadEntries(goodBackup);
        var file = $"tables/{Table}.jsonl";
        var rows = Encoding.UTF8.GetString(entries.Single(e => e.Name == file).Data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var smuggled = JsonNode.Parse(rows[0])!.AsObject();
        smuggled["sysmail"] = SmuggledSysmail;
        smuggled["id"] = 999_999;
        var fake = Encoding.UTF8.GetBytes(smuggled.ToJsonString() + "\n");
        var list = new List<HostileBackup>();

        HostileBackup Write(string name, IssueCode expected, IEnumerable<Entry> content, bool end = true)
        {
            var path = System.IO.Path.Combine(folder, name + ".tar.gz");
            using (var output = File.Create(path))
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            {
                foreach (var entry in content) entry.WriteTo(gzip);
                if (end) gzip.Write(new byte[1024]);
            }
            var hostile = new HostileBackup(name, path, expected);
            list.Add(hostile);
            return hostile;
        }
        // The table file replaced (and the manifest's checksum and count made to match).
        IEnumerable<Entry> WithTable(byte[] data, long? rowsInManifest = null) => entries.Select(e =>
            e.Name == file ? e with { Data = data }
            : e.Name == "manifest.json" ? e with { Data = EditTable(e.Data, t => { t["sha256"] = Sha(data); if (rowsInManifest is { } n) t["rows"] = n; }) }
            : e);
        IEnumerable<Entry> WithManifest(Func<JsonObject, JsonNode> edit) => entries.Select(e =>
            e.Name == "manifest.json" ? e with { Data = Encoding.UTF8.GetBytes(edit(JsonNode.Parse(e.Data)!.AsObject()).ToJsonString()) } : e);
        IEnumerable<Entry> Before(Entry extra) => entries.SelectMany(e => e.Name == file ? [extra, e] : new[] { e });
        var original = entries.Single(e => e.Name == file).Data;

        // 1. Integrity: a second, unchecked copy of a table file before the checked one, by three spellings.
        Write("duplicate-entry", IssueCode.DuplicateEntry, Before(new Entry(file, fake)));
        Write("duplicate-dot-slash", IssueCode.DuplicateEntry, Before(new Entry("./" + file, fake)));
        Write("contiguous-file-entry", IssueCode.UnsafeEntry, Before(new Entry(file, fake, Type: '7')));
        Write("symlink-entry", IssueCode.UnsafeEntry, Before(new Entry("tables/link.jsonl", [], Type: '2', LinkName: "/etc/passwd")));
        Write("unlisted-entry", IssueCode.UnexpectedEntry, entries.Append(new Entry("tables/extra.jsonl", fake)));
        // A manifest declaring no columns, or fewer than the rows carry.
        Write("no-declared-columns", IssueCode.BadManifest, WithManifest(m => EditTableNode(m, t => t["columns"] = new JsonArray())));
        Write("undeclared-column", IssueCode.UndeclaredColumn, WithManifest(m => EditTableNode(m, t =>
        {
            var columns = t["columns"]!.AsArray();
            var key = t["naturalKey"]!.AsArray().Select(k => (string)k!).ToHashSet();
            columns.Remove(columns.First(c => (string)c!["name"]! is var name && name != "id" && !key.Contains(name)));
        })));
        // A bare carriage return hides a row inside the first line; invalid UTF-8; a row without its line break; a
        // key given twice; a row that is not an object.
        var lines = rows.ToList();
        Write("bare-carriage-return", IssueCode.BadRow,
            WithTable(Encoding.UTF8.GetBytes(string.Join("", lines.Select((l, i) => i == 0 ? l + "\r" + Encoding.UTF8.GetString(fake).TrimEnd('\n') + "\n" : l + "\n")))));
        var broken = original.ToArray();
        broken[Array.IndexOf(broken, (byte)'@')] = 0xFF;
        Write("invalid-utf8", IssueCode.BadRow, WithTable(broken));
        Write("row-without-line-break", IssueCode.BadRow, WithTable([.. original, .. fake.AsSpan(0, fake.Length - 1)]));
        Write("key-given-twice", IssueCode.BadRow,
            WithTable([.. Encoding.UTF8.GetBytes(rows[0][..^1] + $",\"sysmail\":\"{SmuggledSysmail}\"}}\n"), .. original.AsSpan(Encoding.UTF8.GetByteCount(rows[0]) + 1)]));
        Write("row-not-an-object", IssueCode.BadRow, WithTable([.. "[1]\n"u8, .. original], rows.Length + 1));
        // 2. Bombs: a PAX header and a GNU long name claiming hundreds of MiB (zeros pack to a few hundred KB), a
        // manifest of millions of tables, one listing too many, a row naming 100k columns.
        Write("pax-header-bomb", IssueCode.TooLarge, [new Entry("PaxHeaders/bomb", new byte[600 << 20], Type: 'x'), .. entries]);
        Write("long-name-bomb", IssueCode.TooLarge, [new Entry("././@LongLink", new byte[200 << 20], Type: 'L'), .. entries]);
        Write("lying-pax-header", IssueCode.TooLarge, [new Entry("PaxHeaders/bomb", new byte[4096], Type: 'x', ClaimedSize: 600L << 20)], end: false);
        Write("manifest-of-millions", IssueCode.TooLarge, WithManifest(m =>
        {
            var tables = new JsonArray();
            for (var i = 0; i < 200_000; i++) tables.Add(new JsonObject { ["name"] = $"t{i}", ["file"] = $"tables/t{i}.jsonl" });
            m["tables"] = tables;
            return m;
        }));
        Write("manifest-too-many-tables", IssueCode.TooLarge, WithManifest(m =>
        {
            var tables = m["tables"]!.AsArray();
            var model = tables[0]!.ToJsonString();
            for (var i = 0; i < 2000; i++)
            {
                var copy = JsonNode.Parse(model)!.AsObject();
                copy["name"] = $"copy_{i}";
                copy["file"] = $"tables/copy_{i}.jsonl";
                tables.Add(copy);
            }
            return m;
        }));
        var wide = new StringBuilder("{");
        for (var i = 0; i < 100_000; i++) wide.Append(i == 0 ? "" : ",").Append($"\"c{i}\":1");
        Write("row-of-100k-columns", IssueCode.TooLarge, WithTable(Encoding.UTF8.GetBytes(wide + "}\n"), 1));
        // 3. Null and repeated members in the manifest.
        Write("manifest-null-table", IssueCode.BadManifest, WithManifest(m => { m["tables"]!.AsArray().Add(null); return m; }));
        Write("manifest-null-name", IssueCode.BadManifest, WithManifest(m => EditTableNode(m, t => t["name"] = null)));
        Write("manifest-null-tables", IssueCode.BadManifest, WithManifest(m => { m["tables"] = null; return m; }));
        Write("manifest-null-source", IssueCode.BadManifest, WithManifest(m => { m["source"] = null; return m; }));
        Write("manifest-null-column", IssueCode.BadManifest, WithManifest(m => EditTableNode(m, t => t["columns"]!.AsArray().Add(null))));
        Write("manifest-table-twice", IssueCode.BadManifest, WithManifest(m =>
        {
            var tables = m["tables"]!.AsArray();
            tables.Add(JsonNode.Parse(tables.First(t => (string)t!["name"]! == Table)!.ToJsonString()));
            return m;
        }));
        Write("manifest-member-twice", IssueCode.BadManifest, entries.Select(e => e.Name != "manifest.json" ? e
            : e with { Data = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(e.Data).TrimEnd().TrimEnd('}') + ",\"tables\":[]}") }));
        Write("manifest-file-elsewhere", IssueCode.BadManifest, WithManifest(m => EditTableNode(m, t => t["file"] = "manifest.json")));
        // A file that only looks like a backup: a manifest.json that is JSON and nothing of a manifest (every member
        // the reader would otherwise fill with its default).
        Write("manifest-looks-like-one", IssueCode.BadManifest, [new Entry("manifest.json", Encoding.UTF8.GetBytes("{\"x\":1}"))]);
        return list;
    }

    private static JsonObject EditTableNode(JsonObject manifest, Action<JsonObject> edit)
    {
        edit(manifest["tables"]!.AsArray().Single(t => (string)t!["name"]! == Table)!.AsObject());
        return manifest;
    }

    private static byte[] EditTable(byte[] manifest, Action<JsonObject> edit) =>
        Encoding.UTF8.GetBytes(EditTableNode(JsonNode.Parse(manifest)!.AsObject(), edit).ToJsonString());

    private static string Sha(byte[] data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

    private static List<Entry> ReadEntries(string backup)
    {
        using var file = File.OpenRead(backup);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var list = new List<Entry>();
        while (tar.GetNextEntry() is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            list.Add(new Entry(entry.Name, data.ToArray()));
        }
        return list;
    }

    /// <summary>A tar entry written by hand (ustar header), so a test can give it any type and any claimed size.</summary>
    private sealed record Entry(string Name, byte[] Data, char Type = '0', string LinkName = "", long? ClaimedSize = null)
    {
        public void WriteTo(Stream output)
        {
            var header = new byte[512];
            Encoding.ASCII.GetBytes(Name.Length > 100 ? Name[..100] : Name).CopyTo(header, 0);
            Octal(header, 100, 8, 420);
            Octal(header, 108, 8, 0);
            Octal(header, 116, 8, 0);
            Octal(header, 124, 12, ClaimedSize ?? Data.Length);
            Octal(header, 136, 12, 1_700_000_000);
            header[156] = (byte)Type;
            Encoding.ASCII.GetBytes(LinkName).CopyTo(header, 157);
            "ustar\0"u8.CopyTo(header.AsSpan(257));
            "00"u8.CopyTo(header.AsSpan(263));
            header.AsSpan(148, 8).Fill((byte)' ');
            var sum = header.Sum(b => b);
            Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
            output.Write(header);
            output.Write(Data);
            output.Write(new byte[(512 - Data.Length % 512) % 512]);
        }

        private static void Octal(byte[] header, int offset, int width, long value) =>
            Encoding.ASCII.GetBytes(Convert.ToString(value, 8).PadLeft(width - 1, '0') + "\0").CopyTo(header, offset);
    }
}

/// <summary>
/// A good backup, the hostile corpus made from it, and a target with content of its own whose snapshot must not move
/// whatever file is thrown at it. Built once per test class (the bombs take a few seconds to pack).
/// </summary>
public sealed class HostileCorpus : IAsyncLifetime
{
    private readonly List<string> _databases = [];

    public string Folder { get; } = Directory.CreateTempSubdirectory("crearis-hostile-").FullName;
    public string GoodBackup => System.IO.Path.Combine(Folder, "good.tar.gz");
    public IReadOnlyList<HostileBackup> Files { get; private set; } = [];
    public string Target { get; private set; } = "";
    public string TargetSnapshot { get; private set; } = "";

    public HostileBackup this[string name] => Files.Single(f => f.Name == name);

    public async Task InitializeAsync()
    {
        var (_, source) = await TestPostgres.CreateCrearisDatabaseAsync("hostile_src");
        _databases.Add(source);
        await EngineHarness.GenerateDemoAsync(source, 80, seed: 3);
        await EngineHarness.ExportAsync(source, GoodBackup);
        Files = HostileBackups.Build(GoodBackup, Folder);
        var (_, target) = await TestPostgres.CreateCrearisDatabaseAsync("hostile_dst");
        _databases.Add(target);
        await EngineHarness.GenerateDemoAsync(target, 60, seed: 4);
        Target = target;
        TargetSnapshot = await EngineHarness.SnapshotAsync(target);
    }

    public async Task DisposeAsync()
    {
        foreach (var db in _databases) await TestPostgres.DropDatabaseAsync(db);
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>The names of the corpus's files, for a theory's member data (the same list <see cref="HostileBackups.Build"/> makes).</summary>
    public static TheoryData<string> Names() =>
    [
        "duplicate-entry", "duplicate-dot-slash", "contiguous-file-entry", "symlink-entry", "unlisted-entry",
        "no-declared-columns", "undeclared-column", "bare-carriage-return", "invalid-utf8", "row-without-line-break",
        "key-given-twice", "row-not-an-object", "pax-header-bomb", "long-name-bomb", "lying-pax-header",
        "manifest-of-millions", "manifest-too-many-tables", "row-of-100k-columns", "manifest-null-table",
        "manifest-null-name", "manifest-null-tables", "manifest-null-source", "manifest-null-column",
        "manifest-table-twice", "manifest-member-twice", "manifest-file-elsewhere", "manifest-looks-like-one",
    ];
}
