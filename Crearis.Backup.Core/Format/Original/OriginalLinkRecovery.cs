using System.Text.Json;
using Crearis.Backup.Core.Results;

namespace Crearis.Backup.Core.Format.Original;

/// <summary>What recovery adds to one row of the file: its proven source id, and references by natural key.</summary>
/// <param name="LeftOut">Columns of the file's row that are not written: values the row holds only as one of several
/// rows it cannot be told apart from (raw ids, a created_at they disagree on).</param>
internal sealed record RowLinks(long? Id, IReadOnlyList<(string Column, string KeyColumn, string Value)> References,
    IReadOnlySet<string>? LeftOut = null);

/// <summary>
/// Recovers the links the original format implies without carrying them. The file has no ids for tags, events and
/// posts, but events and posts carry the platform's cached tag lists: tags_ids (the tag ids, ascending) and
/// tags_display (each tag's name_i18n in the row's language, else its name). Together they pin tag ids to tags
/// (<see cref="TagIdSolver"/>). The platform's trigger keeps tags_ids exactly the set of the row's events_tags /
/// posts_tags links, so an event whose tag set no other event has is the event of the one junction group (the file's
/// junction rows grouped by their raw event id) with that set: that proves the event's source id, and each of the
/// group's rows whose tag id is pinned becomes a link by natural keys (event xmlid, tag name) that keeps its own
/// created_at. Events that share their tag set with as many others as junction groups have it prove their links by
/// their own tags_ids all the same, though not which file row is whose: each such link is named by natural keys only,
/// without raw ids, and keeps created_at only where every candidate row of the file agrees on it. No link is emitted
/// twice. Nothing else is linked: ids several tags could have, rows without an xmlid, caches that disagree with the
/// junction rows or contradict themselves are reported, with the reason.
/// </summary>
internal sealed class OriginalLinkRecovery
{
    private readonly Dictionary<string, Dictionary<long, RowLinks>> _links = new(StringComparer.Ordinal);
    private readonly List<BackupIssue> _issues = [];

    /// <summary>Rows and ids named one by one in a message, at most; past it a count stands for the rest.</summary>
    private const int ListedRows = 50;

    private readonly OriginalArchive _archive;
    private readonly CancellationToken _ct;

    private OriginalLinkRecovery(OriginalArchive archive, CancellationToken ct)
    {
        _archive = archive;
        _ct = ct;
    }

    public IReadOnlyList<BackupIssue> Issues => _issues;

    /// <summary>What recovery adds to row <paramref name="line"/> (1-based, file order) of <paramref name="table"/>, if anything.</summary>
    public RowLinks? For(string table, long line) =>
        _links.TryGetValue(table, out var rows) && rows.TryGetValue(line, out var links) ? links : null;

    /// <summary>Reads the tables recovery needs (tags, events, posts and their junctions) from the archive's checked copy.</summary>
    public static OriginalLinkRecovery Analyze(OriginalArchive archive, CancellationToken ct = default)
    {
        var recovery = new OriginalLinkRecovery(archive, ct);
        if (archive.Table("tags") is { } tags) recovery.Recover(archive, tags);
        return recovery;
    }

    private void Recover(OriginalArchive archive, OriginalTable tagTable)
    {
        var tags = ReadTags(Elements(tagTable));
        var caches = new[] { ("events", "events_tags", "event_id"), ("posts", "posts_tags", "post_id") }
            .Select(c => new CacheTable(c.Item1, c.Item2, c.Item3, archive.Table(c.Item1) is { } t ? ReadCaches(Elements(t)) : []))
            .ToList();

        // ---- tag ids ← tags_ids + tags_display
        var labels = new LabelIndex(tags);
        var solver = new TagIdSolver(tags.Count, _ct);
        foreach (var cache in caches)
        {
            var inconsistent = 0;
            foreach (var row in cache.Rows.Where(r => r.Ids is { Count: > 0 }))
            {
                if (Contradiction(row, labels) is { } why)
                {
                    // Each such row is named up to a point; past it, a count says how many more there are.
                    if (++inconsistent <= ListedRows)
                    {
                        _issues.Add(BackupIssue.Warning(IssueCode.TagCacheInconsistent,
                            $"{cache.Table} {row.Key}: tags_ids [{string.Join(", ", row.Ids!)}] and tags_display [{string.Join(", ", row.Labels ?? [])}] disagree ({why}); this row proves nothing about tag ids.",
                            "Check the row's tags after the import; the platform recomputes both columns from the links that are imported.",
                            cache.Table, row.Key, "tags_display"));
                    }
                    row.Consistent = false;
                    continue;
                }
                solver.AddRow(row.Ids!, row.Labels!, row.Lang, t => tags[t].Label(row.Lang), label => labels.Showing(row.Lang, label));
            }
            if (inconsistent > ListedRows)
            {
                _issues.Add(BackupIssue.Warning(IssueCode.TagCacheInconsistent,
                    $"{cache.Table}: {inconsistent - ListedRows} more rows whose tags_ids and tags_display disagree prove nothing about tag ids.",
                    "Check the rows' tags after the import; the platform recomputes both columns from the links that are imported.", cache.Table));
            }
        }
        var solved = solver.Solve();
        var pinned = solved.Pinned;
        ReportTags(tagTable, tags, labels, caches, solved);

        var tagLinks = new Dictionary<long, RowLinks>();
        foreach (var (id, t) in pinned) tagLinks[tags[t].Line] = new RowLinks(id, []);
        _links["tags"] = tagLinks;

        // ---- events/posts ids and their junction rows ← the trigger's rule "tags_ids = the row's links"
        foreach (var cache in caches)
            RecoverJunction(archive, cache, tags, pinned);

        ReportEventInstructors(archive, caches[0]);
    }

    private void RecoverJunction(OriginalArchive archive, CacheTable cache, List<TagRow> tags, IReadOnlyDictionary<long, int> pinned)
    {
        if (archive.Table(cache.Junction) is not { } junction || junction.RowCount == 0) return;
        var rows = ReadJunction(Elements(junction), cache.ParentColumn);
        var groups = rows.Where(r => r.Parent is not null && r.Tag is not null)
            .GroupBy(r => r.Parent!.Value)
            .ToDictionary(g => g.Key, g => SetKey(g.Select(r => r.Tag!.Value)));
        var groupsBySet = groups.GroupBy(g => g.Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Key).ToList(), StringComparer.Ordinal);
        var rowsBySet = cache.Rows.Where(r => r.Ids is { Count: > 0 })
            .GroupBy(r => SetKey(r.Ids!), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        // A tag set that exactly one row and exactly one junction group have pairs them: the group's id is the row's.
        var parentOf = new Dictionary<long, CacheRow>();
        var rowIds = new Dictionary<long, RowLinks>();
        foreach (var (set, owners) in rowsBySet)
        {
            var found = groupsBySet.GetValueOrDefault(set) ?? [];
            if (owners.Count == 1 && found.Count == 1)
            {
                parentOf[found[0]] = owners[0];
                rowIds[owners[0].Line] = new RowLinks(found[0], []);
            }
        }
        _links[cache.Table] = rowIds;

        var refs = new Dictionary<long, RowLinks>();
        // Every link is emitted once, whichever rule proves it (a file may hold the same event twice).
        var emitted = new HashSet<(string Parent, string Tag)>();
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        void Unresolved(string reason) => reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        var repeat = $"it repeats a link another row of {cache.Junction} already names";
        var shared = new List<JunctionRow>();
        foreach (var row in rows)
        {
            if (row.Parent is not { } parent || row.Tag is not { } tag)
            {
                Unresolved($"its {cache.ParentColumn} or tag_id is not a number");
                continue;
            }
            if (parentOf.GetValueOrDefault(parent) is not { } owner)
            {
                var set = groups[parent];
                var owners = rowsBySet.GetValueOrDefault(set) ?? [];
                var others = groupsBySet[set].Count;
                if (owners.Count != others)
                    Unresolved($"{others} {cache.Junction} group(s) have the tag ids [{set}] but {owners.Count} {cache.Table} row(s) have them in tags_ids, so the cache and the links disagree");
                else if (!pinned.ContainsKey(tag)) Unresolved($"tag id {tag} is not pinned to one tag");
                else shared.Add(row);
                continue;
            }
            if (owner.Xmlid is null)
            {
                Unresolved($"its {cache.Table[..^1]} has no xmlid to name it by");
                continue;
            }
            if (!pinned.TryGetValue(tag, out var t))
            {
                Unresolved($"tag id {tag} is not pinned to one tag");
                continue;
            }
            if (!emitted.Add((owner.Xmlid, tags[t].Name)))
            {
                Unresolved($"{repeat} ({owner.Xmlid}, {tags[t].Name})");
                continue;
            }
            refs[row.Line] = new RowLinks(null,
            [
                (cache.ParentColumn, "xmlid", owner.Xmlid),
                ("tag_id", "name", tags[t].Name),
            ]);
        }
        var paired = refs.Count;

        // Rows whose tag set several events/posts share, as many as junction groups have it: which group is whose is not
        // proven, but each of those rows' tags_ids proves its own links all the same. The k file rows of one (set, tag)
        // carry the k links of that tag, named by natural keys only: no raw ids (the file's rows cannot be told apart),
        // and of the file's other values (created_at) only those all k candidate rows agree on; the rest is left out.
        var agreedCreatedAt = 0;
        foreach (var candidates in shared.GroupBy(r => (Set: groups[r.Parent!.Value], Tag: r.Tag!.Value)))
        {
            var owners = rowsBySet[candidates.Key.Set];
            var name = tags[pinned[candidates.Key.Tag]].Name;
            var leftOut = Disagreeing(candidates.Select(c => c.Values).ToList());
            leftOut.Add(cache.ParentColumn);
            leftOut.Add("tag_id");
            var keepsCreatedAt = !leftOut.Contains("created_at") && candidates.First().Values.TryGetProperty("created_at", out _);
            var lines = candidates.Select(c => c.Line).Order().ToList();
            for (var i = 0; i < lines.Count; i++)
            {
                // More rows than events/posts of the set: the file repeats a row of one group.
                var owner = i < owners.Count ? owners[i] : null;
                if (owner is null)
                {
                    Unresolved($"{repeat} (tag {name} occurs more often in the groups of [{candidates.Key.Set}] than {cache.Table} have that set)");
                    continue;
                }
                if (owner.Xmlid is null)
                {
                    Unresolved($"its {cache.Table[..^1]} has no xmlid to name it by ({owner.Key} shares the tag ids [{candidates.Key.Set}] with others)");
                    continue;
                }
                if (!emitted.Add((owner.Xmlid, name)))
                {
                    Unresolved($"{repeat} ({owner.Xmlid}, {name})");
                    continue;
                }
                refs[lines[i]] = new RowLinks(null,
                [
                    (cache.ParentColumn, "xmlid", owner.Xmlid),
                    ("tag_id", "name", name),
                ], leftOut);
                if (keepsCreatedAt) agreedCreatedAt++;
            }
        }
        _links[cache.Junction] = refs;

        var single = cache.Table[..^1];
        _issues.Add(BackupIssue.Warning(refs.Count > 0 ? IssueCode.LinkRecovered : IssueCode.LinkNotRecovered,
            $"{cache.Junction}: {refs.Count} of {rows.Count} rows recovered from {cache.Table}.tags_ids + tags_display (the tag ids are pinned to tags, " +
            $"and the platform keeps tags_ids exactly a row's links): {paired} paired with the file's own row of the link, " +
            $"its {single} being the only one whose tags_ids equal the tag set of the row's group (created_at is the row's own); " +
            $"{refs.Count - paired} proven by their {single}'s own tags_ids where several {cache.Table} share a tag set, named by natural keys only " +
            $"(created_at taken for {agreedCreatedAt} of them, where every candidate row of the file agrees on it, else left out). " +
            $"{rowIds.Count} of {cache.Rows.Count} {cache.Table} rows thereby have their source id proven.",
            rows.Count == refs.Count ? null : "The rows left over are imported only if their ids resolve; see LINK_NOT_RECOVERED.",
            cache.Junction));
        // Reasons name tag sets and links, so a file can make as many as it has rows: the first ones are listed, then a count.
        foreach (var (reason, count) in reasons.Take(ListedRows))
        {
            _issues.Add(BackupIssue.Warning(IssueCode.LinkNotRecovered,
                $"{cache.Junction}: {count} row(s) stay unresolvable: {reason}.",
                "Set these links by hand after the import, or export with Crearis Backup Admin, which keeps every link.",
                cache.Junction));
        }
        if (reasons.Count > ListedRows)
        {
            _issues.Add(BackupIssue.Warning(IssueCode.LinkNotRecovered,
                $"{cache.Junction}: {reasons.Skip(ListedRows).Sum(r => r.Value)} more row(s) stay unresolvable for {reasons.Count - ListedRows} more reasons.",
                "Set these links by hand after the import, or export with Crearis Backup Admin, which keeps every link.",
                cache.Junction));
        }
        var unkeyed = cache.Rows.Where(r => r.Ids is { Count: > 0 } && !rowIds.ContainsKey(r.Line)).Select(r => r.Key).ToList();
        if (unkeyed.Count > 0)
        {
            _issues.Add(BackupIssue.Warning(IssueCode.LinkNotRecovered,
                $"{cache.Table}: the source id of {unkeyed.Count} row(s) with tags stays unknown ({string.Join(", ", unkeyed.Take(10))}{(unkeyed.Count > 10 ? ", …" : "")}): " +
                $"their tag set is not unique or no junction group matches it. Their tag links are recovered by natural keys where {cache.Junction} says so, " +
                "but rows of other tables that name them by id (such as tasks.record_id) cannot be linked to them.",
                null, cache.Table));
        }
    }

    // The columns whose values the rows do not all share (a column some rows lack counts as not shared).
    private static HashSet<string> Disagreeing(List<JsonElement> rows)
    {
        var columns = rows.SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToHashSet(StringComparer.Ordinal);
        return columns.Where(c => rows.Any(r => !r.TryGetProperty(c, out var v) || !JsonElement.DeepEquals(v, rows[0].GetProperty(c))))
            .ToHashSet(StringComparer.Ordinal);
    }

    private void ReportTags(OriginalTable tagTable, List<TagRow> tags, LabelIndex labels, List<CacheTable> caches, SolverResult solved)
    {
        var cacheRows = caches.Sum(c => c.Rows.Count(r => r.Ids is { Count: > 0 } && r.Consistent));
        _issues.Add(BackupIssue.Warning(solved.Pinned.Count > 0 ? IssueCode.LinkRecovered : IssueCode.LinkNotRecovered,
            $"tags: {solved.Pinned.Count} of {tags.Count} source ids pinned from the tags_ids + tags_display of {cacheRows} events/posts rows " +
            "(every assignment of ids to tags consistent with those rows agrees on them); links by tag id (posts.tag_ids, the junction rows) resolve through them.",
            null, tagTable.Name));
        var used = solved.Pinned.Values.ToHashSet();
        // The ids left open, named up to a point (every unpinned tag's message names them).
        var candidates = string.Join(", ", solved.Unpinned.Take(ListedRows)) + (solved.Unpinned.Count > ListedRows ? ", …" : "");
        // A tag whose label no consistent row shows is listed by no event or post at all.
        var listed = caches.SelectMany(c => c.Rows.Where(r => r.Ids is { Count: > 0 } && r.Consistent))
            .SelectMany(r => r.Labels!.Select(l => (r.Lang, Label: l))).ToHashSet()
            .SelectMany(l => labels.Showing(l.Lang, l.Label)).ToHashSet();
        foreach (var (tag, t) in tags.Select((tag, t) => (tag, t)).Where(p => !used.Contains(p.t)))
        {
            var why = solved.State switch
            {
                SolverState.Contradictory => "the cached tag lists of events and posts contradict each other, so no tag id is pinned",
                _ when !listed.Contains(t) => "no event or post lists it, so nothing in the file names its id",
                SolverState.Undecided => $"its id could not be decided (the ids [{candidates}] were left open)",
                _ => $"the events and posts that list it leave its id open: another tag could have it just as well (ids left open: [{candidates}])",
            };
            _issues.Add(BackupIssue.Warning(IssueCode.LinkNotRecovered, $"tags {tag.Name}: source id unknown: {why}.",
                "Links to this tag are not imported; set them by hand after the import.", tagTable.Name, tag.Name));
        }
    }

    private void ReportEventInstructors(OriginalArchive archive, CacheTable events)
    {
        if (archive.Table("event_instructors") is not { } table || table.RowCount == 0) return;
        var proven = _links.GetValueOrDefault("events")?.Values.Select(l => l.Id!.Value).ToHashSet() ?? [];
        var eventSide = ReadJunction(Elements(table), "event_id").Count(r => r.Parent is { } p && proven.Contains(p));
        _issues.Add(BackupIssue.Warning(IssueCode.LinkNotRecovered,
            $"event_instructors: {table.RowCount} row(s) stay unresolvable: instructors carry no id in the file, and nothing pairs an instructor id with an instructor's xmlid " +
            $"(event_instructors.instructor_id and events.public_user are bare ids; users name their instructor by xmlid, without its id). " +
            $"The event of {eventSide} of them is proven by its tag set; the instructor of none.",
            "Set the instructors of events by hand after the import, or export with Crearis Backup Admin, which keeps every link.",
            table.Name));
    }

    // Why the row's ids and labels cannot describe the same tags, or null when they can.
    private static string? Contradiction(CacheRow row, LabelIndex labels)
    {
        if (row.Labels is null) return "tags_display is not a list of texts";
        if (row.Ids!.Count != row.Labels.Count) return $"{row.Ids.Count} ids but {row.Labels.Count} labels";
        if (row.Ids.Distinct().Count() != row.Ids.Count) return "an id occurs twice";
        var strangers = row.Labels.Where(l => labels.Showing(row.Lang, l).Count == 0).ToList();
        return strangers.Count > 0 ? $"no tag shows the label {string.Join(", ", strangers.Select(s => $"\"{s}\""))} in language {row.Lang ?? "(none)"}" : null;
    }

    private static string SetKey(IEnumerable<long> ids) => string.Join(", ", ids.Distinct().Order());

    // Each row its own small document, kept as long as recovery needs it (junction rows' values are compared later).
    private IEnumerable<JsonElement> Elements(OriginalTable table) =>
        _archive.Rows(table, _ct).Select(bytes => JsonSerializer.Deserialize<JsonElement>(bytes));

    private static List<TagRow> ReadTags(IEnumerable<JsonElement> table)
    {
        var rows = new List<TagRow>();
        var line = 0L;
        foreach (var row in table)
        {
            line++;
            if (!row.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String) continue;
            rows.Add(new TagRow(line, name.GetString()!, row.TryGetProperty("name_i18n", out var i18n) ? i18n : default));
        }
        // Names are unique in the platform (idx_tags_name); a name twice would make "the tag named x" ambiguous.
        return rows.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() == 1).Select(g => g.Single()).ToList();
    }

    private static List<CacheRow> ReadCaches(IEnumerable<JsonElement> table)
    {
        var rows = new List<CacheRow>();
        var line = 0L;
        foreach (var row in table)
        {
            line++;
            var xmlid = row.TryGetProperty("xmlid", out var x) && x.ValueKind == JsonValueKind.String ? x.GetString() : null;
            var lang = row.TryGetProperty("lang", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
            List<long>? ids = null;
            if (row.TryGetProperty("tags_ids", out var i) && i.ValueKind == JsonValueKind.Array
                && i.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out _)))
                ids = i.EnumerateArray().Select(e => e.GetInt64()).ToList();
            List<string>? labels = null;
            if (row.TryGetProperty("tags_display", out var d) && d.ValueKind == JsonValueKind.Array
                && d.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
                labels = d.EnumerateArray().Select(e => e.GetString()!).ToList();
            rows.Add(new CacheRow(line, xmlid, lang, ids, labels));
        }
        return rows;
    }

    private static List<JunctionRow> ReadJunction(IEnumerable<JsonElement> table, string parentColumn)
    {
        var rows = new List<JunctionRow>();
        var line = 0L;
        foreach (var row in table)
        {
            line++;
            rows.Add(new JunctionRow(line, Number(row, parentColumn), Number(row, "tag_id"), row));
        }
        return rows;
    }

    private static long? Number(JsonElement row, string column) =>
        row.TryGetProperty(column, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;

    /// <summary>
    /// Which tags show a label in a language (<see cref="TagRow.Label"/>), found by lookup: a file may hold many tags and
    /// many rows, and going through every tag for every row would cost their product.
    /// </summary>
    private sealed class LabelIndex
    {
        private readonly Dictionary<string, List<int>> _byName = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Lang, string Label), List<int>> _byTranslation = [];
        // The tags whose name_i18n gives a label in a language: they show it there instead of their name.
        private readonly HashSet<(int Tag, string Lang)> _translated = [];

        public LabelIndex(List<TagRow> tags)
        {
            for (var t = 0; t < tags.Count; t++)
            {
                Add(_byName, tags[t].Name, t);
                foreach (var (lang, label) in tags[t].Translations)
                {
                    _translated.Add((t, lang));
                    Add(_byTranslation, (lang, label), t);
                }
            }
        }

        public IReadOnlyList<int> Showing(string? lang, string label)
        {
            var tags = new List<int>();
            if (lang is not null && _byTranslation.TryGetValue((lang, label), out var translated)) tags.AddRange(translated);
            if (_byName.TryGetValue(label, out var named)) tags.AddRange(named.Where(t => lang is null || !_translated.Contains((t, lang))));
            return tags;
        }

        private static void Add<TKey>(Dictionary<TKey, List<int>> index, TKey key, int tag) where TKey : notnull
        {
            if (index.TryGetValue(key, out var list)) list.Add(tag);
            else index[key] = [tag];
        }
    }

    /// <param name="I18n">name_i18n as exported (an object of language → label), or undefined/null.</param>
    private sealed record TagRow(long Line, string Name, JsonElement I18n)
    {
        // Read once: the search asks for labels millions of times, and reading them from the JSON allocates each time.
        // Of two members of one language the last counts, as it does for TryGetProperty.
        private Dictionary<string, string>? _translations;

        /// <summary>The languages name_i18n gives a label in (a null label stands for none).</summary>
        public IReadOnlyDictionary<string, string> Translations => _translations ??= ReadTranslations();

        /// <summary>The platform's rule: <c>COALESCE(name_i18n ->> lang, name)</c>.</summary>
        public string Label(string? lang) => lang is not null && Translations.TryGetValue(lang, out var label) ? label : Name;

        private Dictionary<string, string> ReadTranslations()
        {
            var translations = new Dictionary<string, string>(StringComparer.Ordinal);
            if (I18n.ValueKind != JsonValueKind.Object) return translations;
            foreach (var member in I18n.EnumerateObject())
            {
                if (member.Value.ValueKind == JsonValueKind.Null) translations.Remove(member.Name);
                else translations[member.Name] = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString()! : member.Value.GetRawText();
            }
            return translations;
        }
    }

    private sealed record CacheRow(long Line, string? Xmlid, string? Lang, List<long>? Ids, List<string>? Labels)
    {
        public bool Consistent { get; set; } = true;
        public string Key => Xmlid ?? $"row {Line}";
    }

    /// <param name="Values">The row as the file holds it.</param>
    private sealed record JunctionRow(long Line, long? Parent, long? Tag, JsonElement Values);

    private sealed record CacheTable(string Table, string Junction, string ParentColumn, List<CacheRow> Rows);
}
