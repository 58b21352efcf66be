using Switchboard.Client.Internal;
using Switchboard.Protocol;

namespace Switchboard.Client;

public sealed partial class SwitchboardClient
{
    /// <summary>True while a handler registered with <c>On</c> runs (so it may dispose its own registration without deadlock).</summary>
    private static readonly AsyncLocal<bool> s_inHandler = new();

    /// <summary>
    /// Subscribes to events of type <typeparamref name="T"/> (e.g. <c>NewMessageEvent</c>; <see cref="IServerEvent"/> for all)
    /// as an <see cref="IAsyncEnumerable{T}"/>. Direct replies to this client's commands go to the awaiting call, not to
    /// streams, unless they are durable events. Dispose the stream (or stop enumerating) to unsubscribe.
    /// </summary>
    public SwitchboardEventStream<T> Events<T>()
        where T : class, IServerEvent
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var subscription = new EventSubscription<T>(
            _options.EventBufferCapacity,
            _options.EventBufferFullMode,
            dropped => Log.EventDropped(_logger, dropped.EventName));
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return new SwitchboardEventStream<T>(subscription, Unsubscribe);
    }

    /// <summary>
    /// Registers a handler for events of type <typeparamref name="T"/>. Handlers of one registration run one at a time, in
    /// event order, on their own loop (a slow handler delays only its own registration, up to its buffer capacity).
    /// Exceptions are logged. Dispose the result to unregister.
    /// </summary>
    public IAsyncDisposable On<T>(Func<T, CancellationToken, ValueTask> handler)
        where T : class, IServerEvent
    {
        ArgumentNullException.ThrowIfNull(handler);
        var stream = Events<T>();
        var stop = new CancellationTokenSource();
        var pump = Task.Run(
            async () =>
            {
                try
                {
                    await foreach (var item in stream.WithCancellation(stop.Token).ConfigureAwait(false))
                    {
                        try
                        {
                            s_inHandler.Value = true;
                            await handler(item, stop.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (stop.IsCancellationRequested)
                        {
                            return;
                        }
                        catch (Exception ex)
                        {
                            Log.HandlerFailed(_logger, item.EventName, ex);
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            },
            CancellationToken.None);
        return new HandlerRegistration(stream, stop, pump);
    }

    /// <summary>Registers an asynchronous handler for events of type <typeparamref name="T"/>. See <see cref="On{T}(Func{T, CancellationToken, ValueTask})"/>.</summary>
    public IAsyncDisposable On<T>(Func<T, ValueTask> handler)
        where T : class, IServerEvent
    {
        ArgumentNullException.ThrowIfNull(handler);
        return On<T>((item, _) => handler(item));
    }

    /// <summary>Registers a synchronous handler for events of type <typeparamref name="T"/>. See <see cref="On{T}(Func{T, CancellationToken, ValueTask})"/>.</summary>
    public IAsyncDisposable On<T>(Action<T> handler)
        where T : class, IServerEvent
    {
        ArgumentNullException.ThrowIfNull(handler);
        return On<T>((item, _) =>
        {
            handler(item);
            return ValueTask.CompletedTask;
        });
    }

    private void Unsubscribe(EventSubscription subscription)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_subscriptions, subscription);
            if (index >= 0)
            {
                var copy = new EventSubscription[_subscriptions.Length - 1];
                Array.Copy(_subscriptions, 0, copy, 0, index);
                Array.Copy(_subscriptions, index + 1, copy, index, _subscriptions.Length - index - 1);
                _subscriptions = copy;
            }
        }
    }

    private sealed class HandlerRegistration(IAsyncDisposable stream, CancellationTokenSource stop, Task pump) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            if (s_inHandler.Value)
            {
                // Disposed from inside a handler: the loop ends by itself once the handler returns.
                return;
            }

            try
            {
                await pump.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            stop.Dispose();
        }
    }
}
