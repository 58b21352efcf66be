using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Client.Tests.Infrastructure;

/// <summary>
/// A TCP proxy on 127.0.0.1 that forwards bytes to a target and can cut every connection mid-stream on command
/// (RST, no close handshake) or refuse new connections for a while, to test reconnect and resume.
/// </summary>
public sealed class FaultyTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<int, Link> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _nextId;
    private int _accepted;
    private volatile bool _refuse;
    private volatile bool _blackhole;

    public FaultyTcpProxy(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The port clients connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted (and forwarded) so far.</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Connections currently open.</summary>
    public int OpenConnections => _links.Count;

    /// <summary>While true, new connections are accepted and reset at once (the server looks down).</summary>
    public bool RefuseNewConnections
    {
        get => _refuse;
        set => _refuse = value;
    }

    /// <summary>While true, bytes are swallowed in both directions (a dead peer that keeps the TCP connection open).</summary>
    public bool Blackhole
    {
        get => _blackhole;
        set => _blackhole = value;
    }

    /// <summary>Cuts every open connection at once with a TCP reset, in both directions.</summary>
    public int CutAll()
    {
        var count = 0;
        foreach (var (id, link) in _links)
        {
            if (_links.TryRemove(id, out _))
            {
                link.Reset();
                count++;
            }
        }

        return count;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (_refuse)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => ConnectAsync(client));
        }
    }

    private async Task ConnectAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            upstream.Dispose();
            return;
        }

        var id = Interlocked.Increment(ref _nextId);
        var link = new Link(client, upstream);
        _links[id] = link;
        Interlocked.Increment(ref _accepted);
        await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client)).ConfigureAwait(false);
        if (_links.TryRemove(id, out _))
        {
            link.Close();
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (!_blackhole)
                {
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Cut or closed: the other pump ends too.
            try
            {
                to.Shutdown(SocketShutdown.Both);
            }
            catch (Exception inner) when (inner is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        CutAll();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private sealed class Link(Socket client, Socket upstream)
    {
        public void Reset()
        {
            foreach (var socket in new[] { client, upstream })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                }

                socket.Dispose();
            }
        }

        public void Close()
        {
            client.Dispose();
            upstream.Dispose();
        }
    }
}
