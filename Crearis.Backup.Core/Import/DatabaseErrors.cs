using System.Text.RegularExpressions;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Results;
using Npgsql;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// Turns what PostgreSQL refused into an issue an admin can act on: the table, the row's natural key, the column, the
/// constraint and the conflicting value, with a suggestion that fits the kind of constraint.
/// </summary>
internal sealed partial class DatabaseErrors(NpgsqlConnection conn, Func<NpgsqlTransaction?> tx, Func<string, TableModel?> model)
{
    [GeneratedRegex(@"^Key \((?<columns>.+?)\)=\((?<values>.*)\) (?<what>already exists|is not present in table ""(?<table>[^""]+)"")\.?$", RegexOptions.Singleline)]
    private static partial Regex KeyDetail();

    /// <param name="table">The table being written (the error may name another, e.g. a trigger's).</param>
    /// <param name="column">The column being written, when the statement wrote only one (late seeding, derived values).</param>
    /// <param name="key">The row's natural key, when the failing row is known.</param>
    public async Task<BackupIssue> DescribeAsync(PostgresException e, BackupPhase phase, string? table, string? column = null,
        string? key = null, CancellationToken ct = default)
    {
        table ??= e.TableName;
        var where = table is null ? "" : key is null ? $"{table}: " : $"{table} [{key}]: ";
        var detail = KeyDetail().Match(e.Detail ?? "");
        var keyColumns = detail.Success ? detail.Groups["columns"].Value : null;
        column ??= e.ColumnName ?? (keyColumns is not null && !keyColumns.Contains(',') ? keyColumns : null);
        var value = detail.Success ? detail.Groups["values"].Value : null;

        switch (e.SqlState)
        {
            case PostgresErrorCodes.UniqueViolation:
            {
                var holder = keyColumns is not null && value is not null && table is not null && !keyColumns.Contains(',')
                    ? await HolderAsync(table, keyColumns, value, ct) : null;
                var isPrimary = table is not null && model(table)?.Schema.UniqueKeys.Any(u => u.IsPrimary && u.Name == e.ConstraintName) == true;
                var message = $"{where}{keyColumns ?? column ?? "a unique value"} {Quote(value)} is already used by " +
                              $"{(holder is null ? "another row" : $"the {table} row [{holder}]")} in this database " +
                              $"({(isPrimary ? "primary key" : "unique constraint")} {e.ConstraintName}).";
                var suggestion = isPrimary
                    ? $"{table}.{keyColumns} is the primary key and the target uses this id for a different row; import this table with a tool version that renumbers {table}, or remove the other row first."
                    : $"{keyColumns ?? column} must be unique in {table}: give one of the two rows another {keyColumns ?? column} (in the source or in this database), then import again.";
                return Issue(IssueCode.UniqueViolation, message, suggestion);
            }
            case PostgresErrorCodes.ForeignKeyViolation:
            {
                var referenced = detail.Success ? detail.Groups["table"].Value : "the referenced table";
                return Issue(IssueCode.FkViolation,
                    $"{where}{column ?? "a reference"} {Quote(value)} points at a {referenced} row that does not exist (foreign key {e.ConstraintName}).",
                    $"Import {referenced} as well (with dependencies: --with-dependencies), or correct {table}.{column} in the source.");
            }
            case PostgresErrorCodes.CheckViolation:
            {
                var rule = table is null || e.ConstraintName is null ? null : await CheckDefinitionAsync(table, e.ConstraintName, ct);
                return Issue(IssueCode.CheckViolation,
                    $"{where}the row breaks the rule {e.ConstraintName}{(rule is null ? "" : $" ({rule})")}.",
                    $"Correct the value in the source so that it satisfies {rule ?? e.ConstraintName}, or bring this database's schema to the source's version.");
            }
            case PostgresErrorCodes.NotNullViolation:
                return Issue(IssueCode.NotNullViolation,
                    $"{where}{column} is required in this database but the backup has no value for it.",
                    $"Give {table}.{column} a value in the source (or a default in this database's schema), then import again.");
            case PostgresErrorCodes.RaiseException:
                return Issue(IssueCode.TriggerRefused,
                    $"{where}a platform rule refused the {(column is null ? "row" : $"value of {column}")}: {e.MessageText}.",
                    "The platform's trigger says what it needs (its message above); correct the row in the source, or the rows it depends on, then import again.");
            default:
                if (e.SqlState.StartsWith("22", StringComparison.Ordinal))
                    return Issue(IssueCode.BadValue,
                        $"{where}{(column is null ? "a value" : column)} does not fit this database's column type: {e.MessageText}.",
                        "The backup was made from a schema whose type differs; bring the two schemas to the same version.");
                return Issue(IssueCode.DatabaseError, $"{where}{e.MessageText}{(e.Detail is null ? "" : $" ({e.Detail})")}",
                    "The database refused the statement for a reason this tool does not recognise; nothing was written. Check the database's log.");
        }

        BackupIssue Issue(IssueCode code, string message, string suggestion) =>
            BackupIssue.Error(code, message, suggestion, table, key, column, e.ConstraintName, phase);
    }

    private static string Quote(string? value) => value is null ? "" : $"'{value}'";

    /// <summary>The natural key of the target row that already holds a unique value.</summary>
    private async Task<string?> HolderAsync(string table, string column, string value, CancellationToken ct)
    {
        if (model(table) is not { } m || m.Schema.Column(column) is null) return null;
        var display = m.Profile.NaturalKey.Count == 1 && m.Profile.NaturalKey[0].ReferencedTable is null
            ? Sql.Ident(m.Profile.NaturalKey[0].Column) : Sql.Ident(m.IdColumn ?? column);
        await using var cmd = new NpgsqlCommand(
            $"SELECT {display}::text FROM public.{Sql.Ident(table)} WHERE {Sql.Ident(column)}::text = $1 LIMIT 1", conn, tx());
        cmd.Parameters.AddWithValue(value);
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    private async Task<string?> CheckDefinitionAsync(string table, string constraint, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.conname = $1 AND c.conrelid = to_regclass('public.' || quote_ident($2))", conn, tx());
        cmd.Parameters.AddWithValue(constraint);
        cmd.Parameters.AddWithValue(table);
        return await cmd.ExecuteScalarAsync(ct) as string;
    }
}
