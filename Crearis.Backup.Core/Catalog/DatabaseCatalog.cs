using Npgsql;

namespace Crearis.Backup.Core.Catalog;

/// <summary>A column as the live database defines it.</summary>
/// <param name="Type">The SQL type as <c>format_type</c> writes it, e.g. <c>integer</c>, <c>text[]</c>, <c>image_shape</c>.</param>
/// <param name="TypeCategory">pg_type.typcategory: N numeric, S string, B boolean, D date/time, A array, C composite, E enum, U user (jsonb, bytea)…</param>
public sealed record ColumnSchema(
    string Name,
    int Ordinal,
    string Type,
    string UdtName,
    char TypeCategory,
    bool IsNullable,
    bool IsGenerated,
    bool HasDefault,
    string? Default)
{
    public bool IsJsonb => UdtName == "jsonb";
    public bool IsText => TypeCategory == 'S';
    public bool IsArray => TypeCategory == 'A';
    public bool IsComposite => TypeCategory == 'C';
    public bool IsSerial => Default is not null && Default.StartsWith("nextval(", StringComparison.Ordinal);
}

public sealed record ForeignKeySchema(string Name, IReadOnlyList<string> Columns, string ReferencedTable,
    IReadOnlyList<string> ReferencedColumns, string OnDelete);

public sealed record UniqueKeySchema(string Name, IReadOnlyList<string> Columns, bool IsPrimary);

/// <summary>A composite type's fields, in order (used to rebuild values whose fields hold references).</summary>
public sealed record CompositeTypeSchema(string Name, IReadOnlyList<(string Name, string Type)> Fields);

public sealed record TableSchema(
    string Name,
    IReadOnlyList<ColumnSchema> Columns,
    IReadOnlyList<string> PrimaryKey,
    IReadOnlyList<UniqueKeySchema> UniqueKeys,
    IReadOnlyList<ForeignKeySchema> ForeignKeys)
{
    private readonly Dictionary<string, ColumnSchema> _byName = Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);

    public ColumnSchema? Column(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Columns that can be written (generated columns cannot).</summary>
    public IEnumerable<ColumnSchema> Writable => Columns.Where(c => !c.IsGenerated);
}

/// <summary>
/// The live catalog of one schema (default <c>public</c>): everything the engine needs about tables comes from here,
/// not from code, so a platform database and one made by our migrations are treated alike.
/// </summary>
public sealed class DatabaseCatalog
{
    private readonly Dictionary<string, TableSchema> _tables;
    private readonly Dictionary<string, CompositeTypeSchema> _composites;

    private DatabaseCatalog(Dictionary<string, TableSchema> tables, Dictionary<string, CompositeTypeSchema> composites)
    {
        _tables = tables;
        _composites = composites;
    }

    public IReadOnlyCollection<TableSchema> Tables => _tables.Values;

    public TableSchema? Table(string name) => _tables.GetValueOrDefault(name);

    public CompositeTypeSchema? Composite(string name) => _composites.GetValueOrDefault(name);

    /// <summary>A stable SHA-256 over the tables' columns, types and keys, to tell whether two databases share a schema.</summary>
    public string Fingerprint(IEnumerable<string> tables)
    {
        var text = new System.Text.StringBuilder();
        foreach (var name in tables.Order(StringComparer.Ordinal))
        {
            if (Table(name) is not { } t) continue;
            text.Append(name).Append('(');
            foreach (var c in t.Columns) text.Append(c.Name).Append(' ').Append(c.Type).Append(c.IsGenerated ? " gen" : "").Append(',');
            text.Append(")pk=").Append(string.Join(',', t.PrimaryKey));
            foreach (var fk in t.ForeignKeys.OrderBy(f => f.Name, StringComparer.Ordinal))
                text.Append(" fk:").Append(string.Join(',', fk.Columns)).Append("->").Append(fk.ReferencedTable);
            text.Append('\n');
        }
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
    }

    public static async Task<DatabaseCatalog> ReadAsync(NpgsqlConnection connection, string schema = "public",
        CancellationToken ct = default)
    {
        var columns = new Dictionary<string, List<ColumnSchema>>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("""
            SELECT c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), t.typname, t.typcategory,
                   NOT a.attnotnull, a.attgenerated <> '', a.atthasdef, pg_get_expr(d.adbin, d.adrelid)
              FROM pg_attribute a
              JOIN pg_class c ON c.oid = a.attrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_type t ON t.oid = a.atttypid
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY c.relname, a.attnum
            """, connection))
        {
            cmd.Parameters.AddWithValue(schema);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var table = r.GetString(0);
                if (!columns.TryGetValue(table, out var list)) columns[table] = list = [];
                var generated = r.GetBoolean(7);
                list.Add(new ColumnSchema(r.GetString(1), r.GetInt16(2), r.GetString(3), r.GetString(4), r.GetChar(5),
                    r.GetBoolean(6), generated, r.GetBoolean(8) && !generated, generated || r.IsDBNull(9) ? null : r.GetString(9)));
            }
        }

        var keys = new Dictionary<string, List<UniqueKeySchema>>(StringComparer.Ordinal);
        var foreign = new Dictionary<string, List<ForeignKeySchema>>(StringComparer.Ordinal);
        // Unique keys come from unique indexes too (idx_tags_name is an index, not a constraint).
        await using (var cmd = new NpgsqlCommand("""
            SELECT c.relname, i.relname, x.indisprimary,
                   ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, o)
                         JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.o)
              FROM pg_index x
              JOIN pg_class c ON c.oid = x.indrelid
              JOIN pg_class i ON i.oid = x.indexrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND x.indisunique AND x.indpred IS NULL AND x.indexprs IS NULL
             ORDER BY c.relname, i.relname
            """, connection))
        {
            cmd.Parameters.AddWithValue(schema);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var table = r.GetString(0);
                if (!keys.TryGetValue(table, out var list)) keys[table] = list = [];
                list.Add(new UniqueKeySchema(r.GetString(1), r.GetFieldValue<string[]>(3), r.GetBoolean(2)));
            }
        }
        await using (var cmd = new NpgsqlCommand("""
            SELECT c.relname, k.conname, f.relname,
                   ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(attnum, o)
                         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.o),
                   ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(attnum, o)
                         JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.o),
                   k.confdeltype
              FROM pg_constraint k
              JOIN pg_class c ON c.oid = k.conrelid
              JOIN pg_class f ON f.oid = k.confrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND k.contype = 'f'
             ORDER BY c.relname, k.conname
            """, connection))
        {
            cmd.Parameters.AddWithValue(schema);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var table = r.GetString(0);
                if (!foreign.TryGetValue(table, out var list)) foreign[table] = list = [];
                var onDelete = r.GetChar(5) switch { 'c' => "CASCADE", 'n' => "SET NULL", 'd' => "SET DEFAULT", 'r' => "RESTRICT", _ => "NO ACTION" };
                list.Add(new ForeignKeySchema(r.GetString(1), r.GetFieldValue<string[]>(3), r.GetString(2), r.GetFieldValue<string[]>(4), onDelete));
            }
        }

        var composites = new Dictionary<string, CompositeTypeSchema>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("""
            SELECT t.typname, a.attname, format_type(a.atttypid, a.atttypmod)
              FROM pg_type t
              JOIN pg_namespace n ON n.oid = t.typnamespace
              JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE n.nspname = $1
             ORDER BY t.typname, a.attnum
            """, connection))
        {
            cmd.Parameters.AddWithValue(schema);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            var fields = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
            while (await r.ReadAsync(ct))
            {
                var type = r.GetString(0);
                if (!fields.TryGetValue(type, out var list)) fields[type] = list = [];
                list.Add((r.GetString(1), r.GetString(2)));
            }
            foreach (var (type, list) in fields) composites[type] = new CompositeTypeSchema(type, list);
        }

        var tables = new Dictionary<string, TableSchema>(StringComparer.Ordinal);
        foreach (var (name, cols) in columns)
        {
            var uniques = keys.GetValueOrDefault(name) ?? [];
            var pk = uniques.FirstOrDefault(u => u.IsPrimary)?.Columns ?? [];
            tables[name] = new TableSchema(name, cols, pk, uniques, foreign.GetValueOrDefault(name) ?? []);
        }
        return new DatabaseCatalog(tables, composites);
    }
}
