using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Switchboard.Server.Auth;

namespace Switchboard.Server.Testing;

/// <summary>Settings for <see cref="TestServerHost.StartAsync(Action{TestServerOptions}?, CancellationToken)"/>.</summary>
public sealed class TestServerOptions
{
    /// <summary>The known signing key used by the test server. Defaults to a fixed 40-byte test key.</summary>
    public string SigningKey { get; set; } = TestServerHost.DefaultSigningKey;

    /// <summary>Data directory; null (default) = a fresh temp directory deleted on dispose.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Time source (e.g. <c>FakeTimeProvider</c>); null (default) = <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Listen port; 0 (default) = a free port.</summary>
    public int Port { get; set; }

    /// <summary>Listen host; defaults to <c>127.0.0.1</c> (loopback). Clients always connect through 127.0.0.1.</summary>
    public string ListenHost { get; set; } = "127.0.0.1";

    /// <summary>
    /// Configuration overrides (keys like <c>Switchboard:Limits:MaxMessageBytes</c>). Defaults shorten keepalive
    /// (PingIntervalMs 5000, IdleTimeoutMs 20000) and the shutdown drain (2 s).
    /// </summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Switchboard:KeepAlive:PingIntervalMs"] = "5000",
        ["Switchboard:KeepAlive:IdleTimeoutMs"] = "20000",
        ["Switchboard:Shutdown:DrainTimeout"] = "00:00:02",
        ["Switchboard:Web:Pages"] = "true", // as the reference server's appsettings.json
    };

    /// <summary>Extra service registrations/replacements (run after the server's own).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>Minimum log level written to <see cref="TestServerHost.Logs"/>. Defaults to Warning.</summary>
    public LogLevel MinimumLogLevel { get; set; } = LogLevel.Warning;

    /// <summary>
    /// Where shared state lives: <see cref="TestStore.Sqlite"/> (default, the single-node store) or
    /// <see cref="TestStore.Redis"/> (cluster mode, <c>AddRedis()</c>, on <see cref="RedisConnection"/> with a key prefix
    /// of its own so servers sharing one Redis never see each other's keys or channels).
    /// </summary>
    public TestStore Store { get; set; } = TestStore.Sqlite;

    /// <summary>The Redis of <see cref="TestStore.Redis"/>; null (default) = the test process's shared
    /// <see cref="Redis.SharedRedisServer"/>.</summary>
    public string? RedisConnection { get; set; }
}

/// <summary>The store a <see cref="TestServerHost"/> runs on (store-parameterized tests run on both).</summary>
public enum TestStore
{
    /// <summary>The embedded single-node default: SQLite in the data directory, in-process routing and presence.</summary>
    Sqlite,

    /// <summary>Cluster mode: <c>AddRedis()</c> on a real redis-server (AOF <c>appendfsync always</c>).</summary>
    Redis,
}

/// <summary>
/// Runs the real server (the same <c>AddSwitchboard().AddServiceDesk()</c> / <c>MapSwitchboard()</c> as the reference server) on 127.0.0.1 with a free port, a temp data
/// directory holding a real SQLite file, a known signing key and short keepalive settings. Reusable by every test
/// project (server, client, conformance, service desk).
/// <code>
/// await using var server = await TestServerHost.StartAsync();
/// await using var alice = await server.ConnectAsync("alice");           // CONNECT already read: alice.Connect
/// var echo = await alice.Client.RequestAsync("ECHO", new { data = "hi" });
/// </code>
/// </summary>
public sealed class TestServerHost : IAsyncDisposable
{
    /// <summary>The default test signing key (raw UTF-8, 40 bytes).</summary>
    public const string DefaultSigningKey = "switchboard-test-signing-key-0123456789";

    private readonly bool _ownsDirectory;
    private readonly TestServerOptions _options;

    private TestServerHost(WebApplication app, TestServerOptions options, string dataDirectory, bool ownsDirectory, Uri baseUri, ListLoggerProvider logs)
    {
        _logs = logs;
        App = app;
        _options = options;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
        BaseUri = baseUri;
    }

    /// <summary>The running application.</summary>
    public WebApplication App { get; }

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => App.Services;

    /// <summary><c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>Alias of <see cref="BaseUri"/>.</summary>
    public Uri Uri => BaseUri;

    /// <summary>The signing key (raw UTF-8 string).</summary>
    public string SigningKey => _options.SigningKey;

    /// <summary>The store this server runs on.</summary>
    public TestStore Store => _options.Store;

    /// <summary>The data directory (SQLite file <c>switchboard.db</c> inside).</summary>
    public string DataDirectory { get; }

    /// <summary>Log lines at or above <see cref="TestServerOptions.MinimumLogLevel"/>.</summary>
    public IReadOnlyList<string> Logs
    {
        get
        {
            lock (_logs.Lines)
            {
                return [.. _logs.Lines];
            }
        }
    }

    private readonly ListLoggerProvider _logs;

    /// <summary>Starts a server on <paramref name="store"/> (then <paramref name="configure"/>).</summary>
    public static Task<TestServerHost> StartAsync(TestStore store, Action<TestServerOptions>? configure = null, CancellationToken cancellationToken = default)
        => StartAsync(o =>
        {
            o.Store = store;
            configure?.Invoke(o);
        }, cancellationToken);

    /// <summary>Starts a server.</summary>
    public static async Task<TestServerHost> StartAsync(Action<TestServerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new TestServerOptions();
        configure?.Invoke(options);
        if (options.Store == TestStore.Redis)
        {
            options.RedisConnection ??= (await Redis.SharedRedisServer.GetAsync(cancellationToken).ConfigureAwait(false)).ConnectionString;
            options.Settings["Switchboard:Cluster:Redis"] = options.RedisConnection;
            if (!options.Settings.TryGetValue("Switchboard:Cluster:KeyPrefix", out var prefix) || string.IsNullOrEmpty(prefix))
            {
                options.Settings["Switchboard:Cluster:KeyPrefix"] = "t" + Guid.NewGuid().ToString("N")[..12];
            }
        }

        var owns = options.DataDirectory is null;
        var dataDirectory = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "switchboard-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = dataDirectory,
            EnvironmentName = "Testing",
        });
        var switchboard = builder.Services.AddSwitchboard().AddServiceDesk(); // what the reference server's host registers
        if (options.Store == TestStore.Redis)
        {
            switchboard.AddRedis(); // as the reference server with --Switchboard:Cluster:Redis
        }

        builder.WebHost.UseUrls($"http://{options.ListenHost}:{options.Port}");
        var settings = new Dictionary<string, string?>(options.Settings, StringComparer.OrdinalIgnoreCase)
        {
            ["Switchboard:DataDirectory"] = dataDirectory,
            ["Switchboard:Auth:SigningKey"] = options.SigningKey,
        };
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        var host = new ListLoggerProvider { MinimumLevel = options.MinimumLogLevel };
        builder.Logging.AddProvider(host);
        if (options.TimeProvider is not null)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton(options.TimeProvider));
        }

        options.ConfigureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapSwitchboard();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var baseUri = new UriBuilder(address) { Host = "127.0.0.1", Path = "/" }.Uri;
        return new TestServerHost(app, options, dataDirectory, owns, baseUri, host);
    }

    /// <summary>Mints a token with the server's key (lifetime default 1 hour; negative = already expired).</summary>
    public string MintToken(string user, string role = "user", string? name = null, IReadOnlyCollection<string>? namespaces = null, TimeSpan? lifetime = null)
        => Services.GetRequiredService<TokenService>().Mint(user, role, lifetime ?? TimeSpan.FromHours(1), name, namespaces);

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
            query.Add("since=" + since.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (epoch is not null)
        {
            query.Add("epoch=" + Uri.EscapeDataString(epoch));
        }

        var builder = new UriBuilder(BaseUri) { Scheme = "ws", Path = "/" + ns, Query = string.Join('&', query) };
        return builder.Uri;
    }

    /// <summary>
    /// Connects as <paramref name="user"/> and reads the CONNECT event (exposed as <see cref="TestSession.Connect"/>).
    /// </summary>
    public async Task<TestSession> ConnectAsync(string user, string role = "user", string ns = "web", string? name = null, long? since = null, string? epoch = null, CancellationToken cancellationToken = default)
    {
        var client = await TestWebSocketClient.ConnectAsync(WebSocketUri(ns, MintToken(user, role, name), since, epoch), cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var connect = await client.ReceiveAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (connect.Event != "CONNECT")
            {
                throw new InvalidOperationException($"Expected CONNECT, got {connect.Raw}");
            }

            return new TestSession(client, connect);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>An HTTP client for the server, with an optional Bearer token.</summary>
    public HttpClient CreateHttpClient(string? bearerToken = null)
    {
        var client = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(15) };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return client;
    }

    /// <summary>Stops the server gracefully (CLOSE 4503 to everyone) without deleting the data directory.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await App.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops this server and starts a new one on the same data directory and key (for restart tests).</summary>
    public async Task<TestServerHost> RestartAsync(Action<TestServerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        var restarted = await StartAsync(o =>
        {
            o.SigningKey = _options.SigningKey;
            o.DataDirectory = DataDirectory;
            o.TimeProvider = _options.TimeProvider;
            o.MinimumLogLevel = _options.MinimumLogLevel;
            o.ConfigureServices = _options.ConfigureServices;
            o.Store = _options.Store;
            o.RedisConnection = _options.RedisConnection;
            foreach (var (key, value) in _options.Settings)
            {
                o.Settings[key] = value;
            }

            configure?.Invoke(o);
        }, cancellationToken).ConfigureAwait(false);
        if (_ownsDirectory)
        {
            restarted.TakeOwnershipOfDirectory();
        }

        return restarted;
    }

    private bool _adoptedDirectory;

    private void TakeOwnershipOfDirectory() => _adoptedDirectory = true;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await App.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
        }

        await App.DisposeAsync().ConfigureAwait(false);
        if (_ownsDirectory || _adoptedDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public LogLevel MinimumLevel { get; set; } = LogLevel.Warning;

        public List<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

        public void Dispose()
        {
        }

        private void Add(string line)
        {
            lock (Lines)
            {
                Lines.Add(line);
            }
        }

        private sealed class ListLogger(ListLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.MinimumLevel;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    owner.Add($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception)}");
                }
            }
        }
    }
}

/// <summary>A connected test client and its CONNECT event.</summary>
/// <param name="Client">The client.</param>
/// <param name="Connect">The CONNECT envelope.</param>
public sealed record TestSession(TestWebSocketClient Client, TestEnvelope Connect) : IAsyncDisposable
{
    /// <summary>The connection's <c>client_id</c>.</summary>
    public string ClientId => Connect.GetString("client_id")!;

    /// <summary>The stream epoch from CONNECT.</summary>
    public string Epoch => Connect.GetString("epoch")!;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
