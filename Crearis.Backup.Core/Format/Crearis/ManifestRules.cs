using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Crearis;

/// <summary>
/// Reads manifest.json strictly and checks that it describes a backup this tool can hold to it: every member present
/// and not null, no member or table twice, each table's file where the exporter puts it, columns declared (a row may
/// carry only those). A manifest that fails is a typed issue, never an exception from deep inside the import.
/// </summary>
internal static partial class ManifestRules
{
    private static readonly JsonSerializerOptions Strict = new(BackupManifest.Json)
    {
        AllowDuplicateProperties = false,
        RespectNullableAnnotations = true,
    };

    /// <summary>The members every manifest the exporter writes has (<see cref="BackupManifest"/>'s, as JSON names).</summary>
    private static readonly string[] RequiredMembers = ["format", "formatVersion", "createdAt", "source", "schemaFingerprint", "profile", "options", "tables"];

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256();

    public static async Task<(BackupManifest? Manifest, BackupIssue? Issue)> ReadAsync(Stream data, string file, BackupLimits limits,
        CancellationToken ct)
    {
        using var bytes = new MemoryStream();
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await data.ReadAsync(buffer, ct)) > 0)
        {
            if (bytes.Length + read > limits.MaxManifestBytes)
                return (null, Bad(IssueCode.TooLarge, $"{file}: manifest.json is larger than {limits.MaxManifestBytes >> 20} MiB; one of a backup is a few KB."));
            bytes.Write(buffer, 0, read);
        }
        if (!Utf8.IsValid(bytes.GetBuffer().AsSpan(0, (int)bytes.Length)))
            return (null, Bad(IssueCode.BadManifest, $"{file}: manifest.json is not valid UTF-8 text."));
        try
        {
            // Members the exporter always writes must be there: deserialising fills a missing one with its default,
            // which would make any JSON object (say {"x":1}) read as an empty backup of the current format.
            using (var document = JsonDocument.Parse(bytes.GetBuffer().AsMemory(0, (int)bytes.Length)))
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    return (null, Bad(IssueCode.BadManifest, $"{file}: manifest.json is not a JSON object."));
                var missing = RequiredMembers.Where(m => !document.RootElement.TryGetProperty(m, out _)).ToList();
                if (missing.Count > 0)
                    return (null, Bad(IssueCode.BadManifest,
                        $"{file}: manifest.json lacks {string.Join(", ", missing)}: it is not the manifest of a backup this tool wrote."));
                if (document.RootElement.GetProperty("format") is not { ValueKind: JsonValueKind.String } format || format.GetString() != BackupManifest.FormatName)
                    return (null, Bad(IssueCode.BadManifest, $"{file}: manifest.json names another format than \"{BackupManifest.FormatName}\"."));
            }
            var manifest = JsonSerializer.Deserialize<BackupManifest>(bytes.GetBuffer().AsSpan(0, (int)bytes.Length), Strict);
            return manifest is null ? (null, Bad(IssueCode.BadManifest, $"{file}: manifest.json is null.")) : (manifest, null);
        }
        catch (JsonException e)
        {
            return (null, Bad(IssueCode.BadManifest, $"{file}: manifest.json is not a valid manifest ({e.Message})."));
        }
    }

    /// <summary>What is wrong with a manifest of the current version (nothing: an empty list).</summary>
    public static List<BackupIssue> Check(BackupManifest manifest, string file, BackupLimits limits)
    {
        var issues = new List<BackupIssue>();
        if (manifest.Tables.Count > limits.MaxTables)
        {
            issues.Add(Bad(IssueCode.TooLarge, $"{file}: the manifest lists {manifest.Tables.Count:N0} tables; this tool reads at most {limits.MaxTables}."));
            return issues;
        }
        if (manifest.Exchanges is { } exchanges)
        {
            if (exchanges.Count > MaxExchanges)
                issues.Add(Bad(IssueCode.TooLarge, $"{file}: the manifest lists {exchanges.Count:N0} exchanges; an export lists at most {MaxExchanges}."));
            else if (exchanges.Any(e => e is null || !Sha256().IsMatch(e.Sha256) || (e.Direction == Import.ExchangeDirection.Imported) != (e.Peer is not null)))
                issues.Add(Bad(IssueCode.BadManifest, $"{file}: the manifest lists an exchange without a valid SHA-256, direction and peer."));
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < manifest.Tables.Count; i++)
        {
            var table = manifest.Tables[i];
            var where = $"{file}: table {i + 1} of the manifest";
            if (table is null)
            {
                issues.Add(Bad(IssueCode.BadManifest, $"{where} is null."));
                continue;
            }
            if (!Identifier().IsMatch(table.Name))
            {
                issues.Add(Bad(IssueCode.BadManifest, $"{where} has no valid name (\"{Shorten(table.Name)}\")."));
                continue;
            }
            where = $"{file}: the manifest's table {table.Name}";
            if (!names.Add(table.Name)) issues.Add(Bad(IssueCode.BadManifest, $"{where} is listed twice.", table.Name));
            if (table.File != $"tables/{table.Name}.jsonl")
                issues.Add(Bad(IssueCode.BadManifest, $"{where} names the file \"{Shorten(table.File)}\"; the table's file is tables/{table.Name}.jsonl.", table.Name));
            if (table.Rows < 0) issues.Add(Bad(IssueCode.BadManifest, $"{where} has {table.Rows} rows.", table.Name));
            if (!Sha256().IsMatch(table.Sha256)) issues.Add(Bad(IssueCode.BadManifest, $"{where} has no SHA-256 (64 hex digits).", table.Name));
            var columns = new HashSet<string>(StringComparer.Ordinal);
            foreach (var column in table.Columns)
            {
                if (column is null || !Identifier().IsMatch(column.Name) || string.IsNullOrWhiteSpace(column.Type))
                    issues.Add(Bad(IssueCode.BadManifest, $"{where} declares a column without a valid name and type.", table.Name));
                else if (!columns.Add(column.Name))
                    issues.Add(Bad(IssueCode.BadManifest, $"{where} declares the column {column.Name} twice.", table.Name));
            }
            if (columns.Count == 0) issues.Add(Bad(IssueCode.BadManifest, $"{where} declares no columns.", table.Name));
            foreach (var key in table.NaturalKey.Where(k => k is null || !columns.Contains(k)))
                issues.Add(Bad(IssueCode.BadManifest, $"{where} has a natural key column \"{Shorten(key ?? "null")}\" it does not declare.", table.Name));
        }
        if (manifest.Differential is { } diff)
        {
            if (!Sha256().IsMatch(diff.BaseSha256))
                issues.Add(Bad(IssueCode.BadManifest, $"{file}: the manifest's differential names no valid base SHA-256."));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var table in diff.Tables)
            {
                if (table is null || !names.Contains(table.Name) || !seen.Add(table.Name))
                {
                    issues.Add(Bad(IssueCode.BadManifest, $"{file}: the manifest's differential lists a table that is not in the backup, or twice."));
                    continue;
                }
                var where = $"{file}: the differential's table {table.Name}";
                if (table.ContextFile != ManifestDifferentialTable.ContextFileOf(table.Name) || table.DeletedFile != ManifestDifferentialTable.DeletedFileOf(table.Name))
                    issues.Add(Bad(IssueCode.BadManifest, $"{where} names its files where the exporter does not put them.", table.Name));
                if (table.ContextRows < 0 || table.DeletedRows < 0) issues.Add(Bad(IssueCode.BadManifest, $"{where} has a negative row count.", table.Name));
                if (!Sha256().IsMatch(table.ContextSha256) || !Sha256().IsMatch(table.DeletedSha256))
                    issues.Add(Bad(IssueCode.BadManifest, $"{where} has no SHA-256 (64 hex digits) for its files.", table.Name));
            }
            if (seen.Count != names.Count)
                issues.Add(Bad(IssueCode.BadManifest, $"{file}: the manifest's differential does not list every table of the backup."));
        }
        return issues;
    }

    /// <summary>The exchanges an export lists (the newest; older ones cannot be a base any more).</summary>
    public const int MaxExchanges = 200;

    private static string Shorten(string name) => name.Length <= 80 ? name : name[..80] + "…";

    private static BackupIssue Bad(IssueCode code, string message, string? table = null) =>
        BackupIssue.Error(code, message, "The backup is damaged or was not written by Crearis Backup Admin; use an intact copy.", table, key: "manifest.json");
}
