using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;
using Switchboard.Server.Connections;
using Switchboard.Server.Hosting;
using Switchboard.Server.Messaging;

namespace Switchboard.Benchmarks;

/// <summary>
/// The reference server's dispatch of one SEND_ROOM_MESSAGE to a room of N members, in-process: the real service
/// container (<c>AddSwitchboard</c>, SQLite store in a temporary directory), the real
/// <see cref="CommandDispatcher"/> and room handler, and N in-memory connections whose send queue only counts frames.
/// Measures everything between "command decoded" and "frame queued on every member": validation, room-stream append
/// (SQLite), serialize once, fan-out. No socket I/O.
/// </summary>
[BenchmarkCategory("dispatch")]
public class RoomDispatchBenchmarks
{
    private const string Room = "bench";
    private ServiceProvider services = null!;
    private CommandDispatcher dispatcher = null!;
    private CountingConnection sender = null!;
    private CountingConnection[] members = [];
    private ClientEnvelope message;
    private string dataDirectory = "";

    /// <summary>Gets or sets the room size.</summary>
    [Params(1000)]
    public int Members { get; set; }

    /// <summary>Builds the server's services and joins <see cref="Members"/> connections to the room.</summary>
    /// <returns>A task.</returns>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        dataDirectory = Directory.CreateTempSubdirectory("sb-bench-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Switchboard:DataDirectory"] = dataDirectory,
            ["Switchboard:Auth:SigningKey"] = "benchmark-signing-key-0123456789-abcdefghijklmnop",
            ["Switchboard:Limits:RateLimitPerSecond"] = "1000000",
            ["Switchboard:Limits:RateLimitBurst"] = "1000000",
        }).Build();
        var collection = new ServiceCollection();
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddSingleton<IHostEnvironment>(new BenchHostEnvironment(dataDirectory));
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddSwitchboard();
        services = collection.BuildServiceProvider();
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        dispatcher = services.GetRequiredService<CommandDispatcher>();
        var registry = services.GetRequiredService<ConnectionRegistry>();
        members = new CountingConnection[Members];
        for (var i = 0; i < Members; i++)
        {
            var connection = new CountingConnection($"c{i}", new UserIdentity($"member{i}", $"Member {i}", Roles.User));
            members[i] = connection;
            registry.RaiseOpened(registry.Add(connection));
            await dispatcher.DispatchAsync(connection, new ClientEnvelope(new JoinRoomCommand { Room = Room }, "j"), CancellationToken.None).ConfigureAwait(false);
        }

        sender = members[0];
        message = new ClientEnvelope(new SendRoomMessageCommand { Room = Room, Data = WireSamples.Text(128) });

        // The room must really fan out, or the benchmark measures nothing.
        var dispatch = DispatchAsync();
        if (await Task.WhenAny(dispatch, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false) != dispatch)
        {
            throw new InvalidOperationException("SEND_ROOM_MESSAGE did not reach the last member within 10 s; check the room setup");
        }

        await dispatch.ConfigureAwait(false);
    }

    /// <summary>Stops the services and deletes the data directory.</summary>
    /// <returns>A task.</returns>
    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (var hosted in services.GetServices<IHostedService>().Reverse())
        {
            await hosted.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await services.DisposeAsync().ConfigureAwait(false);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dataDirectory, recursive: true);
    }

    /// <summary>
    /// One SEND_ROOM_MESSAGE (fire-and-forget, no cid) from a member to the whole room, until the last member has it:
    /// the server stores the message (group commit, fsync) and broadcasts after the commit, so the dispatch call
    /// returns before delivery.
    /// </summary>
    /// <returns>A task.</returns>
    [Benchmark]
    public async Task DispatchAsync()
    {
        var last = members[Members - 1];
        var delivered = last.WaitForFrame(last.Frames + 1);
        await dispatcher.DispatchAsync(sender, message, CancellationToken.None).ConfigureAwait(false);
        await delivered.ConfigureAwait(false);
    }

    private sealed class CountingConnection(string clientId, UserIdentity user) : IConnection
    {
        private long frames;

        public long Frames => Interlocked.Read(ref frames);

        public string ClientId { get; } = clientId;

        public UserIdentity User { get; } = user;

        public string Namespace => Namespaces.Web;

        public DateTimeOffset ConnectedAt { get; } = WireSamples.At;

        public CancellationToken Closed => CancellationToken.None;

        public IDictionary<string, object?> Items { get; } = new Dictionary<string, object?>();

        private long waitFor = long.MaxValue;
        private TaskCompletionSource? waiter;

        /// <summary>Completes when this connection has received <paramref name="count"/> frames.</summary>
        public Task WaitForFrame(long count)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref waiter, tcs);
            Interlocked.Exchange(ref waitFor, count);
            if (Frames >= count)
            {
                tcs.TrySetResult();
            }

            return tcs.Task;
        }

        public bool TrySend(ReadOnlyMemory<byte> frame)
        {
            if (Interlocked.Increment(ref frames) >= Interlocked.Read(ref waitFor))
            {
                Volatile.Read(ref waiter)?.TrySetResult();
            }

            return true;
        }

        public ValueTask SendAsync(IServerEvent ev, string? cid = null, CancellationToken cancellationToken = default)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            EnvelopeWriter.WriteEvent(buffer, ev, cid);
            TrySend(buffer.WrittenMemory);
            return ValueTask.CompletedTask;
        }

        public ValueTask CloseAsync(CloseCode code, string reason, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }

    private sealed class BenchHostEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Production;

        public string ApplicationName { get; set; } = "Switchboard.Benchmarks";

        public string ContentRootPath { get; set; } = root;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
