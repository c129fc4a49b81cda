using System.Formats.Tar;
using System.IO.Compression;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Import;
using Npgsql;

namespace Crearis.Testing;

/// <summary>Export, import and database helpers shared by the engine tests.</summary>
public static class EngineHarness
{
    public static async Task<string> ExportAsync(string connectionString, string file, ExportOptions? options = null)
    {
        var result = await BackupExporter.ExportAsync(connectionString, file, options ?? new ExportOptions());
        result.Succeeded.Should().BeTrue(string.Join("\n", result.Issues));
        return file;
    }

    /// <summary>Fills a database with deterministic demo data (the platform's triggers on).</summary>
    public static async Task GenerateDemoAsync(string connectionString, int rows, int seed = 42)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await Crearis.Platform.Demo.DemoDataGenerator.GenerateAsync(conn, new Crearis.Platform.Demo.DemoDataOptions(rows, seed));
    }

    public static Task<ImportResult> ImportAsync(string target, string file, ImportOptions options) =>
        BackupImporter.ImportFileAsync(target, file, options);

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of a query's rows, as text ("(null)" for NULL).</summary>
    public static async Task<List<string>> ColumnAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.IsDBNull(0) ? "(null)" : reader.GetValue(0).ToString()!);
        return values;
    }

    public static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>
    /// Everything that "byte-for-byte unchanged" covers: every content table's rows as stored (ids included) and the
    /// sequences' positions.
    /// </summary>
    public static async Task<string> SnapshotAsync(string connectionString, bool sequences = true)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var text = new System.Text.StringBuilder();
        foreach (var table in Crearis.Platform.Database.ContentTables.All)
        {
            await using var cmd = new NpgsqlCommand($"SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM public.\"{table}\" t", conn);
            text.Append(table).Append('\n').Append(await cmd.ExecuteScalarAsync()).Append('\n');
        }
        if (!sequences) return text.ToString();
        await using (var seq = new NpgsqlCommand("SELECT string_agg(sequencename || '=' || coalesce(last_value::text, 'null'), ',' ORDER BY sequencename) FROM pg_sequences WHERE schemaname = 'public'", conn))
            text.Append(await seq.ExecuteScalarAsync());
        return text.ToString();
    }

    /// <summary>Each sequence's next value (what nextval would return), by name.</summary>
    public static async Task<Dictionary<string, long>> SequencesAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var result = new Dictionary<string, long>();
        await using var cmd = new NpgsqlCommand(
            "SELECT sequencename, coalesce(last_value + increment_by, start_value) FROM pg_sequences WHERE schemaname = 'public'", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result[reader.GetString(0)] = reader.GetInt64(1);
        return result;
    }

    /// <summary>
    /// A rollback may leave gaps (as PostgreSQL itself does) but never winds a sequence back: the platform keeps
    /// inserting while an import runs, and a sequence set back would hand out ids that are taken.
    /// </summary>
    public static async Task SequencesShouldNotHaveMovedBackAsync(string connectionString, Dictionary<string, long> before)
    {
        var after = await SequencesAsync(connectionString);
        foreach (var (name, next) in before)
            after[name].Should().BeGreaterThanOrEqualTo(next, $"{name} is never wound back");
    }

    /// <summary>The text of one member of a .tar.gz.</summary>
    public static async Task<string> ReadMemberAsync(string file, string member)
    {
        await using var input = File.OpenRead(file);
        await using var gunzip = new GZipStream(input, CompressionMode.Decompress);
        await using var reader = new TarReader(gunzip);
        while (await reader.GetNextEntryAsync(copyData: false) is { } entry)
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            if (name == member && entry.DataStream is not null) return await new StreamReader(entry.DataStream).ReadToEndAsync();
        }
        throw new InvalidOperationException($"{file} has no {member}");
    }

    /// <summary>Copies a .tar.gz, letting <paramref name="edit"/> change one member's text.</summary>
    public static async Task<string> RewriteMemberAsync(string source, string destination, string member, Func<string, string> edit)
    {
        await using (var input = File.OpenRead(source))
        await using (var gunzip = new GZipStream(input, CompressionMode.Decompress))
        await using (var reader = new TarReader(gunzip))
        await using (var output = File.Create(destination))
        await using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        await using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (name == member && entry.DataStream is not null)
                {
                    var text = await new StreamReader(entry.DataStream).ReadToEndAsync();
                    var copy = new PaxTarEntry(TarEntryType.RegularFile, entry.Name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(edit(text))) };
                    await writer.WriteEntryAsync(copy);
                }
                else
                {
                    await writer.WriteEntryAsync(entry);
                }
            }
        }
        return destination;
    }

    /// <summary>
    /// Copies one of our backups as an older schema would have written it: the given columns gone from the rows and
    /// from the manifest (checksums and sizes recomputed, so the file verifies).
    /// </summary>
    public static async Task<string> DropColumnsAsync(string source, string destination, params (string Table, string Column)[] drop)
    {
        var members = new List<(string Name, byte[] Data)>();
        await using (var input = File.OpenRead(source))
        await using (var gunzip = new GZipStream(input, CompressionMode.Decompress))
        await using (var reader = new TarReader(gunzip))
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                using var buffer = new MemoryStream();
                if (entry.DataStream is not null) await entry.DataStream.CopyToAsync(buffer);
                members.Add((entry.Name, buffer.ToArray()));
            }
        var manifestIndex = members.FindIndex(m => m.Name.EndsWith("manifest.json", StringComparison.Ordinal));
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(members[manifestIndex].Data)!;
        foreach (var table in manifest["tables"]!.AsArray().Select(t => t!.AsObject()))
        {
            var name = table["name"]!.GetValue<string>();
            var columns = drop.Where(d => d.Table == name).Select(d => d.Column).ToHashSet();
            if (columns.Count == 0) continue;
            var file = table["file"]!.GetValue<string>();
            var index = members.FindIndex(m => m.Name.EndsWith(file, StringComparison.Ordinal));
            var text = new System.Text.StringBuilder();
            foreach (var line in System.Text.Encoding.UTF8.GetString(members[index].Data).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var row = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
                foreach (var column in columns) row.Remove(column);
                text.Append(row.ToJsonString()).Append('\n');
            }
            var data = System.Text.Encoding.UTF8.GetBytes(text.ToString());
            members[index] = (members[index].Name, data);
            table["sha256"] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data)).ToLowerInvariant();
            table["bytes"] = data.LongLength;
            var kept = table["columns"]!.AsArray().Where(c => !columns.Contains(c!["name"]!.GetValue<string>())).Select(c => c!.DeepClone()).ToArray();
            table["columns"] = new System.Text.Json.Nodes.JsonArray(kept);
        }
        members[manifestIndex] = (members[manifestIndex].Name, System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        await using (var output = File.Create(destination))
        await using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        await using (var writer = new TarWriter(gzip, TarEntryFormat.Pax))
            foreach (var (name, data) in members)
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        return destination;
    }
}
