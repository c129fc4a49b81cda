namespace Crearis.Testing;

/// <summary>
/// What a test class of imports between databases makes and must drop again: content databases (empty, or with demo
/// data) and a folder for the backup files.
/// </summary>
public abstract class ImportTestBed(string name) : IAsyncLifetime
{
    private readonly List<string> _databases = [];

    protected string Folder { get; } = Directory.CreateTempSubdirectory($"crearis-{name}-").FullName;

    protected string File(string fileName) => Path.Combine(Folder, fileName);

    /// <summary>A new content database; with <paramref name="rows"/> &gt; 0 filled with demo data.</summary>
    protected async Task<string> DemoDatabaseAsync(string prefix, int rows, int seed = 42)
    {
        var (_, cs) = await TestPostgres.CreateCrearisDatabaseAsync(prefix);
        _databases.Add(cs);
        if (rows > 0) await EngineHarness.GenerateDemoAsync(cs, rows, seed);
        return cs;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var db in _databases) await TestPostgres.DropDatabaseAsync(db);
        Directory.Delete(Folder, recursive: true);
    }
}
