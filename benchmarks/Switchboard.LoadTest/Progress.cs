namespace Switchboard.LoadTest;

/// <summary>A live progress line on stderr, refreshed every second until disposed.</summary>
internal sealed class Progress : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    /// <summary>Initializes a new instance of the <see cref="Progress"/> class.</summary>
    /// <param name="enabled">False prints nothing.</param>
    /// <param name="prefix">Printed before the status.</param>
    /// <param name="status">Produces the status text.</param>
    public Progress(bool enabled, string prefix, Func<string> status)
    {
        loop = enabled ? RunAsync(prefix, status, stop.Token) : Task.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        stop.Dispose();
    }

    private static async Task RunAsync(string prefix, Func<string> status, CancellationToken cancellationToken)
    {
        var start = Clock.Now;
        var interactive = !Console.IsErrorRedirected;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), Clock.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var line = $"[{prefix}] {Clock.Since(start).TotalSeconds,5:0.0}s {status()}";
                await Console.Error.WriteAsync(interactive ? "\r" + line.PadRight(100) : line + "\n").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Done.
        }

        if (interactive)
        {
            await Console.Error.WriteLineAsync().ConfigureAwait(false);
        }
    }
}
