using Crearis.Admin.Data;
using Crearis.Backup.Core.Import;

namespace Crearis.Admin.Backups;

/// <summary>
/// The names of the engine's <see cref="ImportMode"/> ("new-only", "merge"): what <c>--mode</c> and
/// <c>POST /api/imports</c> accept, what <c>--json</c>, the history and the jobs store and print, and the label a
/// person reads ("Import New Only", "Merge Changes").
/// </summary>
public static class ImportModeNames
{
    public static readonly Vocabulary<ImportMode> Vocabulary = new(
        (ImportMode.NewOnly, "new-only"),
        (ImportMode.Merge, "merge"));

    /// <summary>new-only or merge.</summary>
    public static IReadOnlyList<string> All => Vocabulary.Names;

    public static string ToName(this ImportMode mode) => Vocabulary.Name(mode);

    public static bool TryParse(string? name, out ImportMode mode) => Vocabulary.TryParse(name, out mode);

    public static ImportMode Parse(string name) => Vocabulary.Parse(name);

    /// <summary>"Import New Only" or "Merge Changes", as the Import page's buttons say.</summary>
    public static string Label(this ImportMode mode) => mode switch
    {
        ImportMode.NewOnly => "Import New Only",
        ImportMode.Merge => "Merge Changes",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };
}
