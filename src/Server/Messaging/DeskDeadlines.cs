namespace Switchboard.Server.Messaging;

/// <summary>
/// The service desk's deadlines as CONNECT advertises them (SB-HS-013). Registered by the service-desk module from
/// its options; when it is absent (no desk), CONNECT omits the four fields.
/// </summary>
/// <param name="TransferTimeoutMs">Lifetime of a pending transfer (<c>transfer_timeout_ms</c>).</param>
/// <param name="ConversationIdleWarningMs">Inactivity before the idle warning; 0 when idle handling is off.</param>
/// <param name="ConversationIdleCloseMs">Inactivity before the idle close; 0 = never.</param>
/// <param name="VisitorGraceMs">How long a waiting conversation outlives its visitor's last connection; 0 = forever.</param>
public sealed record DeskDeadlines(int TransferTimeoutMs, int ConversationIdleWarningMs, int ConversationIdleCloseMs, int VisitorGraceMs);
