namespace Crearis.Platform.Schema;

/// <summary>The SQL scripts (embedded resources from Schema/Sql) that create the content schema, in order.</summary>
public static class SchemaScripts
{
    private const string Prefix = "Crearis.Schema.";

    public static IReadOnlyList<string> All { get; } = typeof(SchemaScripts).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToArray();

    public static string Read(string name)
    {
        using var stream = typeof(SchemaScripts).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new InvalidOperationException($"Schema script {name} is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
