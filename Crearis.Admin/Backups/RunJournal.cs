using Crearis.Admin.Data;
using Crearis.Backup.Core.Import;
using Npgsql;
using NpgsqlTypes;

namespace Crearis.Admin.Backups;

/// <summary>
/// Writes an import's row journal into the admin schema (<see cref="RunRow"/>) with binary COPY, on its own connection:
/// the import's transaction may roll back (a dry run), its journal stays. Made before the run; its <see cref="Id"/>
/// goes into the history entry afterwards.
/// </summary>
public sealed class RunJournal(string adminConnection) : IRowJournal
{
    /// <summary>How many runs keep their journal; an older run's rows are removed when a newer run records one.</summary>
    public const int KeptJournals = 20;

    public Guid Id { get; } = Guid.NewGuid();

    public async Task WriteAsync(IAsyncEnumerable<JournalRow> rows, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(adminConnection);
        await conn.OpenAsync(ct);
        await using var writer = await conn.BeginBinaryImportAsync(
            $"COPY {AdminDbContext.Schema}.run_rows (\"Journal\", \"Table\", \"Action\", \"Line\", \"Key\", \"Detail\", \"Issue\", \"Target\") FROM STDIN (FORMAT BINARY)", ct);
        await foreach (var row in rows.WithCancellation(ct))
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(Id, NpgsqlDbType.Uuid, ct);
            await writer.WriteAsync(row.Table, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(row.Action.ToName(), NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(row.Line, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(row.Key, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(writer, row.Detail, NpgsqlDbType.Json, ct);
            await WriteNullableAsync(writer, row.Issue, NpgsqlDbType.Varchar, ct);
            await WriteNullableAsync(writer, row.Target, NpgsqlDbType.Json, ct);
        }
        await writer.CompleteAsync(ct);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter writer, string? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is null) await writer.WriteNullAsync(ct);
        else await writer.WriteAsync(value, type, ct);
    }

    /// <summary>
    /// Keeps the journals of the newest <see cref="KeptJournals"/> runs that have one: a dry run of a full backup lists
    /// every row, and the admin schema should not grow with every preview ever made.
    /// </summary>
    public static async Task PruneAsync(string adminConnection, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(adminConnection);
        await conn.OpenAsync(ct);
        var schema = AdminDbContext.Schema;
        await using var cmd = new NpgsqlCommand(
            $"WITH old AS (SELECT \"Id\", \"Journal\" FROM {schema}.backup_runs WHERE \"Journal\" IS NOT NULL ORDER BY \"StartedAt\" DESC OFFSET {KeptJournals}), " +
            $"cleared AS (UPDATE {schema}.backup_runs r SET \"Journal\" = NULL FROM old WHERE r.\"Id\" = old.\"Id\") " +
            $"DELETE FROM {schema}.run_rows WHERE \"Journal\" IN (SELECT \"Journal\" FROM old)", conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
