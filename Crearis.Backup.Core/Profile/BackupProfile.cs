namespace Crearis.Backup.Core.Profile;

/// <summary>How a reference column holds the id(s) it points at.</summary>
public enum ReferenceShape
{
    /// <summary>One id in the column (a foreign key, declared or not).</summary>
    Scalar,

    /// <summary>An int[] of ids (events.tags_ids).</summary>
    IntArray,

    /// <summary>A jsonb array of ids, as numbers or numeric strings (projects.member_ids).</summary>
    JsonArray,

    /// <summary>Text holding one id or a comma-separated list of ids (posts.tag_ids, tasks.assigned_to).</summary>
    TextList,

    /// <summary>Ids inside fields of a composite value (images.variations: parent_id, alike_ids).</summary>
    CompositeFields,

    /// <summary>A (type column, id column) pair; the type names the target table (tasks.record_type + record_id).</summary>
    Polymorphic,
}

/// <summary>
/// A reference the engine must translate from source ids to target ids. Declared foreign keys are found in the
/// catalog; the profile adds the references the schema does not declare.
/// </summary>
/// <param name="Targets">For <see cref="ReferenceShape.Polymorphic"/>: type value → table. Otherwise one entry with key "".</param>
/// <param name="Fields">For <see cref="ReferenceShape.CompositeFields"/>: the composite's fields that hold ids.</param>
public sealed record ReferenceSpec(
    string Column,
    ReferenceShape Shape,
    IReadOnlyDictionary<string, string> Targets,
    string? TypeColumn = null,
    IReadOnlyList<string>? Fields = null)
{
    public static ReferenceSpec To(string column, string table, ReferenceShape shape = ReferenceShape.Scalar) =>
        new(column, shape, new Dictionary<string, string> { [""] = table });

    public static ReferenceSpec Polymorphic(string typeColumn, string idColumn, IReadOnlyDictionary<string, string> targets) =>
        new(idColumn, ReferenceShape.Polymorphic, targets, typeColumn);

    public static ReferenceSpec Composite(string column, string table, params string[] fields) =>
        new(column, ReferenceShape.CompositeFields, new Dictionary<string, string> { [""] = table }, Fields: fields);

    public string Target => Targets.Count == 1 ? Targets.Values.First() : throw new InvalidOperationException("Polymorphic reference");

    public IEnumerable<string> TargetTables => Targets.Values.Distinct();
}

/// <summary>One part of a natural key: a column, compared as is, or a reference compared by the target's identity.</summary>
public sealed record KeyPart(string Column, string? ReferencedTable = null);

/// <summary>
/// One table in a backup: its natural key (how a row is recognised in another database, never by surrogate id),
/// the references the schema does not declare, and the columns that triggers maintain (written on insert, but not
/// compared or updated by a merge), among them the caches of the row's junction links.
/// </summary>
public sealed record TableProfile(
    string Name,
    IReadOnlyList<KeyPart> NaturalKey,
    IReadOnlyList<ReferenceSpec> References,
    IReadOnlyList<string> DerivedColumns,
    string? KeyNote = null,
    IReadOnlyList<string>? LinkCaches = null)
{
    public bool IsDerived(string column) => DerivedColumns.Contains(column, StringComparer.Ordinal);

    /// <summary>
    /// A derived column that caches the row's links in a junction table (events.tags_ids): the platform's triggers
    /// recompute it whenever a link is written, so after a merge it must cover the target's own links too.
    /// </summary>
    public bool IsLinkCache(string column) => LinkCaches?.Contains(column, StringComparer.Ordinal) == true;
}

/// <summary>
/// An index the platform's triggers need and its schema lacks: a trigger that looks rows up by this column scans the
/// whole table once per row it fires for, so a bulk write becomes quadratic. The importer builds it for the run
/// (CONCURRENTLY, outside its transaction, only where no index on the column exists) and drops it afterwards.
/// </summary>
/// <param name="Reason">Which trigger needs it, for the log and the README.</param>
public sealed record LookupIndex(string Table, string Column, string Reason)
{
    /// <summary>The name the importer gives the index, so that a run that died before dropping it is recognised.</summary>
    public string IndexName => $"crearis_import_{Table}_{Column}";
}

/// <summary>
/// A rule a filtered export follows from a selected row to the rows that belong to it: rows of <paramref name="Table"/>
/// whose reference <paramref name="Column"/> (as the table's model reads it: a foreign key, an id list, a polymorphic
/// id) points at a selected row of <paramref name="Parent"/>. Followed from the rows named and from rows reached along
/// rules, never from rows pulled in only because something refers to them.
/// </summary>
/// <param name="Sentence">The rule in words, for the manifest ("events of a selected project").</param>
public sealed record ChildRule(string Table, string Column, string Parent, string Sentence)
{
    /// <summary>The reason a row reached along this rule is in the backup.</summary>
    public string Reason => $"child of {Parent} ({Table}.{Column})";

    /// <summary>The rule as the manifest lists it.</summary>
    public string Describe => $"{Sentence} ({Table}.{Column} → {Parent})";
}

/// <summary>How a filtered export finds the rows it is named by: <paramref name="Table"/> rows whose <paramref name="Column"/> is a name given.</summary>
public sealed record FilterSeeds(string Table, string Column);

/// <summary>The description that drives export and import: tables in scope, in no particular order.</summary>
public sealed record BackupProfile(string Name, IReadOnlyList<TableProfile> Tables, IReadOnlyList<LookupIndex>? LookupIndexes = null)
{
    /// <summary>The rules a filtered export follows from selected rows to their children, in the order reasons are counted.</summary>
    public IReadOnlyList<ChildRule> ChildRules { get; init; } = [];

    /// <summary>What <c>--project</c> names (a filtered export's seeds); null: the profile has no projects.</summary>
    public FilterSeeds? ProjectSeeds { get; init; }

    /// <summary>What <c>--user</c> names; null: the profile has no users.</summary>
    public FilterSeeds? UserSeeds { get; init; }

    public TableProfile? Table(string name) => Tables.FirstOrDefault(t => t.Name == name);

    public IEnumerable<string> TableNames => Tables.Select(t => t.Name);
}
