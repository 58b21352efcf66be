namespace Switchboard.Server.Testing.Redis;

/// <summary>
/// One <see cref="RedisServerProcess"/> per test process, started on first use, for the Redis variant of
/// store-parameterized tests (each server gets its own key prefix on it, so tests never see each other's state).
/// Killed by its PID and its directory removed when the test process exits. Tests that kill or restart Redis start
/// their own <see cref="RedisServerProcess"/> instead.
/// </summary>
public static class SharedRedisServer
{
    private static readonly object Gate = new();
    private static Task<RedisServerProcess>? s_server;

    /// <summary>The shared server (started on the first call).</summary>
    public static Task<RedisServerProcess> GetAsync(CancellationToken cancellationToken = default)
    {
        lock (Gate)
        {
            if (s_server is null || s_server.IsFaulted || s_server.IsCanceled)
            {
                s_server = StartAsync();
            }

            return s_server.WaitAsync(cancellationToken);
        }
    }

    private static async Task<RedisServerProcess> StartAsync()
    {
        var server = await RedisServerProcess.StartAsync().ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }
}
