using Switchboard.Server.Testing;

namespace Switchboard.Server.Tests.Infrastructure;

/// <summary>One real server shared by the tests of a class (tests use distinct user names).</summary>
public sealed class SharedServer : IAsyncLifetime
{
    private TestServerHost? _host;

    public TestServerHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _host = await TestServerHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>
/// One real server per store shared by the tests of a class (tests use distinct user names): SQLite and Redis, both
/// started before the first test, for <see cref="Stores.Both"/> theories.
/// </summary>
public sealed class SharedServers : IAsyncLifetime
{
    private readonly Dictionary<TestStore, TestServerHost> _hosts = [];

    public TestServerHost Host(TestStore store) => _hosts.TryGetValue(store, out var host) ? host : throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        foreach (var store in Enum.GetValues<TestStore>())
        {
            _hosts[store] = await TestServerHost.StartAsync(store);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts.Values)
        {
            await host.DisposeAsync();
        }
    }
}

/// <summary>Unique names per test so tests sharing a server never see each other.</summary>
public static class Names
{
    private static int s_counter;

    public static string User(string prefix) => $"{prefix}{Interlocked.Increment(ref s_counter)}";
}
