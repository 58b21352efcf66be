using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Server.Testing.Redis;

/// <summary>Settings for <see cref="RedisServerProcess.StartAsync(Action{RedisServerOptions}?, CancellationToken)"/>.</summary>
public sealed class RedisServerOptions
{
    /// <summary>The <c>redis-server</c> executable; default <c>redis-server</c> from the PATH (env <c>SWITCHBOARD_REDIS_SERVER</c> overrides).</summary>
    public string Executable { get; set; } = Environment.GetEnvironmentVariable("SWITCHBOARD_REDIS_SERVER") ?? "redis-server";

    /// <summary>Port on 127.0.0.1; 0 (default) = a free port.</summary>
    public int Port { get; set; }

    /// <summary>Working directory holding the AOF; null (default) = a fresh temp directory deleted on dispose.</summary>
    public string? Directory { get; set; }

    /// <summary>AOF on (<c>--appendonly yes</c>); default true.</summary>
    public bool AppendOnly { get; set; } = true;

    /// <summary><c>--appendfsync</c>: <c>always</c> (default: an acknowledged write survives a crash), <c>everysec</c>, <c>no</c>.</summary>
    public string AppendFsync { get; set; } = "always";

    /// <summary>Extra command-line arguments (e.g. <c>--maxmemory-policy noeviction</c>).</summary>
    public IList<string> ExtraArguments { get; } = [];

    /// <summary>How long to wait for PING to answer after start.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The real <c>redis-server</c> as a child process on a free loopback port with its own temp directory: AOF on with
/// <c>appendfsync always</c>, no RDB snapshots (<c>--save ""</c>), bound to 127.0.0.1, no protected mode. Ready when PING
/// answers PONG. Stopped by its PID (never by name); <see cref="KillAsync"/> is a <c>kill -9</c> and
/// <see cref="RestartAsync"/> starts it again on the same port and directory, so it reloads its AOF (the
/// Redis-restart tests). Disposing kills the process and deletes the directory it created, also when a test failed.
/// <code>
/// await using var redis = await RedisServerProcess.StartAsync();
/// redis.ConnectionString   // "127.0.0.1:PORT"
/// await redis.KillAsync(); await redis.RestartAsync();
/// </code>
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly RedisServerOptions _options;
    private readonly bool _ownsDirectory;
    private readonly List<string> _output = [];
    private Process? _process;

    private RedisServerProcess(RedisServerOptions options, string directory, bool ownsDirectory, int port)
    {
        _options = options;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Port = port;
    }

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>The working directory (AOF files under <c>appendonlydir/</c>).</summary>
    public string Directory { get; }

    /// <summary><c>127.0.0.1:PORT</c> (a StackExchange.Redis configuration string and the value of <c>--Switchboard:Cluster:Redis</c>).</summary>
    public string ConnectionString => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The PID of the running process, or null while it is stopped.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>The last lines redis-server wrote (for failure messages).</summary>
    public string OutputTail
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(40));
            }
        }
    }

    /// <summary>Whether <c>redis-server</c> can be started (on the PATH, or <c>SWITCHBOARD_REDIS_SERVER</c>).</summary>
    public static bool IsAvailable
    {
        get
        {
            var exe = new RedisServerOptions().Executable;
            if (Path.IsPathRooted(exe))
            {
                return File.Exists(exe);
            }

            return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(dir => File.Exists(Path.Combine(dir, exe)));
        }
    }

    /// <summary>Starts a Redis server and waits until it answers PING.</summary>
    public static async Task<RedisServerProcess> StartAsync(Action<RedisServerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new RedisServerOptions();
        configure?.Invoke(options);
        var owns = options.Directory is null;
        var directory = options.Directory ?? System.IO.Directory.CreateTempSubdirectory("switchboard-redis-").FullName;
        System.IO.Directory.CreateDirectory(directory);

        // A free port can be taken by someone else between probing and binding: retry a few times with a new port.
        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port != 0 ? options.Port : FreeLoopbackPort();
            var redis = new RedisServerProcess(options, directory, owns, port);
            try
            {
                await redis.LaunchAsync(cancellationToken).ConfigureAwait(false);
                return redis;
            }
            catch (InvalidOperationException) when (options.Port == 0 && attempt < 3)
            {
                await redis.StopProcessAsync().ConfigureAwait(false);
            }
            catch
            {
                await redis.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>A port that was free on 127.0.0.1 a moment ago.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><c>kill -9</c>: the process dies without writing anything more (what it fsynced to the AOF stays).</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException("Redis is not running.");
        process.Kill(entireProcessTree: false); // SIGKILL on Unix
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Starts redis-server again on the same port and directory (it loads its AOF) and waits for PING.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (ProcessId is not null)
        {
            throw new InvalidOperationException("Redis is still running; KillAsync first.");
        }

        // The port was just released by the dead process; it can sit in no state that blocks a listener (SO_REUSEADDR).
        await LaunchAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends one command (RESP) on a fresh connection and returns the reply as text (bulk/simple strings).</summary>
    public Task<string> CommandAsync(params string[] arguments) => RespClient.CommandAsync(Port, arguments);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync().ConfigureAwait(false);
        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private async Task StopProcessAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            ChildProcesses.Forget(process);
            process.Dispose();
        }
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_options.Executable)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--protected-mode", "no",
            "--dir", Directory,
            "--appendonly", _options.AppendOnly ? "yes" : "no",
            "--appendfsync", _options.AppendFsync,
            "--save", string.Empty,
            "--daemonize", "no",
            "--logfile", string.Empty, // stdout
            .. _options.ExtraArguments,
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("redis-server did not start.");
        }

        _process = process;
        ChildProcesses.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {process.ExitCode} during start on port {Port}:\n{OutputTail}");
            }

            try
            {
                // LOADING (an AOF being replayed) is an error reply: keep waiting until PONG.
                if (await RespClient.CommandAsync(Port, ["PING"], timeout.Token).ConfigureAwait(false) == "PONG")
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or RedisReplyException
                || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
            }

            try
            {
                // Polling an observable condition (PING) with a bounded overall timeout.
                await Task.Delay(50, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"redis-server did not answer PING within {_options.StartTimeout} on port {Port}:\n{OutputTail}");
            }
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 400)
            {
                _output.RemoveRange(0, 200);
            }
        }
    }
}
