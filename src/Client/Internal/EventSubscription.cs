using System.Threading.Channels;
using Switchboard.Protocol;

namespace Switchboard.Client.Internal;

/// <summary>A subscriber's bounded buffer of events; the client's receive loop writes, the subscriber reads.</summary>
internal abstract class EventSubscription
{
    public abstract bool Accepts(IServerEvent serverEvent);

    /// <summary>Buffers the event; may wait in <see cref="SwitchboardEventBufferFullMode.Wait"/> mode.</summary>
    public abstract ValueTask WriteAsync(IServerEvent serverEvent, CancellationToken cancellationToken);

    public abstract void Complete();
}

internal sealed class EventSubscription<T> : EventSubscription
    where T : class, IServerEvent
{
    private readonly Channel<T> _channel;
    private readonly SwitchboardEventBufferFullMode _mode;
    private readonly Action<IServerEvent>? _onDropped;

    public EventSubscription(int capacity, SwitchboardEventBufferFullMode mode, Action<IServerEvent>? onDropped)
    {
        _mode = mode;
        _onDropped = onDropped;
        var fullMode = mode switch
        {
            SwitchboardEventBufferFullMode.DropOldest => BoundedChannelFullMode.DropOldest,
            SwitchboardEventBufferFullMode.DropNewest => BoundedChannelFullMode.DropWrite,
            _ => BoundedChannelFullMode.Wait,
        };
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = fullMode,
            SingleReader = true,
            SingleWriter = true,
            AllowSynchronousContinuations = false,
        };
        _channel = onDropped is null || mode == SwitchboardEventBufferFullMode.Wait
            ? Channel.CreateBounded<T>(options)
            : Channel.CreateBounded<T>(options, dropped => onDropped(dropped));
    }

    public ChannelReader<T> Reader => _channel.Reader;

    public override bool Accepts(IServerEvent serverEvent) => serverEvent is T;

    public override ValueTask WriteAsync(IServerEvent serverEvent, CancellationToken cancellationToken)
    {
        var item = (T)serverEvent;
        if (_channel.Writer.TryWrite(item))
        {
            return ValueTask.CompletedTask;
        }

        if (_mode != SwitchboardEventBufferFullMode.Wait)
        {
            // Only fails when completed (drop modes never refuse otherwise).
            return ValueTask.CompletedTask;
        }

        return WriteSlowAsync(item, cancellationToken);
    }

    private async ValueTask WriteSlowAsync(T item, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // The subscriber went away; nothing to deliver to.
        }
    }

    public override void Complete() => _channel.Writer.TryComplete();
}
