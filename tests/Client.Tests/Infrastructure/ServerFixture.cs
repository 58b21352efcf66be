using Microsoft.Extensions.Logging;
using Switchboard.Server.Testing;

namespace Switchboard.Client.Tests.Infrastructure;

/// <summary>One real reference server on loopback shared by the integration tests of a collection.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private int _users;

    public TestServerHost Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServerHost.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A user id unique to this test run.</summary>
    public string NewUser(string prefix) => $"{prefix}{Interlocked.Increment(ref _users)}";

    /// <summary>Options for a client of <paramref name="user"/> with fast reconnects (tests must be quick).</summary>
    public SwitchboardClientOptions Options(string user, string role = "user", string ns = "web", Uri? url = null)
    {
        var options = new SwitchboardClientOptions
        {
            Url = url ?? Server.BaseUri,
            Namespace = ns,
            AccessTokenProvider = _ => ValueTask.FromResult(Server.MintToken(user, role)),
            CommandTimeout = TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(20);
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(200);
        return options;
    }

    /// <summary>Creates and connects a client.</summary>
    public async Task<SwitchboardClient> ConnectAsync(string user, string role = "user", string ns = "web", Action<SwitchboardClientOptions>? configure = null, ILoggerFactory? loggerFactory = null)
    {
        var options = Options(user, role, ns);
        configure?.Invoke(options);
        var client = new SwitchboardClient(options, loggerFactory);
        await client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return client;
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "reference server";
}

/// <summary>Polling helpers with timeouts (no sleeps that race).</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static async Task TrueAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {because}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Reads the next item of <paramref name="stream"/> with a timeout.</summary>
    public static async Task<T> NextAsync<T>(this SwitchboardEventStream<T> stream, TimeSpan? timeout = null)
        where T : class, Switchboard.Protocol.IServerEvent
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await stream.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No {typeof(T).Name} within {timeout ?? DefaultTimeout}.");
        }
    }

    /// <summary>Reads the next item of <paramref name="stream"/> that matches.</summary>
    public static async Task<T> NextAsync<T>(this SwitchboardEventStream<T> stream, Func<T, bool> match, TimeSpan? timeout = null)
        where T : class, Switchboard.Protocol.IServerEvent
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (true)
            {
                var item = await stream.ReadAsync(cts.Token);
                if (match(item))
                {
                    return item;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No matching {typeof(T).Name} within {timeout ?? DefaultTimeout}.");
        }
    }
}

/// <summary>Collects log entries (event ids) for assertions.</summary>
public sealed class ListLoggerFactory : ILoggerFactory, ILoggerProvider
{
    private readonly List<(LogLevel Level, EventId Id, string Message, DateTime At)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message, DateTime At)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public bool Has(string eventName) => Entries.Any(e => e.Id.Name == eventName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._entries)
            {
                owner._entries.Add((logLevel, eventId, formatter(state, exception), DateTime.UtcNow));
            }
        }
    }
}
