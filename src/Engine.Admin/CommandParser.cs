namespace Engine.Admin;

/// <summary>A command line matched against a palette's command: its switches' values and its arguments.</summary>
public sealed class ParsedCommand(PaletteSpec palette, CommandSpec command, IReadOnlyDictionary<string, string?> switches, IReadOnlyList<string> arguments)
{
    public PaletteSpec Palette { get; } = palette;

    public CommandSpec Command { get; } = command;

    public IReadOnlyList<string> Arguments { get; } = arguments;

    public string FullName => CommandParser.NameOf(Palette, Command);

    public bool Has(string name) => switches.ContainsKey(name);

    public string? Value(string name) => switches.TryGetValue(name, out var v) ? v : null;
}

/// <summary>
/// Matches words against the palettes a host serves. Host and client share it, so a bad switch is
/// named the same way wherever it is caught.
/// </summary>
public static class CommandParser
{
    /// <summary>The command, or why the words name none (one line, for the operator).</summary>
    public static ParsedCommand Parse(IReadOnlyList<PaletteSpec> palettes, IReadOnlyList<string> words)
    {
        if (words.Count == 0) throw new CommandException("no command: try 'help'");
        var palette = palettes.FirstOrDefault(p => p.Name == words[0])
            ?? throw new CommandException($"unknown command '{words[0]}': the palettes here are {string.Join(", ", palettes.Select(p => p.Name))}");
        // A palette whose command has no name (positions, orders) is the command itself: its
        // switches follow the palette's name.
        var unnamed = palette.Commands.FirstOrDefault(c => c.Name.Length == 0);
        CommandSpec command;
        var first = 2;
        if (unnamed is not null && (words.Count < 2 || palette.Commands.All(c => c.Name != words[1])))
        {
            command = unnamed;
            first = 1;
        }
        else
        {
            if (words.Count < 2)
                throw new CommandException($"'{palette.Name}' needs a command: {string.Join(", ", palette.Commands.Select(c => c.Name))}");
            command = palette.Commands.FirstOrDefault(c => c.Name == words[1])
                ?? throw new CommandException($"unknown command '{palette.Name} {words[1]}': use one of {string.Join(", ", palette.Commands.Select(c => c.Name))}");
        }
        var name = NameOf(palette, command);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var arguments = new List<string>();
        for (var i = first; i < words.Count; i++)
        {
            var word = words[i];
            if (!word.StartsWith('-') || word == "-")
            {
                arguments.Add(word);
                continue;
            }
            var spec = word.StartsWith("--", StringComparison.Ordinal)
                ? command.Switches.FirstOrDefault(s => "--" + s.Name == word)
                : command.Switches.FirstOrDefault(s => s.Short is { } sh && "-" + sh == word);
            if (spec is null)
                throw new CommandException($"'{name}' has no switch {word}{SwitchList(command)}");
            if (values.ContainsKey(spec.Name))
                throw new CommandException($"'{name}': {word} given twice");
            if (spec.Flag)
            {
                values[spec.Name] = null;
                continue;
            }
            if (i + 1 >= words.Count || (words[i + 1].StartsWith('-') && words[i + 1].Length > 1))
                throw new CommandException($"'{name}': {word} needs a value ({spec.Description})");
            values[spec.Name] = words[++i];
        }
        foreach (var required in command.Switches.Where(s => s.Required && !values.ContainsKey(s.Name)))
            throw new CommandException($"'{name}' needs --{required.Name}{(required.Short is { } s ? $" (-{s})" : "")}: {required.Description}");
        var expected = command.Arguments ?? [];
        if (arguments.Count > expected.Count)
            throw new CommandException($"'{name}' does not take '{arguments[expected.Count]}'{(expected.Count > 0 ? $" (it takes {string.Join(" ", expected.Select(a => $"<{a}>"))})" : "")}");
        return new ParsedCommand(palette, command, values, arguments);
    }

    /// <summary>"kill-switch engage"; a palette's unnamed command is the palette's name ("positions").</summary>
    public static string NameOf(PaletteSpec palette, CommandSpec command) =>
        command.Name.Length == 0 ? palette.Name : $"{palette.Name} {command.Name}";

    /// <summary>
    /// Splits a line typed at the prompt into words: spaces separate, double or single quotes keep
    /// a reason such as "feed stale" in one word.
    /// </summary>
    public static IReadOnlyList<string> Split(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        char? quote = null;
        var inWord = false;
        foreach (var ch in line)
        {
            if (quote is { } q)
            {
                if (ch == q) quote = null;
                else current.Append(ch);
                continue;
            }
            if (ch is '"' or '\'')
            {
                quote = ch;
                inWord = true;
                continue;
            }
            if (char.IsWhiteSpace(ch))
            {
                if (inWord) words.Add(current.ToString());
                current.Clear();
                inWord = false;
                continue;
            }
            current.Append(ch);
            inWord = true;
        }
        if (quote is not null) throw new CommandException("unterminated quote");
        if (inWord) words.Add(current.ToString());
        return words;
    }

    private static string SwitchList(CommandSpec command) => command.Switches.Count == 0
        ? " (it takes none)"
        : $" (it takes {string.Join(", ", command.Switches.Select(s => s.Short is { } sh ? $"-{sh}/--{s.Name}" : $"--{s.Name}"))})";
}

/// <summary>A command that cannot run as written: the message is the one line the operator sees.</summary>
public sealed class CommandException(string message) : Exception(message);
