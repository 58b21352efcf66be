using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Server.Redis.Tests;

/// <summary>
/// A real <c>redis-server</c> for one test class: a free loopback port, a temporary directory, AOF with
/// <c>appendfsync always</c> (or none, to test the refusal), stopped by its PID. Minimal on purpose: the full fixtures
/// (restart, kill -9, proxies, three nodes) live in tests/Switchboard.Testing.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RedisServerProcess(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis connection string.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServerProcess> StartAsync(bool appendOnly = true)
    {
        var directory = Directory.CreateTempSubdirectory("switchboard-redis-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
            "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always", "--save", "", "--daemonize", "no",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServerProcess(process, directory, port);

        // Ready when it accepts a TCP connection (bounded wait on an observable condition).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Kills the server (SIGKILL) and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
