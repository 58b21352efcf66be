using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Server.Diagnostics;
using Switchboard.Server.Options;
using Switchboard.Server.Storage;

namespace Switchboard.Server.Hosting;

/// <summary>Applies <see cref="HistoryOptions"/> retention periodically (and once at startup).</summary>
internal sealed class RetentionService(
    IMessageStore store,
    IOptions<SwitchboardOptions> options,
    TimeProvider time,
    ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var history = options.Value.History;
        using var timer = new PeriodicTimer(history.PruneInterval, time);
        do
        {
            try
            {
                var deleted = await store.PruneAsync(history.MaxPerStream, time.GetUtcNow() - history.Ttl, stoppingToken).ConfigureAwait(false);
                if (deleted > 0)
                {
                    Log.Pruned(logger, deleted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.PruneFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async ValueTask<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
