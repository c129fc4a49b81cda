using Crearis.Backup.Core.Format;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Backup.Core.Import;

/// <summary>The report: keys validated, unresolved links, rows only in the target, and the natural keys that name rows in issues.</summary>
internal sealed partial class ImportSession
{
    private async Task ValidateKeysAsync(TableModel model, List<KeyExpr> keys, bool write, CancellationToken ct)
    {
        var name = model.Name;
        var keyText = KeyText(model, "m");
        var report = write ? (Action<BackupIssue>)_report.AddError : _ => { };

        // A row without its natural key cannot be recognised in another database.
        if (keys.Count == 1 && !keys[0].IsReference)
        {
            await CollectAsync($"UPDATE {Map(name)} m SET skip = {Sql.Literal(IssueCode.KeyNull.Wire)} WHERE m.skip IS NULL AND m.k0 IS NULL RETURNING m.line::text", ct, line =>
                report(BackupIssue.Error(IssueCode.KeyNull, $"{name} row {line} has no {model.Profile.NaturalKey[0].Column}, its natural key, so it cannot be matched in another database.",
                    $"Give the row a {model.Profile.NaturalKey[0].Column} in the source, or import with continue on error (--continue-on-error) to skip it.",
                    name, $"line {line}", model.Profile.NaturalKey[0].Column, phase: BackupPhase.Validate)));
        }
        // A key that runs through a reference needs that reference resolved.
        for (var i = 0; i < keys.Count; i++)
        {
            if (!keys[i].IsReference) continue;
            var part = model.Profile.NaturalKey[i];
            // The original format may name the parent by its natural key ("$ref") instead of its id.
            var given = Staged(name).KeyHints.Contains(part.Column)
                ? $"coalesce(r.{Sql.Ident(part.Column)}::text, r.{Sql.Ident("ref__" + part.Column)}::text)"
                : $"r.{Sql.Ident(part.Column)}::text";
            await CollectAsync(
                $"UPDATE {Map(name)} m SET skip = {Sql.Literal(IssueCode.RefUnresolved.Wire)} FROM {Rec(name)} r WHERE r.line = m.line AND m.skip IS NULL " +
                $"AND {given} IS NOT NULL AND m.k{i} IS NULL RETURNING m.line::text || ' (' || {given} || ')'", ct, what =>
                    report(UnresolvedIssue(model, part.Column, part.ReferencedTable!, what, required: true)));
        }
        // The same natural key twice in one backup: which row would win is not ours to guess.
        var keyList = string.Join(", ", keys.Select((_, i) => $"m.k{i}"));
        await CollectAsync(
            $"WITH d AS (SELECT {keyList}, array_agg(m.line ORDER BY m.line) AS lines FROM {Map(name)} m WHERE m.skip IS NULL " +
            $"GROUP BY {keyList} HAVING count(*) > 1) " +
            $"UPDATE {Map(name)} m SET skip = {Sql.Literal(IssueCode.DuplicateKey.Wire)} FROM d WHERE m.line = ANY(d.lines) RETURNING {keyText} || ' (lines ' || array_to_string(d.lines, ', ') || ')'", ct,
            what => report(BackupIssue.Error(IssueCode.DuplicateKey, $"{name}: the natural key {what} occurs more than once in the backup.",
                "Make the key unique in the source (the schema does not enforce it for this table), or import with continue on error (--continue-on-error) to skip these rows.",
                name, what, string.Join(",", model.Profile.NaturalKey.Select(k => k.Column)), phase: BackupPhase.Validate)), distinct: true);
        // And twice in the target: the row to update would be ambiguous. Only possible where no unique index covers the key.
        var keyColumns = model.Profile.NaturalKey.Select(k => k.Column).ToHashSet(StringComparer.Ordinal);
        var enforced = model.Schema.UniqueKeys.Any(u => u.Columns.All(keyColumns.Contains));
        if (model.IdColumn is not null && !enforced)
        {
            var parts = model.Profile.NaturalKey.Select(k => "x." + Sql.Ident(k.Column)).ToList();
            var match = string.Join(" AND ", keys.Select((k, i) => $"d.k{i} IS NOT DISTINCT FROM m.k{i}"));
            var grouped = string.Join(", ", parts.Select((p, i) => $"{p} AS k{i}"));
            await CollectAsync(
                $"WITH d AS (SELECT {grouped} FROM public.{Sql.Ident(name)} x GROUP BY {string.Join(", ", parts)} HAVING count(*) > 1) " +
                $"UPDATE {Map(name)} m SET skip = {Sql.Literal(IssueCode.TargetDuplicateKey.Wire)} FROM d WHERE m.skip IS NULL AND {match} RETURNING {keyText}", ct,
                what => report(BackupIssue.Error(IssueCode.TargetDuplicateKey, $"{name}: the target database holds the natural key {what} more than once, so the row to match is ambiguous.",
                    "Remove the duplicate in the target database first.", name, what, phase: BackupPhase.Validate)));
        }
    }

    private async Task ReportUnresolvedAsync(TableModel model, ReferenceSpec reference, string flag, BackupTableSummary summary,
        CancellationToken ct)
    {
        var name = model.Name;
        var column = model.Schema.Column(reference.Column)!;
        var required = !column.IsNullable && reference.Shape is ReferenceShape.Scalar or ReferenceShape.Polymorphic;
        var target = string.Join("/", reference.TargetTables);
        var sql = $"SELECT {KeyText(model, "m")} || ' (' || coalesce(r.{Sql.Ident(reference.Column)}::text, '') || ')' FROM {Res(name)} v " +
                  $"JOIN {Map(name)} m ON m.line = v.line JOIN {Rec(name)} r ON r.line = v.line WHERE m.skip IS NULL AND v.{Sql.Ident(flag)}";
        var found = new List<string>();
        await using (var cmd = new NpgsqlCommand(sql, conn, _tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) found.Add(reader.GetString(0));
        if (found.Count == 0) return;

        if (required)
        {
            await ExecAsync($"UPDATE {Map(name)} m SET skip = {Sql.Literal(IssueCode.RefUnresolved.Wire)} FROM {Res(name)} v WHERE v.line = m.line AND v.{Sql.Ident(flag)}", ct);
            foreach (var what in found.Take(ImportReport.ListedPerCode)) _report.AddError(UnresolvedIssue(model, reference.Column, target, what, required: true));
            return;
        }
        // Nullable: the row is written without the link, and that is said.
        var notInFile = reference.TargetTables.Any(t => source.Summary.Tables.FirstOrDefault(s => s.Table == t) is { HasSourceIds: false });
        // Trigger-maintained columns (tags_ids …) are recomputed from the links that do resolve; no need to warn twice.
        if (model.Profile.IsDerived(reference.Column)) return;
        if (notInFile)
            await ExecAsync($"UPDATE {Map(name)} m SET lossy = true FROM {Res(name)} v WHERE v.line = m.line AND v.{Sql.Ident(flag)}", ct);
        foreach (var what in found.Take(ImportReport.ListedPerCode))
            _report.Warnings.Add(BackupIssue.Warning(notInFile ? IssueCode.RefNotInFile : IssueCode.RefUnresolvedNulled,
                $"{name} {what}: {reference.Column} points at a {target} row that " +
                (notInFile ? "the backup cannot identify (it carries no ids for that table)" : "is neither in the backup nor in this database") +
                "; the row is imported without this link.",
                notInFile ? "Set the link again by hand after the import, or export with Crearis Backup Admin, which keeps every link."
                          : "Import the missing rows first, or set the link by hand after the import.",
                name, what, reference.Column));
        if (found.Count > ImportReport.ListedPerCode)
            _report.Warnings.Add(BackupIssue.Warning(IssueCode.RefUnresolvedNulled, $"{name}: {found.Count - ImportReport.ListedPerCode} more rows lost their {reference.Column} link.", null, name, null, reference.Column));
    }

    private BackupIssue UnresolvedIssue(TableModel model, string column, string target, string what, bool required)
    {
        var notInFile = source.Summary.Tables.FirstOrDefault(s => s.Table == target) is { HasSourceIds: false };
        if (notInFile)
        {
            // The original format did not export the ids this row needs: a limit of the file, not an error of the data.
            _report.Skipped = true;
            var issue = BackupIssue.Warning(IssueCode.RefNotInFile,
                $"{model.Name} {what}: {column} points at a {target} row, but the backup carries no ids for {target}, so the row cannot be linked and is skipped.",
                "Export the source again with Crearis Backup Admin, which keeps every link.", model.Name, what, column);
            _report.Warnings.Add(issue);
            return issue with { Severity = IssueSeverity.Warning };
        }
        return BackupIssue.Error(required ? IssueCode.RefUnresolved : IssueCode.RefUnresolvedNulled,
            $"{model.Name} {what}: {column} points at a {target} row that is neither in the backup nor in this database.",
            $"Import {target} as well (with dependencies: --with-dependencies), or import with continue on error (--continue-on-error) to skip such rows.",
            model.Name, what, column, phase: BackupPhase.Validate);
    }

    /// <summary>Lists target rows a full backup does not hold; they are never deleted.</summary>
    private async Task ListMissingAsync(TableModel model, CancellationToken ct)
    {
        if (model.IdColumn is null || source.Summary.Format != BackupFormat.Crearis || !IsFullBackup() || source.Summary.DifferentialBase is not null ||
            source.Summary.Filtered) return;
        var id = Sql.Ident(model.IdColumn);
        var keyColumn = model.Profile.NaturalKey.Count == 1 && model.Profile.NaturalKey[0].ReferencedTable is null
            ? "x." + Sql.Ident(model.Profile.NaturalKey[0].Column) : $"x.{id}";
        var list = new List<string>();
        long count = 0;
        await using (var cmd = new NpgsqlCommand(
            $"SELECT {keyColumn}::text, count(*) OVER () FROM public.{Sql.Ident(model.Name)} x " +
            $"WHERE NOT EXISTS (SELECT 1 FROM {Map(model.Name)} m WHERE m.dst = x.{id}) ORDER BY 1 LIMIT 100", conn, _tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                list.Add(reader.IsDBNull(0) ? "(null)" : reader.GetString(0));
                count = reader.GetInt64(1);
            }
        if (count == 0) return;
        _report.Missing[model.Name] = list;
        _report.Counts[model.Name] = _report.Counts[model.Name] with { MissingFromBackup = count };
    }

    private bool IsFullBackup() => profile.TableNames.All(t => source.Summary.Tables.Any(s => s.Table == t));

    private string KeyText(TableModel model, string mapAlias) =>
        string.Join(" || '/' || ", model.Profile.NaturalKey.Select((k, i) =>
            k.ReferencedTable is null
                ? $"coalesce({mapAlias}.k{i}::text, '(null)')"
                : $"coalesce((SELECT {KeyDisplay(k.ReferencedTable)} FROM public.{Sql.Ident(k.ReferencedTable)} t WHERE t.{Sql.Ident(_prepared.Models[k.ReferencedTable].IdColumn!)} = {mapAlias}.k{i}), '(null)')"));

    private string KeyDisplay(string table) =>
        _prepared.Models.TryGetValue(table, out var m) && m.Profile.NaturalKey.Count == 1 && m.Profile.NaturalKey[0].ReferencedTable is null
            ? "t." + Sql.Ident(m.Profile.NaturalKey[0].Column) + "::text"
            : "t." + Sql.Ident(m?.IdColumn ?? "id") + "::text";

    private async Task<string> KeyOfLineAsync(TableModel model, long line, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT {KeyText(model, "m")} FROM {Map(model.Name)} m WHERE m.line = {line}", conn, _tx);
        return (await cmd.ExecuteScalarAsync(ct)) as string ?? $"line {line}";
    }
}
