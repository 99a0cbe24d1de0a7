using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Engine.Host;

/// <summary>A journal this run may not use (in use, unusable, or recorded for other input): exit 2, the message says why.</summary>
public class JournalRefusedException(string message) : Exception(message);

/// <summary>Another engine holds the journal now; it may let go (a run that moves to another member waits for it).</summary>
public sealed class JournalInUseException(string message) : JournalRefusedException(message);

/// <summary>
/// The embedded SQLite journal, held by one engine for one run. Before anything starts it is checked
/// (a directory, a file that is not a database, a place that cannot be written are refused with the
/// cause, and directories made for it are removed again), locked (a record lock on
/// <c>&lt;db&gt;.lock</c>, which the OS drops when the holder dies, so a crash never locks it for good)
/// and compared with the run's input: the first run records it, a later run with other input is
/// refused naming what differs, unless asked to continue anyway. A refused run writes nothing.
/// </summary>
public sealed class JournalHold : IJournalHold
{
    // Record locks belong to a process, not to a file handle: a second hold in this process would
    // get the lock again, so holds in this process are also kept here.
    private static readonly HashSet<string> HeldHere = new(StringComparer.Ordinal);

    private readonly string _file;
    private readonly FileStream _lock;

    private JournalHold(string file, FileStream lockFile)
    {
        _file = file;
        _lock = lockFile;
    }

    /// <summary>
    /// A SQLite journal whose file is removed mid-run goes on writing to the removed file (SQLite keeps
    /// it open) and loses everything at exit, so its removal is a lost hold.
    /// </summary>
    public string? Lost() => File.Exists(_file) ? null : $"the journal file '{_file}' was removed while the engine ran; what it held is lost";

    /// <param name="file">The journal file (--db).</param>
    /// <param name="input">This run's input (<see cref="RunInput"/>); null for a command that runs no feed (nothing compared or recorded).</param>
    /// <param name="continueAnyway">Record this run's input over a different one instead of refusing.</param>
    /// <param name="log">Where a replaced input is reported.</param>
    public static JournalHold Acquire(string file, IReadOnlyDictionary<string, string>? input, bool continueAnyway, TextWriter log)
    {
        if (string.IsNullOrWhiteSpace(file)) throw new JournalRefusedException("--db: the journal path is empty");
        var full = Path.GetFullPath(file);
        if (Directory.Exists(full)) throw new JournalRefusedException($"--db '{full}' is a directory, not a journal file");
        var created = CreateDirectories(Path.GetDirectoryName(full)!);
        var lockPath = full + ".lock";
        var lockExisted = File.Exists(lockPath);
        var existed = new[] { full, full + "-wal", full + "-shm" }.Where(File.Exists).ToHashSet(StringComparer.Ordinal);
        FileStream? lockFile = null;
        var held = false;
        var locked = false;
        try
        {
            try
            {
                // macOS has no record locks in .NET: an exclusive open (flock) of the lock file instead,
                // so there the refused engine cannot read the holder's note (`cat` can).
                lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, OperatingSystem.IsMacOS() ? FileShare.None : FileShare.ReadWrite);
            }
            catch (IOException) when (OperatingSystem.IsMacOS() && File.Exists(lockPath))
            {
                throw new JournalRefusedException($"--db '{full}' is in use by another engine (its note is in '{lockPath}'); one engine per journal");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new JournalRefusedException($"--db '{full}': cannot open its lock file '{lockPath}': {ex.Message}");
            }
            lock (HeldHere)
            {
                if (!HeldHere.Add(full)) throw new JournalRefusedException($"--db '{full}' is in use by another engine in this process; one engine per journal");
            }
            held = true;
            try
            {
                if (!OperatingSystem.IsMacOS()) lockFile.Lock(0, 1);
                locked = true;
            }
            catch (IOException)
            {
                throw new JournalRefusedException($"--db '{full}' is in use by another engine ({Holder(lockFile)}); one engine per journal");
            }
            WriteHolder(lockFile, full);
            CheckInput(full, input, continueAnyway, log);
            return new JournalHold(full, lockFile);
        }
        catch
        {
            if (lockFile is not null)
            {
                // Deleted only while this run holds it: another engine's lock file stays as it is.
                if (locked && !lockExisted) TryDelete(lockPath);
                lockFile.Dispose();
            }
            if (held)
            {
                lock (HeldHere) HeldHere.Remove(full);
            }
            if (locked)
            {
                foreach (var f in new[] { full, full + "-wal", full + "-shm" })
                {
                    if (!existed.Contains(f)) TryDelete(f);
                }
            }
            for (var i = created.Count - 1; i >= 0; i--)
            {
                try { Directory.Delete(created[i]); }
                catch (IOException) { }
            }
            throw;
        }
    }

    public void Dispose()
    {
        _lock.Dispose(); // closing the handle drops the record lock
        lock (HeldHere) HeldHere.Remove(_file);
    }

    /// <summary>The directories that had to be made, outermost first.</summary>
    private static List<string> CreateDirectories(string dir)
    {
        var missing = new List<string>();
        for (var d = dir; !string.IsNullOrEmpty(d) && !Directory.Exists(d); d = Path.GetDirectoryName(d)!)
        {
            if (File.Exists(d)) throw new JournalRefusedException($"--db: '{d}' is a file, so the journal's directory cannot be made");
            missing.Insert(0, d);
        }
        var created = new List<string>();
        foreach (var d in missing)
        {
            try
            {
                Directory.CreateDirectory(d);
                created.Add(d);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                for (var i = created.Count - 1; i >= 0; i--) Directory.Delete(created[i]);
                throw new JournalRefusedException($"--db: cannot create the directory '{d}': {ex.Message}");
            }
        }
        return created;
    }

    private static string Holder(FileStream lockFile)
    {
        // Record locks are advisory: the holder's note can be read while it holds the lock.
        lockFile.Position = 0;
        var text = new StreamReader(lockFile, Encoding.UTF8, leaveOpen: true).ReadToEnd().Trim();
        return text.Length > 0 ? "held by " + text : "its holder left no note";
    }

    private static void WriteHolder(FileStream lockFile, string file)
    {
        var note = $"{HolderNote()}, journal {file}\n";
        lockFile.SetLength(0);
        lockFile.Position = 0;
        var bytes = Encoding.UTF8.GetBytes(note);
        lockFile.Write(bytes);
        lockFile.Flush(flushToDisk: true);
    }

    /// <summary>Who holds a journal, as a refused engine names it: process, host and start time.</summary>
    public static string HolderNote() => string.Create(CultureInfo.InvariantCulture,
        $"process {Environment.ProcessId} on {Environment.MachineName}, started {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z");

    private static void CheckInput(string file, IReadOnlyDictionary<string, string>? input, bool continueAnyway, TextWriter log)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        try
        {
            using var connection = new SqliteConnection(cs);
            connection.Open();
            JournalInput.Execute(connection, "PRAGMA journal_mode=WAL;");
            if (input is not null) JournalInput.Check(connection, $"--db '{file}'", input, continueAnyway, log);
        }
        catch (SqliteException ex)
        {
            throw new JournalRefusedException($"--db '{file}' cannot be used as a journal: {ex.Message}");
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}
