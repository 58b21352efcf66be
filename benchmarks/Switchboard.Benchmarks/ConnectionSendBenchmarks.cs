using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Server.Connections;
using Switchboard.Server.Messaging;

namespace Switchboard.Benchmarks;

/// <summary>
/// The send path of one <see cref="SwitchboardConnection"/> (issue 15: no parked writer task, the connection is its own
/// thread-pool work item, a single queued frame allocates no queue): queue a burst of frames with
/// <see cref="SwitchboardConnection.TrySend"/> and wait until the writer has handed all of them to the WebSocket. The
/// WebSocket is the framework's (<see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>) over a
/// stream that discards what is written, so the figure is the queue + writer + frame-header cost, without a socket.
/// </summary>
[BenchmarkCategory("connection")]
public class ConnectionSendBenchmarks
{
    private ServiceProvider services = null!;
    private SwitchboardConnection connection = null!;
    private byte[] frame = [];
    private string dataDirectory = "";

    /// <summary>Gets or sets how many frames are queued before waiting for the writer.</summary>
    [Params(1, 64)]
    public int Burst { get; set; }

    /// <summary>Builds the shared connection services and one connection over a discarding stream.</summary>
    [GlobalSetup]
    public void Setup()
    {
        dataDirectory = Directory.CreateTempSubdirectory("sb-bench-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Switchboard:DataDirectory"] = dataDirectory,
            ["Switchboard:Auth:SigningKey"] = "benchmark-signing-key-0123456789-abcdefghijklmnop",
            ["Switchboard:Limits:SendQueueMaxFrames"] = "100000",
        }).Build();
        var collection = new ServiceCollection();
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddSingleton<IHostEnvironment>(new Environment(dataDirectory));
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddSwitchboard();
        services = collection.BuildServiceProvider();
        var socket = WebSocket.CreateFromStream(new DiscardStream(), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        connection = new SwitchboardConnection(socket, services.GetRequiredService<ConnectionServices>(), "bench", new UserIdentity("bench", "bench", Roles.User), "web");
        connection.StartWriter();
        frame = EventFrames.Serialize(new PingEvent { At = DateTimeOffset.UnixEpoch });
    }

    /// <summary>Releases the connection and the services.</summary>
    /// <returns>A task.</returns>
    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await connection.DisposeAsync().ConfigureAwait(false);
        await services.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(dataDirectory, recursive: true);
    }

    /// <summary>Queues <see cref="Burst"/> frames and waits until the writer has sent them.</summary>
    /// <returns>A task.</returns>
    [Benchmark]
    public async Task QueueAndDrain()
    {
        for (var i = 0; i < Burst; i++)
        {
            connection.TrySend(frame);
        }

        while (connection.QueuedFrames > 0)
        {
            await Task.Yield();
        }
    }

    /// <summary>A write-only stream that drops everything (reads never complete: nothing is read here).</summary>
    private sealed class DiscardStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => 0, TaskScheduler.Default));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Environment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";

        public string ApplicationName { get; set; } = "Switchboard.Benchmarks";

        public string ContentRootPath { get; set; } = root;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
