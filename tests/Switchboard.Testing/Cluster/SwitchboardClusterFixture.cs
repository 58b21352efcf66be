using System.Net.Http.Headers;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Switchboard.Server.Testing.Redis;

namespace Switchboard.Server.Testing.Cluster;

/// <summary>Settings for <see cref="SwitchboardClusterFixture.StartAsync(Action{SwitchboardClusterOptions}, CancellationToken)"/>.</summary>
public sealed class SwitchboardClusterOptions
{
    /// <summary>
    /// The built reference server, <c>Switchboard.ReferenceServer.dll</c> (a test project that references
    /// src/ReferenceServer passes <c>typeof(ReferenceServerHost).Assembly.Location</c>; its appsettings.json is next to it).
    /// </summary>
    public string ServerDll { get; set; } = string.Empty;

    /// <summary>Number of nodes (default 3).</summary>
    public int Nodes { get; set; } = 3;

    /// <summary>The signing key every node shares (and the admin tokens are minted with).</summary>
    public string SigningKey { get; set; } = TestServerHost.DefaultSigningKey;

    /// <summary>
    /// Configuration given to every node on its command line (<c>--key=value</c>). Defaults: short keepalive, a short
    /// shutdown drain, rate limits the load tests do not hit, logs at Warning, a 15 s Redis operation timeout.
    /// </summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Switchboard:KeepAlive:PingIntervalMs"] = "5000",
        ["Switchboard:KeepAlive:IdleTimeoutMs"] = "20000",
        ["Switchboard:Shutdown:DrainTimeout"] = "00:00:02",
        ["Switchboard:Limits:RateLimitPerSecond"] = "100000",
        ["Switchboard:Limits:RateLimitBurst"] = "100000",
        ["Logging:LogLevel:Default"] = "Warning",

        // A loaded CI machine (2 cores, many jobs) has stalled redis-server for more than the 5 s default; a Redis that
        // is really gone is detected by its closed connection, not by this timeout.
        ["Switchboard:Cluster:OperationTimeout"] = "00:00:15",
    };

    /// <summary>The Redis connection string a node uses (node index, the cluster's Redis → value); null = the cluster's Redis for every node.
    /// A test points one node through a <see cref="TcpProxy"/> to cut only that node off Redis.</summary>
    public Func<int, RedisServerProcess, string>? RedisFor { get; set; }

    /// <summary>Settings for the cluster's own <see cref="RedisServerProcess"/>.</summary>
    public Action<RedisServerOptions>? ConfigureRedis { get; set; }

    /// <summary>How long a node may take to answer <c>/health</c> after its start.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// N reference-server nodes as real OS processes (<c>dotnet Switchboard.ReferenceServer.dll</c>), each on its own free
/// loopback port and its own data directory, all on one <see cref="RedisServerProcess"/> (started here, AOF
/// <c>appendfsync always</c>) through <c>--Switchboard:Cluster:Redis</c>, with the same signing key. Each node is
/// health-checked (<c>GET /health</c>) before the fixture returns. <see cref="SwitchboardNodeProcess.KillAsync"/> is a
/// <c>kill -9</c> by PID; <see cref="SwitchboardNodeProcess.RestartAsync"/> starts the node again on the same port and
/// directory. Disposing kills every node and Redis and removes their directories, also after a failed test.
/// <code>
/// await using var cluster = await SwitchboardClusterFixture.StartAsync(o => o.ServerDll = typeof(ReferenceServerHost).Assembly.Location);
/// cluster.Nodes[0].WebSocketUri("web", cluster.MintToken("alice"));
/// await cluster.Nodes[1].KillAsync();
/// </code>
/// </summary>
public sealed class SwitchboardClusterFixture : IAsyncDisposable
{
    private readonly SwitchboardClusterOptions _options;

    private SwitchboardClusterFixture(SwitchboardClusterOptions options, RedisServerProcess redis, string rootDirectory)
    {
        _options = options;
        Redis = redis;
        RootDirectory = rootDirectory;
    }

    /// <summary>The Redis every node uses.</summary>
    public RedisServerProcess Redis { get; }

    /// <summary>The nodes, in start order.</summary>
    public IReadOnlyList<SwitchboardNodeProcess> Nodes => _nodes;

    private readonly List<SwitchboardNodeProcess> _nodes = [];

    /// <summary>The temp directory holding every node's data directory.</summary>
    public string RootDirectory { get; }

    /// <summary>The shared signing key.</summary>
    public string SigningKey => _options.SigningKey;

    /// <summary>Starts Redis and the nodes (in parallel) and waits until every node answers <c>/health</c>.</summary>
    public static async Task<SwitchboardClusterFixture> StartAsync(Action<SwitchboardClusterOptions> configure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SwitchboardClusterOptions();
        configure(options);
        if (!File.Exists(options.ServerDll))
        {
            throw new FileNotFoundException("The reference server dll was not found (build src/ReferenceServer).", options.ServerDll);
        }

        var root = Directory.CreateTempSubdirectory("switchboard-cluster-").FullName;
        RedisServerProcess redis;
        try
        {
            redis = await RedisServerProcess.StartAsync(options.ConfigureRedis, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }

        var cluster = new SwitchboardClusterFixture(options, redis, root);
        try
        {
            for (var i = 0; i < options.Nodes; i++)
            {
                var redisConnection = options.RedisFor?.Invoke(i, redis) ?? redis.ConnectionString;
                cluster._nodes.Add(new SwitchboardNodeProcess(i, options, redisConnection, Path.Combine(root, "node" + i), RedisServerProcess.FreeLoopbackPort()));
            }

            await Task.WhenAll(cluster._nodes.Select(n => n.StartAsync(cancellationToken))).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Mints a token with the shared key (lifetime default 1 hour), as any node would accept it.</summary>
    public string MintToken(string user, string role = "user", string? name = null, IReadOnlyCollection<string>? namespaces = null, TimeSpan? lifetime = null)
        => MintTokenWithKey(SigningKey, user, role, name, namespaces, lifetime);

    /// <summary>Mints an HS256 token with <paramref name="signingKey"/> (the claims of spec §Tokens).</summary>
    public static string MintTokenWithKey(string signingKey, string user, string role = "user", string? name = null, IReadOnlyCollection<string>? namespaces = null, TimeSpan? lifetime = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { ["sub"] = user, ["role"] = role };
        if (name is not null)
        {
            claims["name"] = name;
        }

        if (namespaces is not null)
        {
            claims["ns"] = namespaces.ToArray();
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = now,
            Expires = now.Add(lifetime ?? TimeSpan.FromHours(1)),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>An HTTP client for node <paramref name="node"/> with an admin token (the backend API).</summary>
    public HttpClient CreateAdminClient(int node)
    {
        var client = _nodes[node].CreateHttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MintToken("ops", "admin"));
        return client;
    }

    /// <summary>Connects <paramref name="user"/> to node <paramref name="node"/> and reads CONNECT.</summary>
    public Task<TestSession> ConnectAsync(int node, string user, string role = "user", string ns = "web", string? name = null, long? since = null, string? epoch = null, CancellationToken cancellationToken = default)
        => _nodes[node].ConnectAsync(MintToken(user, role, name), ns, since, epoch, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        await Redis.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(RootDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
