using Microsoft.Data.Sqlite;

namespace Switchboard.Server.Storage;

/// <summary>
/// The server's single SQLite database file (WAL mode). Readers open pooled connections with
/// <see cref="OpenConnection"/>; writers serialize through <see cref="WriteAsync{T}"/>, which runs the work on one
/// dedicated connection under an async lock (SQLite allows one writer at a time; serializing in-process avoids
/// SQLITE_BUSY). Schema changes are contributed with <see cref="ISqliteMigration"/> and applied once at startup.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SqliteConnection _writer;
    private bool _disposed;

    /// <summary>Opens (creating if needed) the database file at <paramref name="filePath"/>.</summary>
    public SqliteDatabase(string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        FilePath = Path.GetFullPath(filePath);
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        RestrictFileModes(FilePath);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        _writer = OpenConnection();
        using var cmd = _writer.CreateCommand();
        // synchronous=FULL on the writer: a commit is fsynced before the sender is acknowledged, so an acknowledged
        // message survives an OS crash or power loss too, not only a process crash. Group commit in the message store
        // amortizes the fsync over every append that arrived meanwhile.
        cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
        cmd.ExecuteNonQuery();
    }

    /// <summary>The mode of the database file and its <c>-wal</c> and <c>-shm</c> files on Unix: 0600.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Makes the database readable by the server's user only. SQLite creates a new database file 0644 (minus umask)
    /// and gives the <c>-wal</c> and <c>-shm</c> files the mode of the database file, so creating the (empty, which
    /// SQLite treats as a new database) file ourselves with 0600 covers all three; files of an earlier run are
    /// tightened to 0600.
    /// </summary>
    private static void RestrictFileModes(string filePath)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (!File.Exists(filePath))
        {
            try
            {
                using var created = new FileStream(filePath, new FileStreamOptions
                {
                    Mode = System.IO.FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = FileMode,
                });
            }
            catch (IOException) when (File.Exists(filePath))
            {
                // Created meanwhile by another opener: tightened below.
            }
        }

        foreach (var path in new[] { filePath, filePath + "-wal", filePath + "-shm" })
        {
            if (File.Exists(path) && File.GetUnixFileMode(path) != FileMode)
            {
                File.SetUnixFileMode(path, FileMode);
            }
        }
    }

    /// <summary>The absolute path of the database file.</summary>
    public string FilePath { get; }

    /// <summary>The connection string (pooling on).</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// Opens a pooled connection (for reads; <c>synchronous=NORMAL</c>, foreign keys on; the writer uses FULL). Dispose it when done.
    /// Do not write through it while other writers use <see cref="WriteAsync{T}"/>: prefer that method for writes.
    /// </summary>
    public SqliteConnection OpenConnection()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        cmd.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the single writer connection under the write lock. Start a transaction inside
    /// (<c>connection.BeginTransaction()</c>) for multi-statement atomicity; it is committed when you call Commit.
    /// The work runs synchronously (SQLite is local and fast); keep it short.
    /// </summary>
    public async ValueTask<T> WriteAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return work(_writer);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Acquires the write lock and returns the writer connection; dispose the lease to release it.</summary>
    /// <remarks>For callers that must await something (e.g. enqueue frames) while holding the write order.</remarks>
    public async ValueTask<WriteLease> AcquireWriteAsync(CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_disposed)
        {
            _writeLock.Release();
            throw new ObjectDisposedException(nameof(SqliteDatabase));
        }

        return new WriteLease(this);
    }

    /// <summary>Applies the migrations that were not applied yet (tracked in table <c>__migrations</c> by id).</summary>
    public void ApplyMigrations(IEnumerable<ISqliteMigration> migrations, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(migrations);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _writeLock.Wait();
        try
        {
            using (var create = _writer.CreateCommand())
            {
                create.CommandText = "CREATE TABLE IF NOT EXISTS __migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL);";
                create.ExecuteNonQuery();
            }

            foreach (var migration in migrations)
            {
                using var tx = _writer.BeginTransaction();
                using var check = _writer.CreateCommand();
                check.Transaction = tx;
                check.CommandText = "SELECT 1 FROM __migrations WHERE id = $id";
                check.Parameters.AddWithValue("$id", migration.Id);
                if (check.ExecuteScalar() is not null)
                {
                    continue;
                }

                migration.Apply(_writer, tx);
                using var mark = _writer.CreateCommand();
                mark.Transaction = tx;
                mark.CommandText = "INSERT INTO __migrations (id, applied_at) VALUES ($id, $at)";
                mark.Parameters.AddWithValue("$id", migration.Id);
                mark.Parameters.AddWithValue("$at", timeProvider.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                mark.ExecuteNonQuery();
                tx.Commit();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Checks that the database answers (used by the health check).</summary>
    public bool Ping()
    {
        using var connection = OpenConnection();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT 1";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _writeLock.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _writer.Dispose();
        }
        finally
        {
            _writeLock.Release();
        }

        SqliteConnection.ClearPool(new SqliteConnection(ConnectionString));
    }

    /// <summary>Exclusive use of the writer connection; dispose to release the write lock.</summary>
    public readonly struct WriteLease : IDisposable
    {
        private readonly SqliteDatabase _owner;

        internal WriteLease(SqliteDatabase owner) => _owner = owner;

        /// <summary>The writer connection.</summary>
        public SqliteConnection Connection => _owner._writer;

        /// <inheritdoc />
        public void Dispose() => _owner._writeLock.Release();
    }
}

/// <summary>
/// A schema migration (register many in DI: <c>services.AddSingleton&lt;ISqliteMigration, X&gt;()</c>). Applied once,
/// in registration order, inside a transaction, before the server accepts connections.
/// </summary>
public interface ISqliteMigration
{
    /// <summary>A unique, stable id, e.g. <c>desk-001-conversations</c> (never reuse or change).</summary>
    string Id { get; }

    /// <summary>Applies the migration (create tables/indexes) with the given connection and transaction.</summary>
    void Apply(SqliteConnection connection, SqliteTransaction transaction);
}
