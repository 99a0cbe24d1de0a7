using System.Buffers;
using System.IO.Compression;
using System.IO.Hashing;

namespace Engine.MarketData;

/// <summary>
/// Opens the CSV of a LEAN zip only once it is known to be whole and to be the file its name claims:
/// <list type="bullet">
/// <item>the entry read is the one named as LEAN names it for this zip (<see cref="LeanFileInfo.EntryName"/>);
/// a lone entry with another name is refused as misnamed (it may hold another symbol, day,
/// resolution or kind), and any further entries are reported as skipped, never read silently;</item>
/// <item>the entry is decompressed once in a first pass and its CRC-32 and length checked against the
/// archive's directory. .NET's ZipArchive does not check the CRC, and lines are traded as they are
/// read, so a check at the end of reading would come after the corrupt lines were traded: the first
/// pass costs one more decompression of a day file (a few MB) and no lines of a corrupt file are
/// ever read. Memory stays bounded (a pooled 64 KB buffer).</item>
/// </list>
/// Nothing here throws for bad content: a problem is a <see cref="SkippedFile"/>.
/// </summary>
internal static class LeanArchive
{
    private const int PrePassBufferBytes = 64 * 1024;

    /// <summary>A reader over the checked entry, or null and why the file is skipped. Extra entries
    /// (read or not) are passed to <paramref name="skipped"/>.</summary>
    public static LineReader? Open(LeanFileInfo file, SkippedFiles skipped, out SkippedFile? problem)
    {
        ZipArchive? zip = null;
        try
        {
            zip = ZipFile.OpenRead(file.Path);
            var entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
            if (entries.Count == 0)
            {
                problem = Corrupt(file, "the zip archive has no file entry");
                zip.Dispose();
                return null;
            }
            var matching = entries.Where(e => file.IsEntryName(e.FullName)).ToList();
            if (matching.Count != 1)
            {
                var names = string.Join(", ", entries.Take(3).Select(e => $"'{e.FullName}'")) + (entries.Count > 3 ? ", ..." : "");
                problem = new SkippedFile(file.Path, SkipReason.Misnamed, matching.Count == 0
                    ? $"misnamed: the zip holds {names}, not '{file.EntryName}' as a LEAN {Describe(file)} zip must; not read"
                    : $"the zip holds {matching.Count} entries named like '{file.EntryName}'; cannot tell which is the data; not read");
                zip.Dispose();
                return null;
            }
            var entry = matching[0];
            foreach (var other in entries.Where(e => !ReferenceEquals(e, entry)))
            {
                skipped.Add($"{file.Path}!{other.FullName}", SkipReason.ExtraEntry,
                    $"extra entry of a LEAN zip (only '{entry.FullName}' is read)");
            }
            if (Verify(entry) is { } corrupt)
            {
                problem = Corrupt(file, $"entry '{entry.FullName}' {corrupt}");
                zip.Dispose();
                return null;
            }
            problem = null;
            return LineReader.OverStream(entry.Open(), zip);
        }
        catch (Exception ex) when (LineReader.IsReadFailure(ex))
        {
            zip?.Dispose();
            problem = File.Exists(file.Path)
                ? Corrupt(file, $"cannot read the zip archive: {ex.Message}")
                : new SkippedFile(file.Path, SkipReason.Unreadable, $"cannot open '{file.Path}': {ex.Message}");
            return null;
        }
    }

    /// <summary>Decompresses the entry to its end; null when the CRC-32 and length match the directory.</summary>
    internal static string? Verify(ZipArchiveEntry entry)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(PrePassBufferBytes);
        try
        {
            var crc = new Crc32();
            long length = 0;
            using (var stream = entry.Open())
            {
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    crc.Append(buffer.AsSpan(0, read));
                    length += read;
                }
            }
            if (length != entry.Length) return $"holds {length:N0} bytes where its directory says {entry.Length:N0}: the archive is corrupt; not read";
            var actual = crc.GetCurrentHashAsUInt32();
            return actual == entry.Crc32
                ? null
                : $"fails its checksum (CRC-32 {actual:x8}, directory says {entry.Crc32:x8}): the archive is corrupt; not read";
        }
        catch (Exception ex) when (LineReader.IsReadFailure(ex))
        {
            return $"cannot be decompressed ({ex.Message}): the archive is corrupt; not read";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static SkippedFile Corrupt(LeanFileInfo file, string detail) => new(file.Path, SkipReason.CorruptArchive, detail);

    internal static string Describe(LeanFileInfo file) =>
        $"{file.Resolution.ToString().ToLowerInvariant()} {file.Kind.ToString().ToLowerInvariant()}";
}
