using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Crearis.Admin.Cli;

/// <summary>
/// The one way a command's text reaches the terminal: <see cref="CliApp.RunAsync"/> wraps stdout and stderr in it.
/// Names in the output come from file names, archives (an uploaded backup's manifest names its tables) and the command
/// line, and a control character in one could move the cursor, recolour, retitle or clear the operator's terminal, or
/// start a forged line of output. So no control character of a text passes (C0, DEL and C1, ESC and CR among them);
/// a line break or tab inside a text becomes a space. Lines end only where a command ends them (WriteLine), so a
/// command prints several lines one call each (<see cref="WriteLinesAsync"/>); the progress bar's carriage return is
/// this writer's own (<see cref="Redraw"/>). JSON loses nothing: it escapes control characters in its strings.
/// </summary>
public sealed class TerminalText(TextWriter inner) : TextWriter
{
    /// <summary>The writer underneath (the console's, or a caller's).</summary>
    public TextWriter Inner => inner;

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    [AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    /// <summary>The text without control characters; line breaks and tabs in it become spaces.</summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? Clean(string? text)
    {
        if (text is null || !text.Any(char.IsControl)) return text;
        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsControl(c)) clean.Append(c);
            else if (c is '\n' or '\t' or '\v' or '\f') clean.Append(' ');
            // Everything else (ESC, BEL, CR, C1 such as CSI) is dropped: it has nothing to show.
        }
        return clean.ToString();
    }

    /// <summary>Each line of a text that has several (an indented JSON document), as lines of their own.</summary>
    public async Task WriteLinesAsync(string text)
    {
        foreach (var line in text.Split('\n')) await WriteLineAsync(line.TrimEnd('\r'));
    }

    /// <summary>Redraws the current terminal line (a progress bar): a carriage return, then the cleaned text.</summary>
    public void Redraw(string text)
    {
        inner.Write('\r');
        inner.Write(Clean(text));
    }

    public override void Write(char value)
    {
        if (!char.IsControl(value)) inner.Write(value);
        else if (value is '\n' or '\t' or '\v' or '\f') inner.Write(' ');
    }

    public override void Write(string? value) => inner.Write(Clean(value));

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Write(new string(buffer));

    public override void WriteLine() => inner.WriteLine();

    public override void WriteLine(string? value) => inner.WriteLine(Clean(value));

    public override void WriteLine(char[] buffer, int index, int count) => WriteLine(new string(buffer, index, count));

    public override void WriteLine(ReadOnlySpan<char> buffer) => WriteLine(new string(buffer));

    public override Task WriteAsync(char value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(string? value) => inner.WriteAsync(Clean(value));

    public override Task WriteAsync(char[] buffer, int index, int count) => WriteAsync(new string(buffer, index, count));

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(Clean(new string(buffer.Span)).AsMemory(), cancellationToken);

    public override Task WriteLineAsync() => inner.WriteLineAsync();

    public override Task WriteLineAsync(char value) => WriteLineAsync(value.ToString());

    public override Task WriteLineAsync(string? value) => inner.WriteLineAsync(Clean(value));

    public override Task WriteLineAsync(char[] buffer, int index, int count) => WriteLineAsync(new string(buffer, index, count));

    public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteLineAsync(Clean(new string(buffer.Span)).AsMemory(), cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    // The writer underneath belongs to the caller (the console's, or a test's): it is not disposed here.
}
