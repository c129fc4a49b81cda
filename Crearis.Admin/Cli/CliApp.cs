using System.CommandLine;

namespace Crearis.Admin.Cli;

/// <summary>The command-line face of the same executable: for scripts and cron. Without a command the web app starts.</summary>
public static class CliApp
{
    private static readonly HashSet<string> Entry = new(StringComparer.Ordinal)
    {
        "db", "users", "backup", "--help", "-h", "-?", "--version",
    };

    public static bool IsCommand(string[] args) => args.Length > 0 && Entry.Contains(args[0]);

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "Crearis Backup Admin. Without a command it starts the web app (dotnet run --project Crearis.Admin).");
        root.Subcommands.Add(DbCommands.Build());
        root.Subcommands.Add(UserCommands.Build());
        root.Subcommands.Add(BackupCommands.Build());
        return root;
    }

    /// <summary>
    /// Runs one command. <paramref name="settings"/> are configuration values laid over the files and environment
    /// variables (like the web app's command-line settings); tests use them instead of process-wide variables.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        CliContext.Settings.Value = settings;
        var parse = BuildRoot().Parse(args);
        // Every command, and the parser's own messages (which echo what was typed), write through TerminalText.
        var config = new InvocationConfiguration
        {
            Output = new TerminalText(output ?? Console.Out),
            Error = new TerminalText(error ?? Console.Error),
        };
        var exit = await parse.InvokeAsync(config);
        // Parse errors (unknown option, missing value) are bad arguments: exit code 2 as documented.
        return parse.Errors.Count > 0 ? ExitCodes.BadArguments : exit;
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadArguments = 2;

    /// <summary>A merge found conflicts nothing decided: nothing written (decide them with --resolutions or --on-conflict).</summary>
    public const int Conflicts = 3;

    /// <summary>Another import holds the database (nothing written): retry later, or pass --wait.</summary>
    public const int Busy = 5;
}
