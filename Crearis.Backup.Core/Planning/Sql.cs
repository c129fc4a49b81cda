namespace Crearis.Backup.Core.Planning;

/// <summary>Quoting for identifiers and literals built from catalog names (never from user input).</summary>
public static class Sql
{
    public static string Ident(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    public static string Literal(string value) => "'" + value.Replace("'", "''") + "'";
}
