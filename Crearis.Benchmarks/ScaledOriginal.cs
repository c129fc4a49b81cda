// The second data set of the benchmark: the original platform's small sample database, copied K times into our schema.
// See README.md next to this file ("--profile scaled-original").

using System.Globalization;
using System.Text;
using Npgsql;

namespace Crearis.Benchmarks;

/// <summary>
/// Fills a database that has our schema with K copies of the sample's source data (the original platform's
/// <c>pg_dump --data-only</c>). Copy k (0-based) is the sample with every id moved into copy k's id range
/// (<c>id + k * offset</c>, offset = the table's largest id in the sample, so the sample's id gaps repeat) and every
/// natural key made unique (suffix <c>_k</c>; copy 0 is the sample unchanged). Every reference is moved the same way,
/// so all links and shapes hold inside each copy and none crosses copies. Set-based: each table is COPYed once into a
/// temporary table, then one INSERT … SELECT … CROSS JOIN generate_series(0, K-1) writes all copies, with
/// session_replication_role = replica so the values land as the dump holds them (as the platform's triggers made them).
/// </summary>
internal static class ScaledOriginal
{
    public const string SampleFileName = "original-sample-source-data.sql";

    /// <summary>The content tables taken from the dump (status is seeded by our schema), in an order that suits the load.</summary>
    private static readonly string[] Tables =
    [
        "tags", "users", "projects", "images", "instructors", "locations", "participants", "posts", "events",
        "interactions", "pages", "tasks", "project_members", "event_instructors", "events_tags", "posts_tags",
    ];

    /// <summary>Tables with an integer id that other rows refer to; their offset is the sample's largest id.</summary>
    private static readonly string[] IntIdTables =
        ["tags", "users", "projects", "images", "instructors", "locations", "participants", "posts", "events", "interactions"];

    public sealed record LoadResult(int Scale, IReadOnlyDictionary<string, long> SampleRows, IReadOnlyDictionary<string, int> Offsets,
        IReadOnlyList<string> SkippedTables, TimeSpan Time);

    /// <summary>Looks for ../shared/reference/samples/original-sample-source-data.sql above the working folder and the program.</summary>
    public static string? FindSample()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "reference", "samples", SampleFileName);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    /// <summary>The COPY blocks of a pg_dump plain-text file: table → (column list, data lines).</summary>
    public static Dictionary<string, (string Columns, List<string> Lines)> ReadCopyBlocks(string path)
    {
        var blocks = new Dictionary<string, (string, List<string>)>(StringComparer.Ordinal);
        using var reader = new StreamReader(path, Encoding.UTF8);
        string? table = null;
        string columns = "";
        List<string>? lines = null;
        while (reader.ReadLine() is { } line)
        {
            if (table is null)
            {
                if (!line.StartsWith("COPY public.", StringComparison.Ordinal) || !line.EndsWith(" FROM stdin;", StringComparison.Ordinal)) continue;
                var open = line.IndexOf(" (", StringComparison.Ordinal);
                var close = line.LastIndexOf(')');
                if (open < 0 || close < open) throw new BenchException($"cannot read the COPY line '{line}' in {path}");
                table = line["COPY public.".Length..open].Trim('"');
                columns = line[(open + 2)..close];
                lines = [];
            }
            else if (line == "\\.")
            {
                blocks[table] = (columns, lines!);
                table = null;
            }
            else
            {
                lines!.Add(line);
            }
        }
        if (table is not null) throw new BenchException($"the COPY block of {table} in {path} has no end marker");
        return blocks;
    }

    public static async Task<LoadResult> LoadAsync(string cs, string samplePath, int scale, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var blocks = ReadCopyBlocks(samplePath);
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);

        // Which tables and columns our schema has.
        var schemaColumns = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand(
                         "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'", conn))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                if (!schemaColumns.TryGetValue(reader.GetString(0), out var set)) schemaColumns[reader.GetString(0)] = set = new(StringComparer.Ordinal);
                set.Add(reader.GetString(1));
            }

        var skipped = blocks.Keys.Where(t => !Tables.Contains(t)).Order(StringComparer.Ordinal)
            .Select(t => schemaColumns.ContainsKey(t) ? $"{t} (not a content table{(t == "status" ? "; seeded by our schema" : "")})" : $"{t} (not in our schema)")
            .ToList();
        var missing = Tables.Where(t => !blocks.ContainsKey(t)).ToList();
        if (missing.Count > 0) throw new BenchException($"{samplePath} has no data for: {string.Join(", ", missing)}");

        await using var tx = await conn.BeginTransactionAsync(ct);
        await ExecAsync(conn, tx, "SET LOCAL search_path = public", ct);
        // Foreign keys and the platform's triggers off: the values are the ones the source's triggers computed.
        await ExecAsync(conn, tx, "SET LOCAL session_replication_role = replica", ct);

        // 1. One copy of each table into a temporary table of the same column types.
        var sampleRows = new Dictionary<string, long>(StringComparer.Ordinal);
        var columnsOf = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            var (columnList, lines) = blocks[table];
            var columns = columnList.Split(',').Select(c => c.Trim().Trim('"')).ToArray();
            var unknown = columns.Where(c => !schemaColumns[table].Contains(c)).ToList();
            if (unknown.Count > 0)
                throw new BenchException($"our schema's {table} lacks the sample's column(s) {string.Join(", ", unknown)}");
            columnsOf[table] = columns;
            var quoted = string.Join(", ", columns.Select(Q));
            await ExecAsync(conn, tx, $"CREATE TEMP TABLE {Stage(table)} ON COMMIT DROP AS SELECT {quoted} FROM public.{Q(table)} WITH NO DATA", ct);
            await using (var writer = await conn.BeginTextImportAsync($"COPY {Stage(table)} ({quoted}) FROM STDIN", ct))
            {
                foreach (var line in lines)
                {
                    await writer.WriteAsync(line);
                    await writer.WriteAsync('\n');
                }
            }
            sampleRows[table] = lines.Count;
        }

        // 2. Id offsets: the sample's largest id per table.
        var offsets = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var table in IntIdTables)
        {
            await using var cmd = new NpgsqlCommand($"SELECT coalesce(max(id), 0) FROM {Stage(table)}", conn, tx);
            offsets[table] = Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }

        // 3. All copies of each table in one statement.
        var rules = new CopyRules(offsets);
        foreach (var table in Tables)
        {
            var columns = columnsOf[table];
            var exprs = columns.Select(c => rules.Expression(table, c) + " AS " + Q(c));
            var order = columns.Contains("id") ? "g.k, s.id" : "g.k";
            await ExecAsync(conn, tx,
                $"INSERT INTO public.{Q(table)} ({string.Join(", ", columns.Select(Q))}) " +
                $"SELECT {string.Join(", ", exprs)} FROM {Stage(table)} s CROSS JOIN generate_series(0, {scale - 1}) AS g(k) ORDER BY {order}", ct);
        }

        // 4. Sequences past the largest id (the dump's setval lines are for the sample only).
        foreach (var table in IntIdTables)
            await ExecAsync(conn, tx,
                $"SELECT setval(pg_get_serial_sequence('public.{table}', 'id'), greatest((SELECT max(id) FROM public.{Q(table)}), 1))", ct);

        await tx.CommitAsync(ct);
        return new LoadResult(scale, sampleRows, offsets, skipped, clock.Elapsed);
    }

    /// <summary>
    /// Links that cross copies (must all be 0): for each reference, the rows whose referenced id lies in another copy's
    /// id range, or that point at no row at all where the sample pointed at one.
    /// </summary>
    public static async Task<List<(string Check, long Bad)>> CheckCopiesAsync(string cs, IReadOnlyDictionary<string, int> offsets,
        CancellationToken ct)
    {
        string Copy(string table, string idExpr) => $"(({idExpr}) - 1) / {offsets[table]}";
        var checks = new List<(string Name, string Sql)>();
        void Fk(string table, string column, string target) =>
            checks.Add(($"{table}.{column} -> {target}",
                $"SELECT count(*) FROM public.{Q(table)} x LEFT JOIN public.{Q(target)} t ON t.id = x.{Q(column)} " +
                $"WHERE x.{Q(column)} IS NOT NULL AND (t.id IS NULL OR {Copy(table, "x.id")} <> {Copy(target, "t.id")})"));
        void Pair(string table, string a, string ta, string b, string tb) =>
            checks.Add(($"{table} ({a}, {b}) in one copy",
                $"SELECT count(*) FROM public.{Q(table)} x WHERE {Copy(ta, "x." + Q(a))} <> {Copy(tb, "x." + Q(b))} " +
                $"OR NOT EXISTS (SELECT 1 FROM public.{Q(ta)} WHERE id = x.{Q(a)}) OR NOT EXISTS (SELECT 1 FROM public.{Q(tb)} WHERE id = x.{Q(b)})"));

        Fk("users", "instructor_id", "instructors");
        Fk("users", "participant_id", "participants");
        Fk("users", "img_id", "images");
        Fk("projects", "owner_id", "users");
        Fk("projects", "regio", "projects");
        Fk("projects", "img_id", "images");
        Fk("images", "project_id", "projects");
        Fk("images", "owner_id", "users");
        Fk("images", "root_id", "images");
        Fk("instructors", "regio_id", "projects");
        Fk("instructors", "img_id", "images");
        Fk("locations", "project_id", "projects");
        Fk("locations", "img_id", "images");
        Fk("posts", "public_user", "instructors");
        Fk("posts", "project_id", "projects");
        Fk("posts", "regio_id", "projects");
        Fk("posts", "img_id", "images");
        Fk("events", "user_id", "users");
        Fk("events", "public_user", "instructors");
        Fk("events", "location", "locations");
        Fk("events", "project_id", "projects");
        Fk("events", "regio_id", "projects");
        Fk("events", "img_id", "images");
        Fk("interactions", "user_id", "users");
        Fk("interactions", "project_id", "projects");
        Pair("project_members", "project_id", "projects", "user_id", "users");
        Pair("event_instructors", "event_id", "events", "instructor_id", "instructors");
        Pair("events_tags", "event_id", "events", "tag_id", "tags");
        Pair("posts_tags", "post_id", "posts", "tag_id", "tags");
        // References held in arrays, jsonb and text.
        checks.Add(("events.tags_ids in the event's copy",
            $"SELECT count(*) FROM public.events e, unnest(e.tags_ids) v WHERE {Copy("tags", "v")} <> {Copy("events", "e.id")}"));
        checks.Add(("posts.tags_ids in the post's copy",
            $"SELECT count(*) FROM public.posts p, unnest(p.tags_ids) v WHERE {Copy("tags", "v")} <> {Copy("posts", "p.id")}"));
        checks.Add(("posts.tag_ids (text list) in the post's copy",
            $"SELECT count(*) FROM public.posts p, unnest(string_to_array(p.tag_ids, ',')) v WHERE v <> '' AND {Copy("tags", "v::int")} <> {Copy("posts", "p.id")}"));
        checks.Add(("projects.member_ids in the project's copy",
            $"SELECT count(*) FROM public.projects p, jsonb_array_elements(CASE jsonb_typeof(p.member_ids) WHEN 'array' THEN p.member_ids ELSE '[]' END) v " +
            $"WHERE {Copy("users", "v::text::int")} <> {Copy("projects", "p.id")}"));
        checks.Add(("images.variations parent/alike in the image's copy",
            $"SELECT count(*) FROM public.images i WHERE ((i.variations).parent_id IS NOT NULL AND {Copy("images", "(i.variations).parent_id")} <> {Copy("images", "i.id")}) " +
            $"OR EXISTS (SELECT 1 FROM unnest((i.variations).alike_ids) v WHERE {Copy("images", "v")} <> {Copy("images", "i.id")})"));
        checks.Add(("tasks.record_id / assigned_to in one copy",
            "SELECT count(*) FROM public.tasks t WHERE " +
            $"(t.record_type = 'event' AND NOT EXISTS (SELECT 1 FROM public.events e WHERE e.id = t.record_id::int)) OR " +
            $"(t.record_type = 'post' AND NOT EXISTS (SELECT 1 FROM public.posts p WHERE p.id = t.record_id::int)) OR " +
            $"(t.record_type = 'project' AND NOT EXISTS (SELECT 1 FROM public.projects p WHERE p.id = t.record_id::int)) OR " +
            $"(t.assigned_to IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.users u WHERE u.id = t.assigned_to::int)) OR " +
            $"(t.record_type IN ('event', 'post', 'project') AND t.assigned_to IS NOT NULL AND " +
            $"CASE t.record_type WHEN 'event' THEN {Copy("events", "t.record_id::int")} WHEN 'post' THEN {Copy("posts", "t.record_id::int")} " +
            $"ELSE {Copy("projects", "t.record_id::int")} END <> {Copy("users", "t.assigned_to::int")})"));
        // tags_display as the platform's trigger computes it (event_tag_labels / post_tag_labels): every copy agrees
        // with it exactly where copy 0, the sample as dumped, does.
        foreach (var (table, fn) in new[] { ("events", "event_tag_labels"), ("posts", "post_tag_labels") })
            checks.Add(($"{table}.tags_display vs trigger, as in copy 0",
                $"SELECT count(*) FROM public.{table} x JOIN public.{table} x0 ON x0.id = (x.id - 1) % {offsets[table]} + 1 " +
                $"WHERE (x.tags_display = public.{fn}(x.id, x.lang)) IS DISTINCT FROM (x0.tags_display = public.{fn}(x0.id, x0.lang))"));
        checks.Add(("pages.project exists",
            "SELECT count(*) FROM public.pages g WHERE NOT EXISTS (SELECT 1 FROM public.projects p WHERE p.id = g.project)"));

        var results = new List<(string, long)>();
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        foreach (var (name, sql) in checks)
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            results.Add((name, (long)(await cmd.ExecuteScalarAsync(ct))!));
        }
        return results;
    }

    private static string Stage(string table) => $"\"_scale_{table}\"";

    private static string Q(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The SELECT expression that makes copy g.k of a column from the staged sample row s.</summary>
    private sealed class CopyRules(IReadOnlyDictionary<string, int> offsets)
    {
        private string Id(string table, string expr) => $"({expr} + g.k * {offsets[table]})";

        /// <summary>An id held as text ("7"); anything that is not a whole number stays as it is.</summary>
        private string TextId(string table, string expr) =>
            $"CASE WHEN {expr} ~ '^[0-9]+$' THEN ({expr}::bigint + g.k * {offsets[table]})::text ELSE {expr} END";

        private static string Suffix(string expr) => $"CASE WHEN g.k = 0 THEN {expr} ELSE {expr} || '_' || g.k END";

        /// <summary>local_k@domain.</summary>
        private static string MailSuffix(string expr) => $"CASE WHEN g.k = 0 THEN {expr} ELSE regexp_replace({expr}, '@', '_' || g.k || '@') END";

        private string IntArray(string table, string expr) =>
            $"CASE WHEN {expr} IS NULL THEN NULL ELSE ARRAY(SELECT v + g.k * {offsets[table]} FROM unnest({expr}) WITH ORDINALITY u(v, o) ORDER BY o) END";

        /// <summary>"2,9": a comma-separated list of ids.</summary>
        private string TextIdList(string table, string expr) =>
            $"CASE WHEN {expr} IS NULL OR {expr} = '' THEN {expr} ELSE (SELECT string_agg({TextId(table, "btrim(v)")}, ',' ORDER BY o) " +
            $"FROM unnest(string_to_array({expr}, ',')) WITH ORDINALITY u(v, o)) END";

        /// <summary>
        /// tags_display in copy k as the platform's trigger would make it: a label that is the tag's name (no name_i18n
        /// for the row's language) becomes the suffixed name; translated labels stay.
        /// </summary>
        private static string TagLabels(string idsExpr, string labelsExpr, string langExpr) =>
            $"CASE WHEN g.k = 0 OR {labelsExpr} IS NULL THEN {labelsExpr} ELSE ARRAY(SELECT CASE WHEN EXISTS (" +
            $"SELECT 1 FROM \"_scale_tags\" t WHERE t.id = ANY({idsExpr}) AND t.name = l AND t.name_i18n ->> {langExpr} IS NULL) " +
            $"THEN l || '_' || g.k ELSE l END FROM unnest({labelsExpr}) WITH ORDINALITY u(l, o) ORDER BY o) END";

        public string Expression(string table, string column)
        {
            var c = "s." + Q(column);
            return (table, column) switch
            {
                (_, "id") when offsets.ContainsKey(table) => Id(table, c),
                ("tags", "name") => Suffix(c),

                ("users", "sysmail" or "extmail") => MailSuffix(c),
                ("users", "instructor_id") => Id("instructors", c),
                ("users", "participant_id") => Id("participants", c),

                ("projects", "domaincode") => Suffix(c),
                ("projects", "owner_id") => Id("users", c),
                ("projects", "regio") => Id("projects", c),
                ("projects", "member_ids") =>
                    $"CASE WHEN jsonb_typeof({c}) = 'array' THEN (SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(e) = 'number' " +
                    $"THEN to_jsonb(e::text::int + g.k * {offsets["users"]}) ELSE e END ORDER BY o), '[]'::jsonb) " +
                    $"FROM jsonb_array_elements({c}) WITH ORDINALITY u(e, o)) ELSE {c} END",
                // Domaincodes of partner projects, comma-separated.
                ("projects", "partner_projects") =>
                    $"CASE WHEN g.k = 0 OR {c} IS NULL OR {c} = '' THEN {c} ELSE (SELECT string_agg(btrim(v) || '_' || g.k, ',' ORDER BY o) " +
                    $"FROM unnest(string_to_array({c}, ',')) WITH ORDINALITY u(v, o)) END",

                ("images", "project_domaincode") => Suffix(c),
                ("images", "owner_id") => Id("users", c),
                ("images", "root_id") => Id("images", c),
                // The trigger's default text names the owner's id.
                ("images", "about") =>
                    $"CASE WHEN {c} ~ '^\\(c\\) owner_id:[0-9]+$' THEN '(c) owner_id:' || (substring({c} from 'owner_id:([0-9]+)')::int + g.k * {offsets["users"]}) ELSE {c} END",
                ("images", "variations") =>
                    $"CASE WHEN {c}::text IS NULL THEN NULL ELSE ROW(({c}).parent_id + g.k * {offsets["images"]}, " +
                    $"{IntArray("images", $"({c}).alike_ids")}, ({c}).release_id, ({c}).info)::public.image_variation END",

                ("instructors", "regio_id") => Id("projects", c),

                ("posts", "author_id") => TextId("users", c),
                ("posts", "tag_ids") => TextIdList("tags", c),
                ("posts" or "events", "tags_ids") => IntArray("tags", c),
                ("posts" or "events", "tags_display") => TagLabels("s.tags_ids", c, "s.lang"),
                ("posts" or "events", "public_user") => Id("instructors", c),
                ("events", "user_id") => Id("users", c),
                ("events", "location") => Id("locations", c),

                ("interactions", "user_id") => Id("users", c),
                ("interactions", "fields") =>
                    $"CASE WHEN g.k > 0 AND jsonb_typeof({c} -> 'event_xmlid') = 'string' " +
                    $"THEN jsonb_set({c}, '{{event_xmlid}}', to_jsonb(({c} ->> 'event_xmlid') || '_' || g.k)) ELSE {c} END",

                // A new uuid per copy, derived from the sample's (same shape).
                ("pages", "id") => $"CASE WHEN g.k = 0 THEN {c} ELSE md5({c} || '/' || g.k)::uuid::text END",
                ("pages", "project") => Id("projects", c),
                ("pages", "header_options") =>
                    $"CASE WHEN g.k > 0 AND jsonb_typeof({c} -> 'image') = 'string' " +
                    $"THEN jsonb_set({c}, '{{image}}', to_jsonb(({c} ->> 'image') || '_' || g.k)) ELSE {c} END",

                ("tasks", "id") => Suffix(c),
                ("tasks", "record_id") =>
                    $"CASE s.record_type WHEN 'event' THEN {TextId("events", c)} WHEN 'post' THEN {TextId("posts", c)} " +
                    $"WHEN 'project' THEN {TextId("projects", c)} ELSE {c} END",
                ("tasks", "assigned_to") => TextId("users", c),
                // For project tasks the entity name is the project's domaincode.
                ("tasks", "entity_name") => $"CASE WHEN s.record_type = 'project' THEN {Suffix(c)} ELSE {c} END",

                (_, "xmlid" or "event_xmlid") => Suffix(c),
                (_, "img_id") => Id("images", c),
                (_, "project_id") => Id("projects", c),
                (_, "regio_id") => Id("projects", c),
                ("project_members", "user_id") => Id("users", c),
                ("event_instructors" or "events_tags", "event_id") => Id("events", c),
                ("event_instructors", "instructor_id") => Id("instructors", c),
                ("events_tags" or "posts_tags", "tag_id") => Id("tags", c),
                ("posts_tags", "post_id") => Id("posts", c),
                _ => c,
            };
        }
    }
}
