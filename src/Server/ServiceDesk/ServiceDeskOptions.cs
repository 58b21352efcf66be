using Microsoft.Extensions.Options;

namespace Switchboard.Server.ServiceDesk;

/// <summary>
/// Settings of the customer-service desk (configuration section <c>Switchboard:ServiceDesk</c>).
/// Invalid values fail at startup (<see cref="ServiceDeskOptionsValidator"/>).
/// </summary>
public sealed class ServiceDeskOptions
{
    /// <summary>The configuration section name: <c>Switchboard:ServiceDesk</c>.</summary>
    public const string SectionName = "Switchboard:ServiceDesk";

    /// <summary>How long a transfer request waits for the target agent (contract <c>transfer_timeout_ms</c>).
    /// Defaults to 30000 ms. Range 100..3_600_000.</summary>
    public long TransferTimeoutMs { get; set; } = 30_000;

    /// <summary>Inactivity after which both participants of an active conversation get a TIMER warning
    /// (contract <c>conversation_idle_warning_ms</c>). Defaults to 240000 ms. Must be below
    /// <see cref="ConversationIdleCloseMs"/>.</summary>
    public long ConversationIdleWarningMs { get; set; } = 240_000;

    /// <summary>Inactivity after which an active conversation is closed with reason <c>idle</c>
    /// (contract <c>conversation_idle_close_ms</c>). Defaults to 300000 ms. 0 disables idle handling.</summary>
    public long ConversationIdleCloseMs { get; set; } = 300_000;

    /// <summary>How long a waiting conversation stays in the queue after its visitor's last connection
    /// closed; then it is withdrawn (QIANGDAN <c>withdrawn</c>, CONVERSATION closed reason <c>visitor</c>), so
    /// agents do not grab abandoned requests. Defaults to 300000 ms (5 minutes, like the idle close of an active
    /// conversation). 0 disables the withdrawal (waiting conversations then wait forever).</summary>
    public long VisitorGraceMs { get; set; } = 300_000;

    /// <summary>How often a node of a cluster polls the shared due-set for deadlines set by other nodes (a node wakes up
    /// for its own deadlines without polling). Defaults to 500 ms. Range 10..60000. Not advertised.</summary>
    public long DeadlinePollMs { get; set; } = 500;

    /// <summary>The deadlines as CONNECT advertises them (SB-HS-013): the idle warning is 0 when idle handling is off.
    /// The validator bounds every value to int32.</summary>
    internal static Switchboard.Server.Messaging.DeskDeadlines Deadlines(ServiceDeskOptions options) => new(
        checked((int)options.TransferTimeoutMs),
        options.ConversationIdleCloseMs == 0 ? 0 : checked((int)options.ConversationIdleWarningMs),
        checked((int)options.ConversationIdleCloseMs),
        checked((int)options.VisitorGraceMs));
}

/// <summary>Validates <see cref="ServiceDeskOptions"/> at startup.</summary>
internal sealed class ServiceDeskOptionsValidator : IValidateOptions<ServiceDeskOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ServiceDeskOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.TransferTimeoutMs is < 100 or > 3_600_000)
        {
            errors.Add($"{nameof(ServiceDeskOptions.TransferTimeoutMs)} must be within 100..3600000 (was {options.TransferTimeoutMs}).");
        }

        if (options.ConversationIdleCloseMs < 0 || options.ConversationIdleCloseMs > 86_400_000)
        {
            errors.Add($"{nameof(ServiceDeskOptions.ConversationIdleCloseMs)} must be within 0..86400000 (was {options.ConversationIdleCloseMs}).");
        }

        if (options.ConversationIdleCloseMs > 0
            && (options.ConversationIdleWarningMs <= 0 || options.ConversationIdleWarningMs >= options.ConversationIdleCloseMs))
        {
            errors.Add($"{nameof(ServiceDeskOptions.ConversationIdleWarningMs)} must be > 0 and below {nameof(ServiceDeskOptions.ConversationIdleCloseMs)} (was {options.ConversationIdleWarningMs}).");
        }

        if (options.VisitorGraceMs is < 0 or > 86_400_000)
        {
            errors.Add($"{nameof(ServiceDeskOptions.VisitorGraceMs)} must be within 0..86400000 (was {options.VisitorGraceMs}).");
        }

        if (options.DeadlinePollMs is < 10 or > 60_000)
        {
            errors.Add($"{nameof(ServiceDeskOptions.DeadlinePollMs)} must be within 10..60000 (was {options.DeadlinePollMs}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
