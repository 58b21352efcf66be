using System.Runtime.CompilerServices;
using Switchboard.Client.Internal;
using Switchboard.Protocol;

namespace Switchboard.Client;

/// <summary>
/// A typed stream of server events, backed by a bounded channel (see <see cref="SwitchboardClientOptions.EventBufferCapacity"/>).
/// The subscription starts when the stream is created (so create it before <see cref="SwitchboardClient.ConnectAsync"/> to
/// see the events replayed right after <c>CONNECT</c>) and ends when it is disposed, its enumeration ends, or the client is
/// disposed. A stream can be enumerated once. It spans reconnects: durable events are delivered in order, without duplicates.
/// </summary>
/// <typeparam name="T">The event type, e.g. <c>NewMessageEvent</c>; <see cref="IServerEvent"/> receives every event.</typeparam>
public sealed class SwitchboardEventStream<T> : IAsyncEnumerable<T>, IAsyncDisposable
    where T : class, IServerEvent
{
    private readonly EventSubscription<T> _subscription;
    private readonly Action<EventSubscription> _unsubscribe;
    private int _enumerated;
    private int _disposed;

    internal SwitchboardEventStream(EventSubscription<T> subscription, Action<EventSubscription> unsubscribe)
    {
        _subscription = subscription;
        _unsubscribe = unsubscribe;
    }

    /// <summary>Reads the next event, waiting for one. Throws <see cref="InvalidOperationException"/> once the stream has ended.</summary>
    public ValueTask<T> ReadAsync(CancellationToken cancellationToken = default) => _subscription.Reader.ReadAsync(cancellationToken);

    /// <summary>Returns a buffered event without waiting, if there is one.</summary>
    public bool TryRead(out T? item) => _subscription.Reader.TryRead(out item);

    /// <inheritdoc />
    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _enumerated, 1) != 0)
        {
            throw new InvalidOperationException("A SwitchboardEventStream can be enumerated only once; create another stream with Events<T>().");
        }

        return EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    private async IAsyncEnumerable<T> EnumerateAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            var reader = _subscription.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ends the subscription.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _unsubscribe(_subscription);
            _subscription.Complete();
        }

        return ValueTask.CompletedTask;
    }
}
