namespace Switchboard.Cluster.Tests;

/// <summary>Waiting on an observable condition with a bounded timeout (never a sleep that hopes).</summary>
internal static class Conditions
{
    /// <summary>Re-checks <paramref name="condition"/> every 50 ms until it holds; throws when <paramref name="timeout"/> passes.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {timeout}: {what}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
