using System.IO.Compression;
using System.Text;

namespace Engine.MarketData;

/// <summary>
/// Reads text lines as spans over a reused buffer, so the replay hot path allocates nothing per line.
/// Read errors (a truncated or corrupt zip, a vanished file) end the reader with <see cref="Error"/>
/// set instead of throwing, because a bad file must not crash the feed (design rule 5).
/// </summary>
internal sealed class LineReader : IDisposable
{
    // A "line" longer than this is a binary or broken file, not market data.
    private const int MaxLineChars = 1 << 20;

    private readonly TextReader _reader;
    private readonly IDisposable? _owner;
    private char[] _buffer = new char[32 * 1024];
    private int _pos;
    private int _len;
    private bool _eof;
    private int _lineStart;
    private int _lineLength;

    private LineReader(TextReader reader, IDisposable? owner)
    {
        _reader = reader;
        _owner = owner;
    }

    /// <summary>1-based number of the line in <see cref="Current"/>.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The current line without its line terminator; valid until the next MoveNext.</summary>
    public ReadOnlySpan<char> Current => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>Why reading stopped early, or null at a clean end.</summary>
    public string? Error { get; private set; }

    /// <summary>Opens the first file entry of a zip. Returns null with an error for a missing,
    /// unreadable or corrupt archive.</summary>
    public static LineReader? OpenZip(string path, out string? error)
    {
        ZipArchive? zip = null;
        try
        {
            zip = ZipFile.OpenRead(path);
            // LEAN puts one CSV in each equity zip; directory entries carry no data.
            var entry = zip.Entries.FirstOrDefault(e => !e.FullName.EndsWith('/'));
            if (entry is null)
            {
                zip.Dispose();
                error = $"cannot read '{path}': the zip archive has no file entry";
                return null;
            }
            var text = new StreamReader(entry.Open(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
            error = null;
            return new LineReader(text, zip);
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            zip?.Dispose();
            error = $"cannot read '{path}' as a zip archive: {ex.Message}";
            return null;
        }
    }

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
        while (true)
        {
            var pending = _buffer.AsSpan(_pos, _len - _pos);
            var newline = pending.IndexOf('\n');
            if (newline >= 0)
            {
                SetLine(_pos, newline);
                _pos += newline + 1;
                return true;
            }
            if (_eof)
            {
                if (_pos == _len) return false;
                // Last line without a trailing newline.
                SetLine(_pos, _len - _pos);
                _pos = _len;
                return true;
            }
            if (!Fill()) return false;
        }
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
        if (_len == _buffer.Length)
        {
            if (_buffer.Length >= MaxLineChars)
            {
                Error = $"line {LineNumber + 1} is longer than {MaxLineChars} characters; not a text data file";
                return false;
            }
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
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
