namespace Crearis.Testing;

/// <summary>
/// The platform's reference material (<c>../shared/reference</c> beside the checkout). It is present on development
/// and CI machines; tests that need it are skipped, and say so, where it is absent.
/// </summary>
public static class ReferenceFiles
{
    public static string? Directory { get; } = Find();

    public static string Path(string relative) =>
        System.IO.Path.Combine(Directory ?? throw new InvalidOperationException("The reference folder is absent."), relative);

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("CREARIS_REFERENCE_DIR") is { Length: > 0 } given)
            return System.IO.Directory.Exists(given) ? given : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Crearis.sln")))
            {
                var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "reference"));
                return System.IO.Directory.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }
}

/// <summary>A fact that needs <c>../shared/reference</c>; skipped with a reason where it is absent.</summary>
public sealed class ReferenceFactAttribute : FactAttribute
{
    public ReferenceFactAttribute()
    {
        if (ReferenceFiles.Directory is null)
            Skip = "../shared/reference is absent on this machine (set CREARIS_REFERENCE_DIR to run this test).";
    }
}

public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Crearis.sln"))) return dir.FullName;
        throw new InvalidOperationException("Crearis.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Screenshots and other outputs a person looks at after a run.</summary>
    public static string Artifacts
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("CREARIS_TEST_ARTIFACTS") is { Length: > 0 } given
                ? given
                : Path.Combine(Root, "artifacts", "test-results");
            System.IO.Directory.CreateDirectory(dir);
            return dir;
        }
    }
}
