using System.Diagnostics;
using System.Globalization;

namespace Switchboard.Server.Testing.Cluster;

/// <summary>
/// One reference-server node of a <see cref="SwitchboardClusterFixture"/>: a <c>dotnet Switchboard.ReferenceServer.dll</c>
/// process on a fixed loopback port with its own data directory, configured only through its command line.
/// </summary>
public sealed class SwitchboardNodeProcess : IAsyncDisposable
{
    private readonly SwitchboardClusterOptions _options;
    private readonly List<string> _output = [];
    private Process? _process;

    internal SwitchboardNodeProcess(int index, SwitchboardClusterOptions options, string redisConnection, string dataDirectory, int port)
    {
        Index = index;
        _options = options;
        RedisConnection = redisConnection;
        DataDirectory = dataDirectory;
        Port = port;
        BaseUri = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
    }

    /// <summary>The node's index in the cluster.</summary>
    public int Index { get; }

    /// <summary>The loopback port (kept across restarts).</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary><c>ws://127.0.0.1:{port}</c> (for the conformance runner's <c>--url</c>).</summary>
    public Uri WebSocketBaseUri => new UriBuilder(BaseUri) { Scheme = "ws", Path = "/" }.Uri;

    /// <summary>The node's data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>The value of <c>--Switchboard:Cluster:Redis</c> this node starts with.</summary>
    public string RedisConnection { get; }

    /// <summary>The PID while the node runs, else null.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Every line the node wrote to stdout/stderr (all its runs).</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>The WebSocket URI of a namespace with an optional token and resume parameters.</summary>
    public Uri WebSocketUri(string ns = "web", string? token = null, long? since = null, string? epoch = null)
    {
        var query = new List<string>();
        if (token is not null)
        {
            query.Add("access_token=" + Uri.EscapeDataString(token));
        }

        if (since is not null)
        {
            query.Add("since=" + since.Value.ToString(CultureInfo.InvariantCulture));
        }

        if (epoch is not null)
        {
            query.Add("epoch=" + Uri.EscapeDataString(epoch));
        }

        return new UriBuilder(BaseUri) { Scheme = "ws", Path = "/" + ns, Query = string.Join('&', query) }.Uri;
    }

    /// <summary>Connects with <paramref name="token"/> and reads CONNECT.</summary>
    public async Task<TestSession> ConnectAsync(string token, string ns = "web", long? since = null, string? epoch = null, CancellationToken cancellationToken = default)
    {
        var client = await TestWebSocketClient.ConnectAsync(WebSocketUri(ns, token, since, epoch), cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var connect = await client.ReceiveAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (connect.Event != "CONNECT")
            {
                throw new InvalidOperationException($"Expected CONNECT from node {Index}, got {connect.Raw}");
            }

            return new TestSession(client, connect);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A plain HTTP client for the node.</summary>
    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(15) };

    /// <summary><c>kill -9</c> by PID: no CLOSE frames, no drain; clients see TCP reset.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException($"Node {Index} is not running.");
        process.Kill(entireProcessTree: false); // SIGKILL
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        Release(process);
    }

    /// <summary>Graceful stop (SIGTERM: CLOSE 4503 to its clients, drain), bounded; then SIGKILL if still running.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync().ConfigureAwait(false);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: false);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        Release(process);
    }

    /// <summary>Starts the node again on the same port and data directory and waits for <c>/health</c>.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (ProcessId is not null)
        {
            throw new InvalidOperationException($"Node {Index} is still running; KillAsync or StopAsync first.");
        }

        return StartAsync(cancellationToken);
    }

    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDirectory);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = DataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Only the command line configures a node: drop what the test process inherited.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Switchboard__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("Logging__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.ArgumentList.Add(_options.ServerDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseUri.GetLeftPart(UriPartial.Authority));
        var settings = new Dictionary<string, string?>(_options.Settings, StringComparer.OrdinalIgnoreCase)
        {
            ["Switchboard:DataDirectory"] = DataDirectory,
            ["Switchboard:Auth:SigningKey"] = _options.SigningKey,
            ["Switchboard:Cluster:Redis"] = RedisConnection,
        };
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var process = new Process { StartInfo = start };
        var run = "[run " + DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) + "] ";
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        Remember(run + "dotnet " + string.Join(' ', start.ArgumentList.Where(a => !a.Contains("SigningKey", StringComparison.Ordinal))));
        if (!process.Start())
        {
            throw new InvalidOperationException($"Node {Index} did not start.");
        }

        _process = process;
        ChildProcesses.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = CreateHttpClient();
        http.Timeout = TimeSpan.FromSeconds(5);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Node {Index} exited with {process.ExitCode} during start:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
            }

            try
            {
                await Task.Delay(100, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Node {Index} did not answer /health within {_options.StartTimeout}:\n{Tail()}");
            }
        }
    }

    /// <summary>The last lines of the node's output (for failure messages).</summary>
    public string Tail(int lines = 40)
    {
        lock (_output)
        {
            return string.Join('\n', _output.TakeLast(lines));
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        var process = _process;
        if (process is not null)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: false);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            Release(process);
        }

        return ValueTask.CompletedTask;
    }

    private void Release(Process process)
    {
        if (ReferenceEquals(_process, process))
        {
            _process = null;
        }

        ChildProcesses.Forget(process);
        process.Dispose();
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
            if (_output.Count > 2000)
            {
                _output.RemoveRange(0, 1000);
            }
        }
    }
}
