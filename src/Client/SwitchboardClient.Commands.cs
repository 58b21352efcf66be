using Switchboard.Protocol;

namespace Switchboard.Client;

// The typed command methods are generated from the spec into Generated/SwitchboardClient.Commands.g.cs. The few kept
// by hand, because their parameters are not the wire's (see HandWritten in tools/Switchboard.SpecGen/ClientEmitter.cs):
public sealed partial class SwitchboardClient
{
    /// <summary>
    /// <c>SEND_PRIVATE_MESSAGE</c>: sends <paramref name="data"/> to user <paramref name="to"/> (durable: delivered also when
    /// the recipient is offline). <paramref name="namespace"/> addresses the recipient in another namespace (<c>web</c>/<c>app</c>).
    /// </summary>
    public ValueTask<SendMessageSuccessEvent> SendPrivateMessageAsync(string to, string data, string? @namespace = null, CancellationToken cancellationToken = default) =>
        InvokeAsync<SendMessageSuccessEvent>(new SendPrivateMessageCommand { To = to, Data = data, Namespace = ParseNamespace(@namespace) }, cancellationToken);

    /// <summary><c>SET_TIMER</c>: a reminder <c>TIMER</c> event after <paramref name="delay"/> (1 ms .. 24 h).</summary>
    public ValueTask<TimerEvent> SetTimerAsync(TimeSpan delay, string? label = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delay, TimeSpan.FromDays(1));
        return InvokeAsync<TimerEvent>(new SetTimerCommand { DelayMs = (long)delay.TotalMilliseconds, Label = label }, cancellationToken);
    }

    private static Namespace? ParseNamespace(string? value) => value switch
    {
        null => null,
        SwitchboardNamespaces.Web => Protocol.Namespace.Web,
        SwitchboardNamespaces.App => Protocol.Namespace.App,
        _ => throw new ArgumentException($"Unknown namespace '{value}' (expected 'web' or 'app').", nameof(value)),
    };
}
