using System.Text;

namespace Engine.Host;

/// <summary>A configuration the engine refuses: each line of the message names one problem (and where it is).</summary>
public sealed class ConfigurationException(IReadOnlyList<string> problems) : Exception(string.Join("\n", problems))
{
    public ConfigurationException(string problem) : this([problem]) { }

    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Where something is in one layer: a file (or an environment variable, the command line), 1-based line and column.</summary>
public readonly record struct HoconLocation(string Source, int Line, int Column)
{
    public override string ToString() => $"{Source}:{Line}:{Column}";
}

/// <summary>A <c>${path}</c> or <c>${?path}</c> in a value.</summary>
public sealed record HoconReference(string Path, bool Optional, HoconLocation At);

public abstract record HoconItem(HoconLocation At);

/// <summary>
/// One assignment, at its full path. An object value merges (its fields follow as their own
/// definitions); anything else replaces what the path held before, with the substitutions it uses.
/// </summary>
public sealed record HoconDefinition(string Path, bool IsObject, IReadOnlyList<HoconReference> References, HoconLocation At)
    : HoconItem(At);

/// <summary>An <c>include</c> directive: the file it names and the span of text it occupies.</summary>
public sealed record HoconInclude(string Target, string Prefix, int Start, int End, HoconLocation At) : HoconItem(At);

/// <summary>One file's definitions and includes in order, and where its root object's fields are.</summary>
public sealed record HoconDocument(IReadOnlyList<HoconItem> Items, int BodyStart, int BodyEnd);

/// <summary>
/// A strict reader of the HOCON the engine accepts. Akka's own parser accepts an unclosed brace or a
/// stray token without a word (the value becomes unknown), so every layer is read here first: a
/// syntax error names its source, line and column. It also yields what the checks after it need:
/// the path of every assignment, the substitutions each uses, and the includes.
/// </summary>
public sealed class StrictHocon
{
    private const string NotInUnquoted = "$\"{}[]:=,#`^?!@*&\\";
    private readonly string _text;
    private readonly string _source;
    private readonly List<int> _lineStarts = [0];
    private readonly List<HoconItem> _items = [];
    private int _pos;

    private StrictHocon(string source, string text)
    {
        _source = source;
        _text = text;
        for (var i = 0; i < text.Length; i++)
            if (text[i] == '\n') _lineStarts.Add(i + 1);
    }

    /// <exception cref="ConfigurationException">A syntax error, naming source, line and column.</exception>
    public static HoconDocument Parse(string source, string text) => new StrictHocon(source, text).ParseRoot();

    private HoconDocument ParseRoot()
    {
        SkipBlank(newlines: true);
        if (Peek() == '[') throw Error(_pos, "the root must be an object of settings, not a list");
        if (Peek() != '{')
        {
            ParseObjectBody(new Scope(""), null, _pos);
            return new HoconDocument(_items, 0, _text.Length);
        }
        var open = _pos++;
        ParseObjectBody(new Scope(""), '}', open);
        var end = _pos++;
        SkipBlank(newlines: true);
        if (!AtEnd) throw Error(_pos, $"unexpected {Describe(_pos)} after the root object's closing '}}' (line {Location(end).Line})");
        return new HoconDocument(_items, open + 1, end);
    }

    /// <summary>Fields until <paramref name="close"/> (or the end of the text for the root).</summary>
    private void ParseObjectBody(Scope scope, char? close, int openedAt)
    {
        while (true)
        {
            SkipBlank(newlines: true);
            if (AtEnd)
            {
                if (close is null) return;
                throw Error(_pos, $"'{{' at line {Location(openedAt).Line}, column {Location(openedAt).Column} is never closed; expected '}}'");
            }
            if (Peek() == close) return;
            var c = Peek();
            if (c is '}' or ']') throw Error(_pos, $"unexpected '{c}' (nothing to close here)");
            if (c == ',') throw Error(_pos, "unexpected ',' (a setting name was expected)");
            if (!TryParseInclude(scope)) ParseField(scope);
            SkipBlank(newlines: false);
            if (AtEnd || Peek() == '\n' || Peek() == close) continue;
            if (Peek() == ',') { _pos++; continue; }
            throw Error(_pos, $"unexpected {Describe(_pos)}; expected a new line or ',' before the next setting");
        }
    }

    private void ParseField(Scope scope)
    {
        var keyAt = _pos;
        var key = ParsePath();
        if (key.Length == 0) throw Error(_pos, $"unexpected {Describe(_pos)}; expected a setting name");
        SkipBlank(newlines: false);
        var path = scope.Prefix is null ? null : scope.Prefix + key;
        if (Peek() == '+' && Peek(1) == '=')
            throw Error(_pos, "'+=' is not supported (Akka's HOCON parser loses the list); write the whole value");
        if (Peek() is '=' or ':')
        {
            _pos++;
            SkipBlank(newlines: true);
        }
        else if (Peek() != '{')
        {
            throw Error(_pos, AtEnd || Peek() == '\n'
                ? $"'{key}' has no value; expected '=', ':' or '{{' after it"
                : $"unexpected {Describe(_pos)} after '{key}'; expected '=', ':' or '{{'");
        }
        ParseValue(scope, path, keyAt);
    }

    /// <summary>A value: one or more parts on one line (HOCON concatenation), up to a new line, ',', '}' or ']'.</summary>
    private void ParseValue(Scope scope, string? path, int at)
    {
        // The definition precedes its object fields: a replacing value must apply before what it contains.
        var index = _items.Count;
        var references = new List<HoconReference>();
        var onlyObjects = true;
        var parts = 0;
        while (true)
        {
            SkipBlank(newlines: false);
            if (AtEnd || Peek() is '\n' or ',' or '}' or ']') break;
            var c = Peek();
            parts++;
            if (c is '{' or '[') Nest(_pos);
            if (c == '{')
            {
                var open = _pos++;
                ParseObjectBody(new Scope(path is null ? null : path + ".", path is null ? scope.References : references), '}', open);
                _pos++;
                _depth--;
                continue;
            }
            onlyObjects = false;
            if (c == '[')
            {
                ParseArray(references);
                _depth--;
            }
            else if (c == '"') ParseQuoted();
            else if (c == '$') references.Add(ParseSubstitution());
            else if (IsUnquoted(_pos)) { while (!AtEnd && IsUnquoted(_pos)) _pos++; }
            else throw Error(_pos, $"unexpected {Describe(_pos)} in the value{(path is null ? "" : $" of '{path}'")}; quote the value if it is text");
        }
        if (parts == 0)
            throw Error(_pos, $"{(path is null ? "a value" : $"'{path}'")} has no value; expected one before {Describe(_pos)}");
        if (path is null) scope.References!.AddRange(references);
        else _items.Insert(index, new HoconDefinition(path, onlyObjects, references, Location(at)));
    }

    // Nesting is parsed recursively, here and in Akka's parser: a limit keeps a pathological file
    // (thousands of '[') from overflowing the stack, which no handler could catch.
    private const int MaxDepth = 64;
    private int _depth;

    private void Nest(int at)
    {
        if (++_depth > MaxDepth) throw Error(at, $"objects and lists are nested more than {MaxDepth} deep");
    }

    private void ParseArray(List<HoconReference> references)
    {
        var open = _pos++;
        var scope = new Scope(null, references);
        while (true)
        {
            SkipBlank(newlines: true);
            if (AtEnd) throw Error(_pos, $"'[' at line {Location(open).Line}, column {Location(open).Column} is never closed; expected ']'");
            if (Peek() == ']') { _pos++; return; }
            ParseValue(scope, null, _pos);
            SkipBlank(newlines: false);
            if (!AtEnd && Peek() == ',') _pos++;
            else if (!AtEnd && Peek() is not ('\n' or ']'))
                throw Error(_pos, $"unexpected {Describe(_pos)} in a list; expected ',' or ']'");
        }
    }

    private HoconReference ParseSubstitution()
    {
        var at = _pos;
        if (Peek(1) != '{') throw Error(_pos, "unexpected '$'; a substitution is written ${path}, text with '$' must be quoted");
        _pos += 2;
        var optional = Peek() == '?';
        // Akka's parser (1.5.74) never returns from any ${?...}, defined or not, so it is refused here.
        if (optional)
            throw Error(at, "optional substitutions ${?...} are not supported (Akka's HOCON parser hangs on them); "
                + "write ${path} to a defined setting, or use an ENGINE_* environment variable");
        SkipBlank(newlines: false);
        var path = ParsePath();
        SkipBlank(newlines: false);
        if (path.Length == 0 || Peek() != '}')
            throw Error(_pos, $"substitution at line {Location(at).Line}, column {Location(at).Column} is not closed; expected '${{path}}'");
        _pos++;
        return new HoconReference(path, optional, Location(at));
    }

    /// <summary>A key or substitution path: unquoted or quoted segments joined by '.', kept as written.</summary>
    private string ParsePath()
    {
        var sb = new StringBuilder();
        var at = _pos;
        var segments = 1;
        while (!AtEnd)
        {
            // Akka's parser recurses once per dotted segment, as it does per nested object.
            if (Peek() == '.' && ++segments > MaxDepth) throw Error(at, $"a setting name has more than {MaxDepth} dotted parts");
            if (Peek() == '"')
            {
                var start = _pos;
                ParseQuoted();
                sb.Append(_text, start, _pos - start);
            }
            else if (IsUnquoted(_pos) && Peek() != '+') // in a key, '+' starts '+='
            {
                sb.Append(Peek());
                _pos++;
            }
            else break;
        }
        return sb.ToString();
    }

    private void ParseQuoted()
    {
        var open = _pos;
        if (Peek(1) == '"' && Peek(2) == '"')
        {
            var close = _text.IndexOf("\"\"\"", open + 3, StringComparison.Ordinal);
            if (close < 0) throw Error(open, "a \"\"\" string is never closed");
            _pos = close + 3;
            while (Peek() == '"') _pos++;
            return;
        }
        _pos++;
        while (true)
        {
            if (AtEnd || Peek() == '\n') throw Error(open, "a quoted string is not closed on its line");
            var c = Peek();
            if (c == '"') { _pos++; return; }
            if (c == '\\')
            {
                var e = Peek(1);
                if (e == 'u')
                {
                    if (_pos + 6 > _text.Length || !_text.AsSpan(_pos + 2, 4).ToString().All(char.IsAsciiHexDigit))
                        throw Error(_pos, "'\\u' must be followed by four hex digits");
                    _pos += 6;
                    continue;
                }
                if (e is not ('"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't'))
                    throw Error(_pos, $"unknown escape '\\{e}' in a quoted string");
                _pos += 2;
                continue;
            }
            _pos++;
        }
    }

    /// <summary>include "file", include file("file"), include required(...) of either.</summary>
    private bool TryParseInclude(Scope scope)
    {
        const string word = "include";
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) return false;
        var p = _pos + word.Length;
        if (p >= _text.Length || _text[p] is not (' ' or '\t')) return false;
        while (p < _text.Length && _text[p] is ' ' or '\t') p++;
        if (p >= _text.Length || !(_text[p] == '"' || char.IsAsciiLetter(_text[p]))) return false;
        var start = _pos;
        _pos = p;
        var target = IncludeTarget();
        if (scope.Prefix is null) throw Error(start, "include is not supported inside a list");
        _items.Add(new HoconInclude(target, scope.Prefix, start, _pos, Location(start)));
        return true;
    }

    private string IncludeTarget()
    {
        if (Peek() == '"') return QuotedValue();
        var at = _pos;
        var name = new StringBuilder();
        while (!AtEnd && char.IsAsciiLetter(Peek())) name.Append(_text[_pos++]);
        if (Peek() != '(') throw Error(at, $"unexpected '{name}' after include; expected \"file\" or file(\"file\")");
        _pos++;
        SkipBlank(newlines: false);
        var target = name.ToString() switch
        {
            "file" => QuotedValue(),
            "required" => IncludeTarget(),
            "url" or "classpath" => throw Error(at, $"include {name}(...) is not supported; include a file"),
            _ => throw Error(at, $"unknown include kind '{name}'; expected \"file\" or file(\"file\")"),
        };
        SkipBlank(newlines: false);
        if (Peek() != ')') throw Error(_pos, $"unexpected {Describe(_pos)} in include; expected ')'");
        _pos++;
        return target;
    }

    private string QuotedValue()
    {
        if (Peek() != '"' || Peek(1) == '"') throw Error(_pos, $"unexpected {Describe(_pos)}; expected a quoted file name");
        var start = _pos;
        ParseQuoted();
        return System.Text.Json.JsonSerializer.Deserialize<string>(_text.AsSpan(start, _pos - start))!;
    }

    /// <summary>Spaces, tabs and comments; new lines too if asked.</summary>
    private void SkipBlank(bool newlines)
    {
        while (!AtEnd)
        {
            var c = Peek();
            if (c == '#' || (c == '/' && Peek(1) == '/'))
            {
                while (!AtEnd && Peek() != '\n') _pos++;
            }
            else if (c == '\n' ? newlines : char.IsWhiteSpace(c) || c == '\uFEFF') _pos++;
            else return;
        }
    }

    /// <summary>A character of unquoted text; whitespace ends it (between parts of a value it is skipped).</summary>
    private bool IsUnquoted(int i)
    {
        var c = _text[i];
        if (char.IsWhiteSpace(c) || NotInUnquoted.Contains(c)) return false;
        return !(c == '/' && i + 1 < _text.Length && _text[i + 1] == '/');
    }

    private bool AtEnd => _pos >= _text.Length;

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private string Describe(int i) => i >= _text.Length ? "end of file" : _text[i] == '\n' ? "end of line" : $"'{_text[i]}'";

    private HoconLocation Location(int offset)
    {
        var line = _lineStarts.BinarySearch(offset);
        if (line < 0) line = ~line - 1;
        return new HoconLocation(_source, line + 1, offset - _lineStarts[line] + 1);
    }

    private ConfigurationException Error(int offset, string problem) => new($"{Location(offset)}: {problem}");

    /// <summary>Where fields go: under a path prefix, or (inside a list) nowhere but their substitutions.</summary>
    private sealed record Scope(string? Prefix, List<HoconReference>? References = null);
}
