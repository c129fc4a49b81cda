using Crearis.Admin.Cli;

namespace Crearis.Admin.Tests.Cli;

public sealed record CliOutcome(int ExitCode, string Output, string Error);

/// <summary>Runs the executable's command line in-process, capturing what it prints.</summary>
public static class CliRun
{
    public static Task<CliOutcome> RunAsync(params string[] args) => RunWithSettingsAsync(null, args);

    /// <summary>Runs with configuration values laid over files and environment (what env vars would set, but per call).</summary>
    public static async Task<CliOutcome> RunWithSettingsAsync(IReadOnlyDictionary<string, string?>? settings, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, output, error, settings);
        return new CliOutcome(exit, output.ToString(), error.ToString());
    }
}
