using System.Diagnostics;

namespace Crearis.Testing;

/// <summary>
/// The stock age tool (Debian package "age", installed by .ci/run): the independent party our encrypted files are
/// checked against. Its passphrase prompt reads the terminal, so passphrase runs go through util-linux's "script",
/// which gives it a pseudo-terminal fed from our input.
/// </summary>
public static class AgeTool
{
    public const string Age = "/usr/bin/age";
    public const string Keygen = "/usr/bin/age-keygen";

    /// <summary>A new identity file written by age-keygen, and its recipient.</summary>
    public static async Task<(string IdentityFile, string Recipient)> KeygenAsync(string folder, string name)
    {
        var file = Path.Combine(folder, name + ".key");
        var (exit, _, error) = await RunAsync(Keygen, ["-o", file]);
        exit.Should().Be(0, error);
        var recipient = File.ReadLines(file).Single(l => l.StartsWith("# public key: ", StringComparison.Ordinal))["# public key: ".Length..];
        return (file, recipient);
    }

    public static async Task<(int Exit, string Output, string Error)> RunAsync(string program, IEnumerable<string> args, string? input = null)
    {
        File.Exists(program).Should().BeTrue($"{program} is installed (apt-get install age; .ci/run does it)");
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            // The prompts come one after another: feed each line once the tool has had time to ask for it.
            foreach (var line in input.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await Task.Delay(700);
                await process.StandardInput.WriteAsync(line + "\n");
                await process.StandardInput.FlushAsync();
            }
        }
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs age with a terminal (for -p and for decrypting passphrase files), typing <paramref name="passphrase"/>
    /// at each prompt (<paramref name="prompts"/> times).</summary>
    public static Task<(int Exit, string Output, string Error)> WithPassphraseAsync(string passphrase, int prompts, params string[] ageArgs)
    {
        var command = Age + " " + string.Join(' ', ageArgs.Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        return RunAsync("/usr/bin/script", ["-qec", command, "/dev/null"], string.Concat(Enumerable.Repeat(passphrase + "\n", prompts)));
    }
}
