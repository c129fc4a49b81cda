using System.Data;
using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Crearis.Platform.Demo;

/// <summary>Options of a demo data run.</summary>
/// <param name="TotalRows">Approximate number of rows over all 16 content tables (status is not counted).</param>
/// <param name="Seed">Same seed and same TotalRows give byte-identical data.</param>
public sealed record DemoDataOptions(int TotalRows = 300, int Seed = 42);

/// <summary>Progress of a run.</summary>
/// <param name="Table">The table being written.</param>
/// <param name="RowsWritten">Rows written so far over all tables.</param>
/// <param name="TotalRowsPlanned">Rows the run plans to write over all tables (approximate).</param>
public sealed record DemoDataProgress(string Table, long RowsWritten, long TotalRowsPlanned);

/// <summary>Outcome of a run.</summary>
/// <param name="RowsPerTable">Final row count of each of the 16 content tables (after the deletions that leave id gaps).</param>
/// <param name="Duration">Wall-clock time of the run.</param>
public sealed record DemoDataResult(IReadOnlyDictionary<string, long> RowsPerTable, TimeSpan Duration);

/// <summary>
/// Deterministic (seeded) demo data for the Crearis platform schema: German/Czech theatre-education projects, regio
/// projects, users linked to instructors, images with composite columns, events, posts, tags, pages, tasks, ...
/// Rows are streamed with COPY; links that form cycles are filled afterwards with set-based UPDATEs. The platform
/// triggers stay enabled and compute their columns (is_user, regio_id, tags_ids, img_*, pages, ...).
/// </summary>
public static class DemoDataGenerator
{
    /// <summary>The content tables the generator fills, in the platform's export order.</summary>
    public static IReadOnlyList<string> Tables { get; } =
    [
        "tags", "users", "projects", "images", "instructors", "locations", "participants", "posts", "events", "interactions",
        "pages", "tasks", "project_members", "event_instructors", "events_tags", "posts_tags",
    ];

    /// <summary>
    /// Fills an empty Crearis database (schema and the platform's status rows present, all content tables empty)
    /// inside one transaction that this method opens and commits.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is not open, a transaction is already active,
    /// a content table already holds rows, or the status rows are missing.</exception>
    public static async Task<DemoDataResult> GenerateAsync(
        NpgsqlConnection connection,
        DemoDataOptions options,
        IProgress<DemoDataProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TotalRows, 1);
        if (connection.State != ConnectionState.Open)
        {
            throw new InvalidOperationException("The connection must be open.");
        }

        var clock = Stopwatch.StartNew();
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var ctx = new DemoContext(connection, tx, progress, cancellationToken);

        await EnsureEmptyAsync(ctx).ConfigureAwait(false);
        var st = await DemoStatuses.LoadAsync(ctx).ConfigureAwait(false);
        var plan = DemoPlan.Create(options);
        ctx.TotalPlanned = plan.TotalPlanned;

        // 1. rows without cycle columns
        await DemoTables.TagsAsync(ctx, plan).ConfigureAwait(false);
        await DemoTables.ParticipantsAsync(ctx, plan, st).ConfigureAwait(false);
        await DemoTables.ProjectsAsync(ctx, plan, st).ConfigureAwait(false);                                  // owner, regio, img: later
        await DemoTables.ImagesAsync(ctx, plan, st, 1, plan.Avatars, withOwners: false).ConfigureAwait(false); // avatars, owner: later
        await DemoTables.InstructorsAsync(ctx, plan, st).ConfigureAwait(false);                               // img: later
        await ctx.AnalyzeAsync("instructors").ConfigureAwait(false);

        // 2. users reference instructors, participants and their avatar; the triggers set instructors.is_user / regio_id
        //    and participants.is_user. Users come before events, whose publishing check needs is_user = TRUE.
        await DemoTables.UsersAsync(ctx, plan, st).ConfigureAwait(false);
        await ctx.AnalyzeAsync("users").ConfigureAwait(false);
        await ctx.ExecAsync(
            "UPDATE images i SET owner_id = u.id FROM users u WHERE u.img_id = i.id AND i.id <= @avatars",
            new NpgsqlParameter("avatars", plan.Avatars)).ConfigureAwait(false);

        // 3. content images (owners and projects exist now), then the remaining cycle links
        await DemoTables.ImagesAsync(ctx, plan, st, plan.Avatars + 1, plan.Images, withOwners: true).ConfigureAwait(false);
        await ctx.AnalyzeAsync("images").ConfigureAwait(false);
        await ctx.AnalyzeAsync("projects").ConfigureAwait(false);
        await LinkProjectsAsync(ctx, plan).ConfigureAwait(false);
        await LinkInstructorImagesAsync(ctx, plan).ConfigureAwait(false);
        // root_id can only be resolved on UPDATE (on INSERT the row itself is not visible to the trigger yet)
        await ctx.ExecAsync("UPDATE images SET updated_at = updated_at WHERE (variations).parent_id IS NOT NULL").ConfigureAwait(false);

        // 4. content
        await DemoTables.LocationsAsync(ctx, plan, st).ConfigureAwait(false);
        await ctx.AnalyzeAsync("locations").ConfigureAwait(false);
        await DemoTables.EventsAsync(ctx, plan, st).ConfigureAwait(false);
        await ctx.AnalyzeAsync("events").ConfigureAwait(false);
        await DemoTables.PostsAsync(ctx, plan, st).ConfigureAwait(false);
        await ctx.AnalyzeAsync("posts").ConfigureAwait(false);
        await DemoTables.EventInstructorsAsync(ctx, plan).ConfigureAwait(false);
        await DemoTables.EventsTagsAsync(ctx, plan).ConfigureAwait(false);
        await DemoTables.PostsTagsAsync(ctx, plan).ConfigureAwait(false);
        await DemoTables.ProjectMembersAsync(ctx, plan).ConfigureAwait(false);
        await DemoTables.InteractionsAsync(ctx, plan, st).ConfigureAwait(false);
        var (_, explicitPageIds) = await DemoTables.PagesAsync(ctx, plan).ConfigureAwait(false);
        await CreateTriggerPagesAsync(ctx, plan, explicitPageIds).ConfigureAwait(false);
        await DemoTables.TasksAsync(ctx, plan, st).ConfigureAwait(false);

        // 5. deletions (id gaps like a live database), sequences, counts
        await DeleteAsync(ctx, plan).ConfigureAwait(false);
        await SetSequencesAsync(ctx, plan).ConfigureAwait(false);
        var counts = await CountAsync(ctx).ConfigureAwait(false);

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new DemoDataResult(counts, clock.Elapsed);
    }

    private static async Task EnsureEmptyAsync(DemoContext ctx)
    {
        var probe = string.Join(" UNION ALL ", Tables.Select(t => $"(SELECT '{t}' FROM {t} LIMIT 1)"));
        await using var cmd = ctx.Command(probe);
        var hit = await cmd.ExecuteScalarAsync(ctx.Token).ConfigureAwait(false);
        if (hit is string table)
        {
            throw new InvalidOperationException(
                $"Table '{table}' already holds rows. Demo data can only be generated into a database whose content tables are empty.");
        }
    }

    private static async Task LinkProjectsAsync(DemoContext ctx, DemoPlan plan)
    {
        var n = plan.Projects;
        var ids = new int[n];
        var owners = new int[n];
        var regios = new int[n];
        var imgs = new int[n];
        for (var p = 1; p <= n; p++)
        {
            ids[p - 1] = p;
            owners[p - 1] = plan.ProjectOwner[p];
            regios[p - 1] = plan.ProjectRegio[p];
            imgs[p - 1] = plan.ProjectImg[p];
        }
        await ctx.ExecAsync(
            "UPDATE projects p SET owner_id = x.owner, regio = NULLIF(x.regio, 0), img_id = NULLIF(x.img, 0) " +
            "FROM unnest(@ids, @owners, @regios, @imgs) AS x(id, owner, regio, img) WHERE p.id = x.id",
            DemoContext.IntArray("ids", ids), DemoContext.IntArray("owners", owners),
            DemoContext.IntArray("regios", regios), DemoContext.IntArray("imgs", imgs)).ConfigureAwait(false);
    }

    private static async Task LinkInstructorImagesAsync(DemoContext ctx, DemoPlan plan)
    {
        var ids = new List<int>();
        var imgs = new List<int>();
        for (var i = 1; i <= plan.Instructors; i++)
        {
            if (plan.InstructorImg[i] == 0) continue;
            ids.Add(i);
            imgs.Add(plan.InstructorImg[i]);
        }
        if (ids.Count == 0) return;
        await ctx.ExecAsync(
            "UPDATE instructors i SET img_id = x.img FROM unnest(@ids, @imgs) AS x(id, img) WHERE i.id = x.id",
            DemoContext.IntArray("ids", ids.ToArray()), DemoContext.IntArray("imgs", imgs.ToArray())).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves some projects to status 20 (progress): the platform trigger then creates their missing landing/post/event/team
    /// pages. Those rows get random uuids and now() timestamps from their defaults, so they are re-keyed deterministically.
    /// </summary>
    private static async Task CreateTriggerPagesAsync(DemoContext ctx, DemoPlan plan, List<string> explicitPageIds)
    {
        var flip = plan.LiveProjects.Where(p => plan.ProjectFlip[p]).ToArray();
        await ctx.ExecAsync(
            "UPDATE projects SET status_id = @status WHERE id = ANY(@ids)",
            new NpgsqlParameter("status", DemoStatuses.ProjectPagesStatus), DemoContext.IntArray("ids", flip)).ConfigureAwait(false);

        var (projects, types, ids, stamps) = DemoTables.TriggerPageKeys(plan);
        var rekeyed = await ctx.ExecAsync(
            "UPDATE pages g SET id = x.id, created_at = x.ts, updated_at = x.ts " +
            "FROM unnest(@projects, @types, @ids, @stamps) AS x(project, page_type, id, ts) " +
            "WHERE g.project = x.project AND g.page_type = x.page_type AND NOT (g.id = ANY(@explicit))",
            DemoContext.IntArray("projects", projects), DemoContext.TextArray("types", types),
            DemoContext.TextArray("ids", ids), DemoContext.TimestampArray("stamps", stamps),
            DemoContext.TextArray("explicit", explicitPageIds.ToArray())).ConfigureAwait(false);

        // Safety net: should the trigger have made pages the plan did not predict, key them from (seed, project, type).
        var known = explicitPageIds.Concat(ids).ToArray();
        var extra = await ctx.ExecAsync(
            "UPDATE pages SET id = md5(@seed || ':' || project || ':' || page_type)::uuid::text, " +
            "created_at = @ts, updated_at = @ts WHERE NOT (id = ANY(@known))",
            new NpgsqlParameter("seed", plan.Seed.ToString(CultureInfo.InvariantCulture)),
            new NpgsqlParameter("ts", NpgsqlTypes.NpgsqlDbType.Timestamp) { Value = DemoFormat.BaseDate.AddDays(540) },
            DemoContext.TextArray("known", known)).ConfigureAwait(false);
        ctx.Advance("pages", rekeyed + extra);
    }

    private static async Task DeleteAsync(DemoContext ctx, DemoPlan plan)
    {
        // events: events_tags cascade; event_instructors (no FK) and tasks were never written for them
        await ctx.ExecAsync("DELETE FROM events WHERE id = ANY(@ids)", DemoContext.IntArray("ids", plan.DeletedEvents)).ConfigureAwait(false);
        // projects: never regios, no pages; project_members cascade, images/locations/events/posts/interactions get NULL
        await ctx.ExecAsync("DELETE FROM projects WHERE id = ANY(@ids)", DemoContext.IntArray("ids", plan.DeletedProjects)).ConfigureAwait(false);
        // images: content images nothing refers to
        await ctx.ExecAsync("DELETE FROM images WHERE id = ANY(@ids)", DemoContext.IntArray("ids", plan.DeletedImages)).ConfigureAwait(false);
        // users: no instructor link, not owners; memberships cascade, images/events/interactions get NULL
        await ctx.ExecAsync("DELETE FROM users WHERE id = ANY(@ids)", DemoContext.IntArray("ids", plan.DeletedUsers)).ConfigureAwait(false);
    }

    private static async Task SetSequencesAsync(DemoContext ctx, DemoPlan plan)
    {
        (string Table, int Max)[] sequences =
        [
            ("tags", plan.Tags), ("users", plan.Users), ("projects", plan.Projects), ("images", plan.Images),
            ("instructors", plan.Instructors), ("locations", plan.Locations), ("participants", plan.Participants),
            ("posts", plan.Posts), ("events", plan.Events), ("interactions", plan.Interactions),
        ];
        var sql = "SELECT " + string.Join(", ", sequences.Select(s =>
            $"setval(pg_get_serial_sequence('{s.Table}', 'id'), {s.Max.ToString(CultureInfo.InvariantCulture)})"));
        await ctx.ExecAsync(sql).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyDictionary<string, long>> CountAsync(DemoContext ctx)
    {
        var sql = "SELECT " + string.Join(", ", Tables.Select(t => $"(SELECT count(*) FROM {t})"));
        await using var cmd = ctx.Command(sql);
        await using var reader = await cmd.ExecuteReaderAsync(ctx.Token).ConfigureAwait(false);
        await reader.ReadAsync(ctx.Token).ConfigureAwait(false);
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < Tables.Count; i++) result[Tables[i]] = reader.GetInt64(i);
        return result;
    }
}
