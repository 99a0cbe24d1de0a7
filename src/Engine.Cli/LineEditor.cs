using Engine.Admin;

namespace Engine.Cli;

/// <summary>
/// The prompt's line input: history (up and down) and tab completion of the palettes the host
/// sent, on a terminal; plain lines when input is piped (scripts, tests).
/// </summary>
public sealed class LineEditor(IReadOnlyList<PaletteSpec> palettes)
{
    private readonly List<string> _history = new();

    public IReadOnlyList<string> History => _history;

    public string? ReadLine(string prompt)
    {
        Console.Out.Write(prompt);
        var line = Console.IsInputRedirected ? Console.In.ReadLine() : ReadKeys(prompt);
        if (Console.IsInputRedirected && line is not null) Console.Out.WriteLine(line);
        if (!string.IsNullOrWhiteSpace(line)) _history.Add(line);
        return line;
    }

    private string? ReadKeys(string prompt)
    {
        var buffer = new System.Text.StringBuilder();
        var recalled = _history.Count;
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.Out.WriteLine();
                    return buffer.ToString();
                case ConsoleKey.Backspace when buffer.Length > 0:
                    buffer.Length--;
                    Console.Out.Write("\b \b");
                    break;
                case ConsoleKey.UpArrow when recalled > 0:
                    Replace(prompt, buffer, _history[--recalled]);
                    break;
                case ConsoleKey.DownArrow when recalled < _history.Count:
                    recalled++;
                    Replace(prompt, buffer, recalled < _history.Count ? _history[recalled] : "");
                    break;
                case ConsoleKey.Tab:
                    Complete(prompt, buffer);
                    break;
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && buffer.Length == 0:
                    Console.Out.WriteLine();
                    return null;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        buffer.Append(key.KeyChar);
                        Console.Out.Write(key.KeyChar);
                    }
                    break;
            }
        }
    }

    /// <summary>Completes the last word: a palette, its command, or a switch of that command.</summary>
    private void Complete(string prompt, System.Text.StringBuilder buffer)
    {
        var text = buffer.ToString();
        var words = text.Split(' ');
        var partial = words[^1];
        var candidates = Candidates(words[..^1], partial).ToArray();
        if (candidates.Length == 1)
        {
            Replace(prompt, buffer, string.Join(' ', words[..^1].Append(candidates[0])) + " ");
        }
        else if (candidates.Length > 1)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine(string.Join("  ", candidates));
            Console.Out.Write(prompt + text);
        }
    }

    public IEnumerable<string> Candidates(IReadOnlyList<string> before, string partial)
    {
        var palette = before.Count > 0 ? palettes.FirstOrDefault(p => p.Name == before[0]) : null;
        // A palette's unnamed command (positions, orders) takes its switches right after the palette's name.
        var unnamed = palette?.Commands.FirstOrDefault(c => c.Name.Length == 0);
        IEnumerable<string> all = before.Count switch
        {
            0 => palettes.Select(p => p.Name).Concat(["help", "history", "exit"]),
            1 => palette is null ? [] : palette.Commands.Where(c => c.Name.Length > 0).Select(c => c.Name)
                .Concat(unnamed?.Switches.Select(s => "--" + s.Name) ?? []),
            _ => (palette?.Commands.FirstOrDefault(c => c.Name.Length > 0 && c.Name == before[1]) ?? unnamed)?.Switches.Select(s => "--" + s.Name) ?? [],
        };
        return all.Where(c => c.StartsWith(partial, StringComparison.Ordinal));
    }

    private static void Replace(string prompt, System.Text.StringBuilder buffer, string text)
    {
        Console.Out.Write("\r" + prompt + new string(' ', buffer.Length) + "\r" + prompt + text);
        buffer.Clear().Append(text);
    }
}
