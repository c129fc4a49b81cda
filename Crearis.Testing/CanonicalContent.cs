using System.Text.Json.Nodes;
using Crearis.Backup.Core.Catalog;
using Crearis.Backup.Core.Planning;
using Crearis.Backup.Core.Profile;
using Npgsql;

namespace Crearis.Testing;

/// <summary>
/// A database's content in terms that do not depend on surrogate ids: every row keyed by its natural key, every
/// reference (foreign keys, id arrays, id lists in text and jsonb, polymorphic and composite ones) replaced by the
/// natural key of the row it points at. Two databases hold the same content exactly when these are equal.
/// Written independently of the engine's SQL, so it can catch the engine's mistakes.
/// </summary>
public static class CanonicalContent
{
    public static async Task<Dictionary<string, List<string>>> ReadAsync(string connectionString, IEnumerable<string>? tables = null,
        IReadOnlySet<string>? ignoreColumns = null)
    {
        var rows = await ReadRowsAsync(connectionString, tables, ignoreColumns);
        return rows.ToDictionary(t => t.Key, t =>
        {
            var list = t.Value.Select(r => r.Key + " => " + r.Object.ToJsonString()).ToList();
            list.Sort(StringComparer.Ordinal);
            return list;
        });
    }

    /// <summary>The same content as rows: per table, each row's natural key and its columns with references translated.</summary>
    public static async Task<Dictionary<string, List<(string Key, JsonObject Object)>>> ReadRowsAsync(string connectionString,
        IEnumerable<string>? tables = null, IReadOnlySet<string>? ignoreColumns = null)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var catalog = await DatabaseCatalog.ReadAsync(conn);
        var (models, _) = TableModelBuilder.Build(catalog, CrearisProfile.Default);
        var byName = models.ToDictionary(m => m.Name);

        var rows = new Dictionary<string, List<JsonObject>>();
        foreach (var model in models)
        {
            var list = new List<JsonObject>();
            await using var cmd = new NpgsqlCommand($"SELECT to_jsonb(t)::text FROM public.{Sql.Ident(model.Name)} t", conn);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) list.Add((JsonObject)JsonNode.Parse(reader.GetString(0))!);
            rows[model.Name] = list;
        }

        // id → natural key text, per table (keys through references resolved recursively).
        var keyOf = new Dictionary<string, Dictionary<string, string>>();
        string NaturalKey(TableModel model, JsonObject row) => string.Join(" | ", model.Profile.NaturalKey.Select(k =>
            k.ReferencedTable is null ? Text(row[k.Column]) : Lookup(k.ReferencedTable, Text(row[k.Column]))));
        string Lookup(string table, string id)
        {
            if (id == "null") return "null";
            if (!keyOf.TryGetValue(table, out var map))
            {
                var model = byName[table];
                map = keyOf[table] = [];
                foreach (var row in rows[table]) map[Text(row[model.IdColumn!])] = NaturalKey(model, row);
            }
            return map.TryGetValue(id, out var key) ? key : $"<dangling {table} {id}>";
        }

        var result = new Dictionary<string, List<(string Key, JsonObject Object)>>();
        foreach (var model in models.Where(m => tables is null || tables.Contains(m.Name)))
        {
            var canonical = new List<(string Key, JsonObject Object)>();
            foreach (var row in rows[model.Name])
            {
                var copy = (JsonObject)row.DeepClone();
                foreach (var c in model.Schema.Columns.Where(c => c.IsGenerated)) copy.Remove(c.Name);
                if (model.HasSurrogateId) copy.Remove(model.IdColumn!);
                foreach (var ignored in ignoreColumns ?? new HashSet<string>())
                    if (ignored.StartsWith(model.Name + ".", StringComparison.Ordinal)) copy.Remove(ignored[(model.Name.Length + 1)..]);
                foreach (var reference in model.References)
                {
                    if (!copy.ContainsKey(reference.Column) || copy[reference.Column] is null) continue;
                    copy[reference.Column] = Translate(reference, copy, Lookup);
                }
                canonical.Add((NaturalKey(model, row), copy));
            }
            result[model.Name] = canonical;
        }
        return result;
    }

    /// <summary>Asserts two canonical dumps are equal; on a difference, names the table and the first rows that differ.</summary>
    public static void ShouldEqual(Dictionary<string, List<string>> actual, Dictionary<string, List<string>> expected)
    {
        foreach (var table in expected.Keys)
        {
            var missing = expected[table].Except(actual[table]).Take(3).ToList();
            var extra = actual[table].Except(expected[table]).Take(3).ToList();
            if (missing.Count == 0 && extra.Count == 0 && actual[table].Count == expected[table].Count) continue;
            File.WriteAllLines(Path.Combine(RepoPaths.Artifacts, $"canonical-{table}-expected.txt"), expected[table]);
            File.WriteAllLines(Path.Combine(RepoPaths.Artifacts, $"canonical-{table}-actual.txt"), actual[table]);
            throw new Xunit.Sdk.XunitException(
                $"Table {table} differs ({expected[table].Count} rows expected, {actual[table].Count} found).\n" +
                $"Expected but missing:\n  {string.Join("\n  ", missing)}\nFound instead:\n  {string.Join("\n  ", extra)}");
        }
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private static JsonNode? Translate(ReferenceSpec reference, JsonObject row, Func<string, string, string> lookup)
    {
        var value = row[reference.Column]!;
        switch (reference.Shape)
        {
            case ReferenceShape.Scalar:
                return lookup(reference.Target, Text(value));
            case ReferenceShape.IntArray:
            case ReferenceShape.JsonArray:
                return new JsonArray(((JsonArray)value).Select(e => (JsonNode?)lookup(reference.Target, Text(e))).ToArray());
            case ReferenceShape.TextList:
                return string.Join(",", Text(value).Split(',').Select(v => lookup(reference.Target, v.Trim())));
            case ReferenceShape.Polymorphic:
                var type = Text(row[reference.TypeColumn!]);
                return reference.Targets.TryGetValue(type, out var table) ? lookup(table, Text(value)) : value.DeepClone();
            case ReferenceShape.CompositeFields:
                var composite = (JsonObject)value.DeepClone();
                foreach (var field in reference.Fields!)
                {
                    if (composite[field] is JsonArray array)
                        composite[field] = new JsonArray(array.Select(e => (JsonNode?)lookup(reference.Target, Text(e))).ToArray());
                    else if (composite[field] is not null)
                        composite[field] = lookup(reference.Target, Text(composite[field]));
                }
                return composite;
            default:
                return value.DeepClone();
        }
    }
}
