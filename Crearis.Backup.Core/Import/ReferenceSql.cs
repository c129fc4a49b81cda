using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;

namespace Crearis.Backup.Core.Import;

/// <summary>
/// SQL expressions that translate a staged row's references (source ids) into target ids, through the per-table id
/// maps (<c>_key_&lt;table&gt;</c>: line, src, dst). Everything is set-based: one statement per table, no row round trips.
/// </summary>
internal sealed class ReferenceSql(Func<string, bool> hasMap, Func<string, (string Key, string Id)?> singleKeyOf,
    Func<string, bool> hasIntegerIds)
{
    public static string Map(string table) => Sql.Ident("_key_" + table);

    /// <summary>Target id for one source id held in <paramref name="source"/> (an SQL expression).</summary>
    public string Lookup(string target, string source, bool compareAsText = false)
    {
        if (!hasMap(target)) return "NULL";
        // Ids written as text (a list, a jsonb array, a polymorphic id) are turned into the map's integer type, so the
        // lookup uses the map's index instead of scanning it for every row.
        var right = compareAsText && hasIntegerIds(target)
            ? $"(CASE WHEN ({source}) ~ '^-?[0-9]{{1,18}}$' THEN ({source})::bigint END)"
            : compareAsText ? $"({source})::text" : source;
        return $"(SELECT m.dst FROM {Map(target)} m WHERE m.src = {right} AND m.dst IS NOT NULL LIMIT 1)";
    }

    /// <summary>The resolved value of a reference column of row alias <c>r</c>.</summary>
    public string Resolve(ReferenceSpec reference, string column, string type, CompositeField[]? fields = null, bool keyHint = false)
    {
        var r = "r." + Sql.Ident(column);
        switch (reference.Shape)
        {
            case ReferenceShape.Scalar:
            {
                var lookup = Lookup(reference.Target, r);
                // The original format names some references by the target's natural key ("$ref") instead of its id.
                if (!keyHint || singleKeyOf(reference.Target) is not { } key) return lookup;
                var byKey = $"(SELECT x.{Sql.Ident(key.Id)} FROM public.{Sql.Ident(reference.Target)} x WHERE x.{Sql.Ident(key.Key)}::text = r.{Sql.Ident("ref__" + column)} ->> {Sql.Literal(key.Key)} LIMIT 1)";
                return $"COALESCE({lookup}, {byKey})";
            }
            case ReferenceShape.IntArray:
                return $"CASE WHEN {r} IS NULL THEN NULL ELSE ARRAY(SELECT {Lookup(reference.Target, "u.v")} FROM unnest({r}) WITH ORDINALITY u(v, o) " +
                       $"WHERE {Lookup(reference.Target, "u.v")} IS NOT NULL ORDER BY u.o)::{type} END";
            case ReferenceShape.JsonArray:
                return $"CASE WHEN jsonb_typeof({r}) IS DISTINCT FROM 'array' THEN {r} ELSE COALESCE((SELECT jsonb_agg(CASE jsonb_typeof(a.e) " +
                       $"WHEN 'number' THEN to_jsonb({Lookup(reference.Target, "(a.e #>> '{}')", true)}) " +
                       $"ELSE to_jsonb({Lookup(reference.Target, "(a.e #>> '{}')", true)}::text) END ORDER BY a.o) " +
                       $"FROM jsonb_array_elements({r}) WITH ORDINALITY a(e, o) WHERE {Lookup(reference.Target, "(a.e #>> '{}')", true)} IS NOT NULL), '[]'::jsonb) END";
            case ReferenceShape.TextList:
                return $"CASE WHEN {r} IS NULL THEN NULL ELSE (SELECT string_agg({Lookup(reference.Target, "btrim(u.v)", true)}::text, ',' ORDER BY u.o) " +
                       $"FROM unnest(string_to_array({r}, ',')) WITH ORDINALITY u(v, o) WHERE {Lookup(reference.Target, "btrim(u.v)", true)} IS NOT NULL) END";
            case ReferenceShape.Polymorphic:
            {
                var cases = string.Concat(reference.Targets.Select(t =>
                    $" WHEN {Sql.Literal(t.Key)} THEN {Lookup(t.Value, r, true)}::text"));
                return $"CASE WHEN {r} IS NULL THEN NULL ELSE CASE r.{Sql.Ident(reference.TypeColumn!)}{cases} ELSE {r} END END";
            }
            case ReferenceShape.CompositeFields:
            {
                var parts = fields!.Select(f =>
                {
                    var field = $"({r}).{Sql.Ident(f.Name)}";
                    if (!reference.Fields!.Contains(f.Name)) return field;
                    return f.Type.EndsWith("[]", StringComparison.Ordinal)
                        ? $"CASE WHEN {field} IS NULL THEN NULL ELSE ARRAY(SELECT {Lookup(reference.Target, "u.v")} FROM unnest({field}) WITH ORDINALITY u(v, o) WHERE {Lookup(reference.Target, "u.v")} IS NOT NULL ORDER BY u.o)::{f.Type} END"
                        : Lookup(reference.Target, field);
                });
                return $"CASE WHEN ({r})::text IS NULL THEN NULL ELSE ROW({string.Join(", ", parts)})::{type} END";
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(reference));
        }
    }

    /// <summary>True (as SQL) when the row holds a reference that could not be translated.</summary>
    public string Unresolved(ReferenceSpec reference, string column, string resolved)
    {
        var r = "r." + Sql.Ident(column);
        return reference.Shape switch
        {
            ReferenceShape.Scalar => $"({r} IS NOT NULL OR r.{Sql.Ident("ref__" + column)} IS NOT NULL) AND ({resolved}) IS NULL",
            ReferenceShape.Polymorphic => $"{r} IS NOT NULL AND r.{Sql.Ident(reference.TypeColumn!)} IN ({string.Join(", ", reference.Targets.Keys.Select(Sql.Literal))}) AND ({resolved}) IS NULL",
            ReferenceShape.IntArray => $"{r} IS NOT NULL AND cardinality({r}) <> cardinality({resolved})",
            ReferenceShape.JsonArray => $"jsonb_typeof({r}) = 'array' AND jsonb_array_length({r}) <> jsonb_array_length({resolved})",
            ReferenceShape.TextList => $"{r} IS NOT NULL AND btrim({r}) <> '' AND coalesce(array_length(string_to_array({r}, ','), 1), 0) <> coalesce(array_length(string_to_array({resolved}, ','), 1), 0)",
            _ => "false",
        };
    }
}

internal sealed record CompositeField(string Name, string Type);
