namespace Engine.TestSupport;

/// <summary>Seeded mutations of valid input: what a broken disk, a bad export or a hostile file does to it.</summary>
public static class Mutator
{
    /// <summary>How many seeded cases a fuzz test runs: its bounded default in CI, or ENGINE_FUZZ_CASES for a longer hunt.</summary>
    public static int Cases(int defaultCount) =>
        int.TryParse(Environment.GetEnvironmentVariable("ENGINE_FUZZ_CASES"), out var n) && n > 0 ? n : defaultCount;

    private static readonly string[] Tokens =
    [
        "", ",", ",,", "\0", "\r", "\"", "-", "e", "E308", "NaN", "Infinity", "-0", "1e400", "0.000000001",
        "79228162514264337593543950336", "79228162514264337593543950335", "-79228162514264337593543950335",
        "9223372036854775807", "-9223372036854775808", "99999999999999999999", "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.9999999Z", "2024-03-04T14:30:00", "99991231 23:59", "00010101 00:00",
        "86400000", "-1", "\u00e9\u00e8", "\ud83d\ude00", "\u202e", "\t", " ", "1,2,3,4,5,6,7,8,9",
    ];

    /// <summary>Tokens that break HOCON: brackets, substitutions (cyclic and missing), includes, deep nesting.</summary>
    public static readonly string[] HoconTokens =
    [
        "{", "}", "[", "]", "=", ":", "+=", "#", "//", "\"\"\"", "\"", "${engine.ask-timeout}", "${x}", "${?y}", "${engine}",
        "include \"nope.conf\"", "include file(\"/no/such.conf\")", "engine.ask-timeout = ${engine.ask-timeout}",
        "engine.a = ${engine.b}\nengine.b = ${engine.a}", new string('[', 70), new string('{', 70), "engine.asktimeout = 3s",
        "akka { loglevel = DEBUG }", "engine.risk.acount.max-daily-loss = 1",
    ];

    public static (string Text, string What) Text(string text, Random rnd, string[]? tokens = null)
    {
        var pool = tokens is null ? Tokens : [.. Tokens, .. tokens, .. tokens];
        var what = new List<string>();
        var count = rnd.Next(1, 4);
        for (var i = 0; i < count && text.Length > 0; i++)
        {
            var lines = text.Split('\n').ToList();
            var at = rnd.Next(lines.Count);
            switch (rnd.Next(10))
            {
                case 0:
                    var pos = rnd.Next(text.Length + 1);
                    var token = pool[rnd.Next(pool.Length)];
                    text = text.Insert(pos, token);
                    what.Add($"insert {Show(token)} at {pos}");
                    continue;
                case 1:
                    var start = rnd.Next(text.Length);
                    var length = Math.Min(rnd.Next(1, 40), text.Length - start);
                    text = text.Remove(start, length);
                    what.Add($"delete {length} chars at {start}");
                    continue;
                case 2:
                    var fields = lines[at].Split(',');
                    var f = rnd.Next(fields.Length);
                    fields[f] = pool[rnd.Next(pool.Length)];
                    lines[at] = string.Join(',', fields);
                    what.Add($"line {at + 1} field {f + 1} := {Show(fields[f])}");
                    break;
                case 3:
                    lines.Insert(at, lines[rnd.Next(lines.Count)]);
                    what.Add($"duplicate a line at {at + 1}");
                    break;
                case 4:
                    var other = rnd.Next(lines.Count);
                    (lines[at], lines[other]) = (lines[other], lines[at]);
                    what.Add($"swap lines {at + 1} and {other + 1}");
                    break;
                case 5:
                    lines.Insert(at, new string((char)rnd.Next(33, 127), rnd.Next(70_000, 200_000)));
                    what.Add($"a long line at {at + 1}");
                    break;
                case 6:
                    text = text[..rnd.Next(text.Length)];
                    what.Add($"truncate to {text.Length}");
                    continue;
                case 7:
                    var chars = text.ToCharArray();
                    var flip = rnd.Next(chars.Length);
                    chars[flip] = (char)(chars[flip] ^ (1 << rnd.Next(7)));
                    text = new string(chars);
                    what.Add($"flip a bit at {flip}");
                    continue;
                case 8:
                    var digits = lines[at].ToCharArray();
                    for (var d = 0; d < digits.Length; d++)
                        if (char.IsAsciiDigit(digits[d]) && rnd.Next(3) == 0) digits[d] = (char)('0' + rnd.Next(10));
                    lines[at] = new string(digits);
                    what.Add($"scramble digits of line {at + 1}");
                    break;
                default:
                    lines.RemoveAt(at);
                    what.Add($"remove line {at + 1}");
                    break;
            }
            text = string.Join('\n', lines);
        }
        return (text, string.Join("; ", what));
    }

    public static (byte[] Bytes, string What) Bytes(byte[] original, Random rnd)
    {
        var bytes = (byte[])original.Clone();
        switch (rnd.Next(4))
        {
            case 0:
                var at = rnd.Next(bytes.Length);
                bytes[at] ^= (byte)(1 << rnd.Next(8));
                return (bytes, $"flip a bit at byte {at}");
            case 1:
                var n = rnd.Next(1, 8);
                var start = rnd.Next(bytes.Length - n);
                for (var i = 0; i < n; i++) bytes[start + i] = (byte)rnd.Next(256);
                return (bytes, $"overwrite {n} bytes at {start}");
            case 2:
                var length = rnd.Next(bytes.Length);
                return (bytes[..length], $"truncate to {length} bytes");
            default:
                var insertAt = rnd.Next(bytes.Length);
                var inserted = new byte[rnd.Next(1, 16)];
                rnd.NextBytes(inserted);
                return ([.. bytes[..insertAt], .. inserted, .. bytes[insertAt..]], $"insert {inserted.Length} bytes at {insertAt}");
        }
    }

    private static string Show(string token) =>
        token.Length > 30 ? $"'{token[..30]}...'" : $"'{token.Replace("\0", "\\0").Replace("\r", "\\r").Replace("\t", "\\t")}'";
}
