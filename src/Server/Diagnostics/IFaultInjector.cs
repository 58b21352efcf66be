using Switchboard.Server.Messaging;

namespace Switchboard.Server.Diagnostics;

/// <summary>
/// Test-only seam for fault injection (reserved for the conformance team: e.g. options <c>Switchboard:Faults:*</c>
/// to drop, delay or corrupt frames). The core calls it at the receive and send seams of every connection only when
/// <see cref="IsEnabled"/> is true, so the default <see cref="NoFaultInjector"/> costs nothing.
/// </summary>
public interface IFaultInjector
{
    /// <summary>Whether any fault is configured.</summary>
    bool IsEnabled { get; }

    /// <summary>Called before a received client message is decoded. Return false to drop it.</summary>
    ValueTask<bool> OnReceiveAsync(IConnection connection, ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>Called before a queued frame is written to the socket. Return false to drop it.</summary>
    ValueTask<bool> OnSendAsync(IConnection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);
}

/// <summary>The default: no faults.</summary>
public sealed class NoFaultInjector : IFaultInjector
{
    /// <inheritdoc />
    public bool IsEnabled => false;

    /// <inheritdoc />
    public ValueTask<bool> OnReceiveAsync(IConnection connection, ReadOnlyMemory<byte> message, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <inheritdoc />
    public ValueTask<bool> OnSendAsync(IConnection connection, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) => ValueTask.FromResult(true);
}
