using System.Text;

namespace Engine.MarketData;

/// <summary>
/// Reads text lines as spans over a reused buffer, so the replay hot path allocates nothing per line.
/// A line longer than <see cref="MaxLineChars"/> is skipped up to its newline without being held, so
/// memory stays bounded whatever the line length; it is reported as <see cref="CurrentIsTooLong"/>
/// and reading goes on with the next line. Read errors (a truncated or corrupt zip, a vanished file)
/// end the reader with <see cref="Error"/> set instead of throwing, because a bad file must not crash
/// the feed (design rule 5).
/// </summary>
internal sealed class LineReader : IDisposable
{
    // Real LEAN and CSV price lines are under 200 chars; 64 Ki leaves room for wide CSVs while a
    // binary file or a runaway line costs at most 128 KB of buffer.
    internal const int MaxLineChars = 64 * 1024;

    private readonly TextReader _reader;
    private readonly IDisposable? _owner;
    private char[] _buffer = new char[16 * 1024];
    private int _pos;
    private int _len;
    private bool _eof;
    private int _lineStart;
    private int _lineLength;
    // Inside an over-long line: chars discarded so far; -1 when not skipping.
    private long _skipped = -1;

    private LineReader(TextReader reader, IDisposable? owner)
    {
        _reader = reader;
        _owner = owner;
    }

    /// <summary>Reads lines from any text reader (disposed with this one).</summary>
    internal static LineReader Over(TextReader reader, IDisposable? owner = null) => new(reader, owner);

    /// <summary>1-based number of the line in <see cref="Current"/>.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The current line without its line terminator; valid until the next MoveNext. Empty
    /// when <see cref="CurrentIsTooLong"/>.</summary>
    public ReadOnlySpan<char> Current => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>The current line was longer than <see cref="MaxLineChars"/> and was skipped unread.</summary>
    public bool CurrentIsTooLong { get; private set; }

    /// <summary>Length in chars of a skipped over-long line (with its terminator's '\r', if any).</summary>
    public long TooLongLength { get; private set; }

    /// <summary>What to report for a skipped over-long line.</summary>
    public string TooLongDetail => $"line of {TooLongLength:N0} characters is longer than the {MaxLineChars:N0} allowed; skipped";

    /// <summary>Why reading stopped early, or null at a clean end.</summary>
    public string? Error { get; private set; }

    /// <summary>Opens a zip entry's (already checked) content.</summary>
    internal static LineReader OverStream(Stream stream, IDisposable? owner) =>
        new(new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024), owner);

    /// <summary>Opens a plain text file. Returns null with an error when it cannot be opened.</summary>
    public static LineReader? OpenText(string path, out string? error)
    {
        try
        {
            var text = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true,
                new FileStreamOptions { BufferSize = 64 * 1024, Options = FileOptions.SequentialScan });
            error = null;
            return new LineReader(text, null);
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            error = $"cannot open '{path}': {ex.Message}";
            return null;
        }
    }

    public bool MoveNext()
    {
        CurrentIsTooLong = false;
        while (true)
        {
            var pending = _buffer.AsSpan(_pos, _len - _pos);
            var newline = pending.IndexOf('\n');
            if (_skipped >= 0)
            {
                // Discarding an over-long line: drop what is buffered up to its end.
                if (newline >= 0)
                {
                    _pos += newline + 1;
                    EndTooLong(_skipped + newline);
                    return true;
                }
                _skipped += pending.Length;
                _pos = _len;
                if (_eof)
                {
                    EndTooLong(_skipped);
                    return true;
                }
            }
            else if (newline >= 0)
            {
                SetLine(_pos, newline);
                _pos += newline + 1;
                return true;
            }
            else if (_eof)
            {
                if (_pos == _len) return false;
                // Last line without a trailing newline.
                SetLine(_pos, _len - _pos);
                _pos = _len;
                return true;
            }
            else if (_pos == 0 && _len == _buffer.Length && _buffer.Length >= MaxLineChars)
            {
                // The buffer is full of one line at the cap: skip the rest of it.
                _skipped = _len;
                _pos = _len;
            }
            if (!Fill()) return false;
        }
    }

    private void EndTooLong(long length)
    {
        _skipped = -1;
        _lineStart = _lineLength = 0;
        TooLongLength = length;
        CurrentIsTooLong = true;
        LineNumber++;
    }

    private void SetLine(int start, int length)
    {
        if (length > 0 && _buffer[start + length - 1] == '\r') length--;
        _lineStart = start;
        _lineLength = length;
        LineNumber++;
    }

    private bool Fill()
    {
        if (_pos > 0)
        {
            Array.Copy(_buffer, _pos, _buffer, 0, _len - _pos);
            _len -= _pos;
            _pos = 0;
        }
        if (_len == _buffer.Length) Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineChars));
        try
        {
            var read = _reader.Read(_buffer, _len, _buffer.Length - _len);
            if (read == 0) _eof = true;
            else _len += read;
            return true;
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            Error = $"read failed after line {LineNumber}: {ex.Message}";
            return false;
        }
    }

    internal static bool IsReadFailure(Exception ex) =>
        ex is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException or DecoderFallbackException;

    public void Dispose()
    {
        _reader.Dispose();
        _owner?.Dispose();
    }
}
