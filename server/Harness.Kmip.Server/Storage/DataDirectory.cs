using System.Diagnostics;

namespace Harness.Kmip.Server.Storage;

/// <summary>
/// The KMS's data folder, held for the life of one server: private to its owner (the folder 0700, its files 0600,
/// whatever the umask), locked against a second server (a lock file naming the holder's PID), and, when the server
/// fails to start, left as it was found (the files this start created are removed again). The lock is an exclusive
/// lock on kms.lock held while the server runs; kms.pid names the holder.
/// </summary>
public sealed class DataDirectory : IDisposable
{
    public const string LockFileName = "kms.lock";

    /// <summary>The PID of the server holding the lock (a file of its own: the locked file cannot be read meanwhile).</summary>
    public const string PidFileName = "kms.pid";

    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly FileStream _lock;
    private readonly HashSet<string> _existedBefore;
    private readonly bool _folderCreated;

    private DataDirectory(string path, FileStream lockFile, HashSet<string> existedBefore, bool folderCreated)
    {
        Path = path;
        _lock = lockFile;
        _existedBefore = existedBefore;
        _folderCreated = folderCreated;
    }

    public string Path { get; }

    /// <summary>Creates or opens the folder, makes it private and takes its lock.</summary>
    /// <exception cref="KmsStartException">another server holds the folder, or it cannot be made private</exception>
    public static DataDirectory Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        bool created = !Directory.Exists(full);
        try
        {
            if (created && !OperatingSystem.IsWindows()) Directory.CreateDirectory(full, FolderMode);
            else Directory.CreateDirectory(full);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(full, FolderMode);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KmsStartException($"the data folder {full} cannot be created or made private: {ex.Message}", ex);
        }
        var existed = Directory.EnumerateFiles(full).Select(System.IO.Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var lockPath = System.IO.Path.Combine(full, LockFileName);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(lockPath, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None,
                UnixCreateMode = OperatingSystem.IsWindows() ? null : FileMode0600,
            });
        }
        catch (IOException)
        {
            string holder;
            try { holder = File.ReadAllText(System.IO.Path.Combine(full, PidFileName)).Trim(); }
            catch (Exception) { holder = "?"; }
            throw new KmsStartException($"another Harness KMS (PID {holder}) is using the data folder {full}; stop it or give another --data");
        }
        File.WriteAllText(System.IO.Path.Combine(full, PidFileName), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var dir = new DataDirectory(full, lockFile, existed, created);
        dir.MakeFilesPrivate();
        return dir;
    }

    /// <summary>The KMS's files (kms.db and its -wal/-shm, root.key, admin.token) readable by their owner only.</summary>
    public void MakeFilesPrivate()
    {
        if (OperatingSystem.IsWindows()) return;
        foreach (var file in Directory.EnumerateFiles(Path))
            if ((File.GetUnixFileMode(file) & ~FileMode0600) != 0) File.SetUnixFileMode(file, FileMode0600);
    }

    /// <summary>Creates an empty file owner-only before a library (SQLite) opens it, so it never exists with the umask's mode.</summary>
    public string PrivateFile(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        if (!File.Exists(path))
            using (new FileStream(path, new FileStreamOptions
                   {
                       Mode = FileMode.CreateNew, Access = FileAccess.Write,
                       UnixCreateMode = OperatingSystem.IsWindows() ? null : FileMode0600,
                   })) { }
        return path;
    }

    /// <summary>After a failed start: removes what this start created (files, and the folder if it was new).</summary>
    public void Abandon()
    {
        Dispose();
        try
        {
            foreach (var file in Directory.EnumerateFiles(Path))
                if (!_existedBefore.Contains(System.IO.Path.GetFileName(file))) File.Delete(file);
            if (_folderCreated && !Directory.EnumerateFileSystemEntries(Path).Any()) Directory.Delete(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Trace.TraceWarning($"could not remove what a failed start left in {Path}: {ex.Message}");
        }
    }

    /// <summary>Releases the lock (the lock file stays, its PID stale; the next server takes it over).</summary>
    public void Dispose() => _lock.Dispose();
}

/// <summary>The KMS cannot start (data folder in use, an endpoint that is not allowed or taken): one line, the cause.</summary>
public sealed class KmsStartException(string message, Exception? inner = null) : Exception(message, inner);
