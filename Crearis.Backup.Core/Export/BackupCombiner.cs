using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crearis.Backup.Core.Encryption;
using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Format.Crearis;
using Crearis.Backup.Core.Ledger;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Export;

/// <summary>
/// Rebuilds a full backup from a full base and a chain of differentials: each differential must name the file before it
/// (by content SHA-256) as its base. Per table, the base's rows are taken, a differential's tombstones remove rows by
/// natural key and its rows replace (or add) rows by natural key — where a key may repeat, the differential holds all
/// the key's rows and they replace the group; rows are written ordered by a numeric id where every row has one (the
/// full export's order). The manifest is the last differential's, as a full backup.
/// </summary>
public static class BackupCombiner
{
    public static async Task<ExportResult> CombineAsync(string basePath, IReadOnlyList<string> differentials, string outputPath,
        BackupKeys? keys = null, BackupEncryption? encryption = null, CancellationToken ct = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var issues = new List<BackupIssue>();
        var files = new[] { basePath }.Concat(differentials).Select(Path.GetFullPath).ToList();
        var manifests = new List<BackupManifest>();
        foreach (var file in files)
        {
            var v = await CrearisBackupReader.VerifyAsync(file, ct, keys: keys);
            if (!v.IsValid || v.Manifest is null) return new(false, null, null, v.Issues, clock.Elapsed);
            manifests.Add(v.Manifest);
        }
        if (differentials.Count == 0 || manifests[0].Differential is not null)
            issues.Add(BackupIssue.Error(IssueCode.BaseMismatch, $"{Path.GetFileName(files[0])} is {(manifests[0].Differential is null ? "a full backup, but no differential follows it" : "itself a differential")}.",
                "Give a full backup first, then the differentials taken against it, each against the one before."));
        for (var i = 1; i < files.Count && issues.Count == 0; i++)
        {
            var previous = SyncLedger.ContentSha256(manifests[i - 1]);
            if (manifests[i].Differential?.BaseSha256 != previous)
                issues.Add(BackupIssue.Error(IssueCode.BaseMismatch,
                    manifests[i].Differential is null
                        ? $"{Path.GetFileName(files[i])} is a full backup, not a differential."
                        : $"{Path.GetFileName(files[i])} is taken against the backup {manifests[i].Differential!.BaseSha256[..12]}…, not against {Path.GetFileName(files[i - 1])} ({previous[..12]}…).",
                    "Give the differentials in the order they were exported, each after the backup it was taken against."));
            else if (!manifests[i].Tables.Select(t => t.Name).Order().SequenceEqual(manifests[0].Tables.Select(t => t.Name).Order()))
                issues.Add(BackupIssue.Error(IssueCode.BaseMismatch, $"{Path.GetFileName(files[i])} holds other tables than {Path.GetFileName(files[0])}.",
                    "Combine backups of the same tables."));
        }
        if (issues.Count > 0) return new(false, null, null, issues, clock.Elapsed);

        var fullPath = Path.GetFullPath(outputPath);
        var directory = Path.GetDirectoryName(fullPath)!;
        if (!Directory.Exists(directory))
            return new(false, null, null, [BackupIssue.Error(IssueCode.OutputFolderMissing, $"The folder {directory} does not exist.", "Create it or choose another --output.")], clock.Elapsed);
        var temporary = PartialFiles.NameFor(fullPath);
        var last = manifests[^1];
        var sources = files.Select((f, i) => CrearisBackupReader.Open(f, manifests[i], keys: keys)).ToList();
        try
        {
            var tables = new List<ManifestTable>();
            await using (Stream file = encryption is not null ? new AgeEncryptStream(PartialFiles.CreateOwnerOnly(temporary), encryption) : PartialFiles.CreateOwnerOnly(temporary))
            await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
            {
                foreach (var table in last.Tables)
                {
                    var timestamps = table.Columns.Where(c => c.Type == "timestamp with time zone").Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
                    // A row's natural key (and numeric id, for the base's order), from one parse of the row.
                    (string Key, long? Id) Identify(string json)
                    {
                        using var doc = JsonDocument.Parse(json);
                        return (string.Join('\u001f', table.NaturalKey.Select(k => KeyPart(doc.RootElement, k, timestamps.Contains(k)))), NumericId(doc.RootElement));
                    }
                    string KeyOf(string json) => Identify(json).Key;
                    // What the differentials change, in chain order: per key the rows that replace its group, or null
                    // for a key deleted. Only these are held in memory (a differential is a small part of the table);
                    // the base's rows stream through.
                    var changes = new Dictionary<string, List<string>?>(StringComparer.Ordinal);
                    var added = new List<string>();
                    for (var i = 1; i < sources.Count; i++)
                    {
                        await foreach (var tomb in sources[i].ReadTombstonesAsync(table.Name, ct)) changes[KeyOf(tomb.Json)] = null;
                        var replaced = new HashSet<string>(StringComparer.Ordinal);
                        await foreach (var row in sources[i].ReadRowsAsync(table.Name, ct))
                        {
                            var key = KeyOf(row.Json);
                            if (replaced.Add(key) || changes.GetValueOrDefault(key) is null) changes[key] = [];
                            changes[key]!.Add(row.Json);
                            added.Add(key);
                        }
                    }
                    var kept = Merge(sources[0].ReadRowsAsync(table.Name, ct), Identify, changes, added,
                        table.Columns.Any(c => c.Name == "id" && c.Type is "integer" or "bigint" or "smallint"), ct);
                    await using var scratch = PartialFiles.CreateScratch(directory, Path.GetFileName(fullPath));
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    long count = 0;
                    await foreach (var json in kept)
                    {
                        var bytes = Encoding.UTF8.GetBytes(json + "\n");
                        await scratch.WriteAsync(bytes, ct);
                        sha.AppendData(bytes);
                        count++;
                    }
                    await scratch.FlushAsync(ct);
                    var length = scratch.Length;
                    scratch.Position = 0;
                    await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, table.File) { DataStream = scratch }, ct);
                    tables.Add(table with { Rows = count, Bytes = length, Sha256 = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant() });
                }
                var manifest = last with
                {
                    Tables = tables,
                    Differential = null,
                    Description = $"Combined from {string.Join(", ", files.Select(Path.GetFileName))}",
                };
                var json2 = JsonSerializer.SerializeToUtf8Bytes(manifest, BackupManifest.Json);
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, BackupManifest.FileName) { DataStream = new MemoryStream(json2) }, ct);
                await tar.DisposeAsync();
                await gzip.DisposeAsync();
                await file.DisposeAsync();
                File.Move(temporary, fullPath, overwrite: true);
                return new(true, fullPath, manifest, issues, clock.Elapsed);
            }
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { }
            throw;
        }
        finally
        {
            foreach (var source in sources) await source.DisposeAsync();
        }
    }

    /// <summary>
    /// The base's rows with the changes applied, streamed: a key the differentials replaced or deleted drops its base
    /// rows. With a numeric id (the full export's order), the changed rows are merged into the base's id order; without
    /// one, a replaced key's rows take its place in the base and new keys follow in the order the differentials give them.
    /// </summary>
    private static async IAsyncEnumerable<string> Merge(IAsyncEnumerable<BackupRow> baseRows, Func<string, (string Key, long? Id)> identify,
        Dictionary<string, List<string>?> changes, List<string> added, bool byId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        var pending = byId
            ? new Queue<(long Id, string Json)>(changes.Values.Where(g => g is not null).SelectMany(g => g!)
                .Select(json => (identify(json).Id ?? long.MaxValue, json)).OrderBy(r => r.Item1))
            : new Queue<(long Id, string Json)>();
        await foreach (var row in baseRows.WithCancellation(ct))
        {
            var (key, rowId) = identify(row.Json);
            if (byId && rowId is { } id)
                while (pending.Count > 0 && pending.Peek().Id < id) yield return pending.Dequeue().Json;
            if (!changes.TryGetValue(key, out var group)) yield return row.Json;
            else if (!byId && group is not null && emitted.Add(key))
                foreach (var json in group) yield return json;
        }
        while (pending.Count > 0) yield return pending.Dequeue().Json;
        if (byId) yield break;
        foreach (var key in added)
            if (changes[key] is { } group && emitted.Add(key))
                foreach (var json in group) yield return json;
    }

    private static string KeyPart(JsonElement row, string column, bool timestamp)
    {
        if (!row.TryGetProperty(column, out var value) || value.ValueKind == JsonValueKind.Null) return "null";
        // A timestamp with time zone is written in the exporting session's zone: compared as the instant it is.
        if (timestamp && value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.None, out var instant))
            return instant.UtcDateTime.ToString("O");
        return value.GetRawText();
    }

    private static long? NumericId(JsonElement row) =>
        row.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var n) ? n : null;
}
