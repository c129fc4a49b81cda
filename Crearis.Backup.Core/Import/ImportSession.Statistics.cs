using Crearis.Backup.Core.Planning;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// Planner statistics of the tables the run writes. The platform's triggers plan their lookups (a tag's label, an
/// instructor's user) from them; on a table the target has never analyzed PostgreSQL guesses that 0.5 % of the rows
/// match any key, and the trigger of every junction row then hashes the whole tags table — quadratic in the rows.
/// </summary>
internal sealed partial class ImportSession
{
    // A link table this big without statistics is written in two steps (below). A thirty-second of the rows, spread
    // over the whole file, is what ANALYZE needs to see how the keys spread.
    private const int SampledFromRows = 2000;
    private const string InSample = "(hashint8(v.line) & 31) = 0";

    /// <summary>
    /// Inserts the new rows (<paramref name="newRows"/>: "FROM … v JOIN … m … WHERE …"). A link table (no surrogate id,
    /// so the order of its rows means nothing) that has no statistics gets a sample of the rows first, then ANALYZE, then
    /// the rest: its rows' triggers recompute the parent's tag cache by looking the parent's links up in this very table,
    /// and with PostgreSQL's guess for an unanalyzed table (0.5 % of the rows per key) they hash or walk the whole tags
    /// table once per row. A sample spread over the file, not its first rows: those hold the lowest ids only and make
    /// the planner walk the tags index from the start.
    /// </summary>
    private async Task<long> InsertNewRowsAsync(TableModel model, Func<string, string> insert, string newRows, CancellationToken ct)
    {
        if (model.IdColumn is not null || await HasStatisticsAsync(model.Name, ct) ||
            await ScalarAsync($"SELECT count(*) {newRows}", ct) < SampledFromRows)
            return await ApplyAsync(model, insert, newRows, ct);
        var (sample, rest) = ($" AND {InSample}", $" AND NOT {InSample}");
        var written = await ApplyAsync(model, filter => insert(sample + filter), newRows + sample, ct);
        await ExecAsync($"ANALYZE public.{Sql.Ident(model.Name)}", ct);
        return written + await ApplyAsync(model, filter => insert(rest + filter), newRows + rest, ct);
    }

    /// <summary>
    /// After a table is written: analyzes it when its statistics are missing or describe far fewer rows than it now
    /// holds (roughly when autovacuum would), so that the triggers of the tables written after it plan well. Inside the
    /// transaction: a dry run or a failure rolls the statistics back with the rows.
    /// </summary>
    private async Task RefreshStatisticsAsync(string table, long written, CancellationToken ct)
    {
        if (written == 0) return;
        var analyzedRows = await ScalarAsync(
            $"SELECT CASE WHEN {StatisticsExist(table)} THEN greatest(c.reltuples, 0)::bigint ELSE -1 END " +
            $"FROM pg_class c WHERE c.oid = {Sql.Literal("public." + Sql.Ident(table))}::regclass", ct);
        if (analyzedRows >= 0 && written < analyzedRows / 5 + 1000) return;
        await ExecAsync($"ANALYZE public.{Sql.Ident(table)}", ct);
    }

    private async Task<bool> HasStatisticsAsync(string table, CancellationToken ct) =>
        await ScalarAsync($"SELECT CASE WHEN {StatisticsExist(table)} THEN 1 ELSE 0 END", ct) > 0;

    // pg_stats, not pg_statistic: a role that may write the tables but is not a superuser can read only the view.
    private static string StatisticsExist(string table) =>
        $"EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = 'public' AND s.tablename = {Sql.Literal(table)})";
}
