using Switchboard.Protocol;

namespace Switchboard.Client;

/// <summary>
/// The service desk's deadlines a server advertises in <c>CONNECT</c> (SB-HS-013), so a desk UI can show how long a
/// transfer request stays open and when an idle conversation will be warned about and closed.
/// </summary>
/// <param name="TransferTimeout">How long a pending transfer waits for the target (then TRANSFER_ERROR 4007).</param>
/// <param name="ConversationIdleWarning">Inactivity before the TIMER <c>conversation_idle</c> warning; <see langword="null"/> when idle handling is off.</param>
/// <param name="ConversationIdleClose">Inactivity before the conversation is closed with reason <c>idle</c>; <see langword="null"/> = never.</param>
/// <param name="VisitorGrace">How long a waiting conversation outlives its visitor's last connection; <see langword="null"/> = never withdrawn.</param>
public sealed record SwitchboardDeskDeadlines(TimeSpan TransferTimeout, TimeSpan? ConversationIdleWarning, TimeSpan? ConversationIdleClose, TimeSpan? VisitorGrace)
{
    /// <summary>Reads the deadlines from a <c>CONNECT</c>; <see langword="null"/> when the server has no service desk.</summary>
    public static SwitchboardDeskDeadlines? From(ConnectEvent connect)
    {
        ArgumentNullException.ThrowIfNull(connect);
        if (connect.TransferTimeoutMs is not { } transfer)
        {
            return null;
        }

        return new SwitchboardDeskDeadlines(
            TimeSpan.FromMilliseconds(transfer),
            OrNever(connect.ConversationIdleWarningMs),
            OrNever(connect.ConversationIdleCloseMs),
            OrNever(connect.VisitorGraceMs));
    }

    // 0 (or absent) means the deadline is disabled.
    private static TimeSpan? OrNever(int? ms) => ms is > 0 ? TimeSpan.FromMilliseconds(ms.Value) : null;
}
