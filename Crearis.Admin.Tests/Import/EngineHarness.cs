using System.Formats.Tar;
using System.IO.Compression;
using Crearis.Admin.Tests.Infrastructure;
using Crearis.Backup.Core.Export;
using Crearis.Backup.Core.Import;
using Npgsql;

namespace Crearis.Admin.Tests.Import;

/// <summary>Export, import and database helpers shared by the engine tests.</summary>
public static class EngineHarness
{
    public static async Task<string> ExportAsync(string connectionString, string file, ExportOptions? options = null)
    {
        var result = await BackupExporter.ExportAsync(connectionString, file, options ?? new ExportOptions());
        result.Succeeded.Should().BeTrue(string.Join("\n", result.Issues));
        return file;
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
        foreach (var table in Crearis.Backup.Core.Database.ContentTables.All)
        {
            await using var cmd = new NpgsqlCommand($"SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM public.\"{table}\" t", conn);
            text.Append(table).Append('\n').Append(await cmd.ExecuteScalarAsync()).Append('\n');
        }
        if (!sequences) return text.ToString();
        await using (var seq = new NpgsqlCommand("SELECT string_agg(sequencename || '=' || coalesce(last_value::text, 'null'), ',' ORDER BY sequencename) FROM pg_sequences WHERE schemaname = 'public'", conn))
            text.Append(await seq.ExecuteScalarAsync());
        return text.ToString();
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
}
