namespace Switchboard.Conformance.Core;

/// <summary>The outcome of one conformance case, as in Autobahn|Testsuite.</summary>
public enum Verdict
{
    /// <summary>The server behaved as the spec requires.</summary>
    Ok,

    /// <summary>A SHOULD-level expectation was not met; the server is still conformant.</summary>
    NonStrict,

    /// <summary>A MUST-level expectation was not met.</summary>
    Failed,

    /// <summary>The server's CONNECT <c>capabilities</c> does not declare the capability the case needs.</summary>
    Unimplemented,

    /// <summary>The case only reports an observation (e.g. a limit too large to exercise within the time bound).</summary>
    Informational,
}

/// <summary>RFC 2119 level of the requirements a case checks.</summary>
public enum RequirementLevel
{
    /// <summary>Absolute requirement: a violation is <see cref="Verdict.Failed"/>.</summary>
    Must,

    /// <summary>Recommendation: a violation is <see cref="Verdict.NonStrict"/>.</summary>
    Should,
}

/// <summary>Profiles group cases by the feature area an implementation claims.</summary>
public static class Profiles
{
    /// <summary>Handshake, auth, envelope, codec, namespaces, echo, delivery, keepalive, limits.</summary>
    public const string Core = "core";

    /// <summary>Group and private chat.</summary>
    public const string Chat = "chat";

    /// <summary>Online list and ONLINE notifications.</summary>
    public const string Presence = "presence";

    /// <summary>Rooms and room history.</summary>
    public const string RoomsHistory = "rooms-history";

    /// <summary>Visitor queue, grab, transfer, work orders, timers, day access.</summary>
    public const string ServiceDesk = "service-desk";

    /// <summary>Backend HTTP API.</summary>
    public const string BackendApi = "backend-api";

    /// <summary>All profiles in report order.</summary>
    public static IReadOnlyList<string> All { get; } = [Core, Chat, Presence, RoomsHistory, ServiceDesk, BackendApi];
}

/// <summary>Capability strings a server declares in CONNECT <c>capabilities</c>.</summary>
public static class Capabilities
{
    /// <summary>Group and private chat.</summary>
    public const string Chat = "chat";

    /// <summary>Rooms with history.</summary>
    public const string RoomsHistory = "rooms-history";

    /// <summary>Customer-service desk.</summary>
    public const string ServiceDesk = "service-desk";

    /// <summary>Backend HTTP API.</summary>
    public const string BackendApi = "backend-api";

    /// <summary>Presence / online list.</summary>
    public const string Presence = "presence";
}

/// <summary>How a case's transcript takes part in snapshot (approved transcript) tests.</summary>
public enum SnapshotMode
{
    /// <summary>The scrubbed transcript is compared with the approved file in code order.</summary>
    Ordered,

    /// <summary>The case is not snapshotted (timing- or load-dependent wire traffic).</summary>
    None,
}

/// <summary>A named, stable conformance scenario.</summary>
public sealed class ConformanceCase
{
    /// <summary>Stable id, e.g. <c>auth.expired-token</c>. Never reused for another scenario.</summary>
    public required string Id { get; init; }

    /// <summary>One-line title.</summary>
    public required string Title { get; init; }

    /// <summary>What the server must do, in words (shown in reports for non-OK verdicts).</summary>
    public required string Expectation { get; init; }

    /// <summary>Spec requirement ids (<c>SB-AREA-NNN</c>) the case checks.</summary>
    public required IReadOnlyList<string> Requirements { get; init; }

    /// <summary>Level: a failed MUST case is FAILED, a failed SHOULD case is NON-STRICT.</summary>
    public RequirementLevel Level { get; init; } = RequirementLevel.Must;

    /// <summary>Profile (see <see cref="Profiles"/>).</summary>
    public required string Profile { get; init; }

    /// <summary>
    /// Capabilities of features the case uses to observe its rules beyond what its ids need (e.g. core delivery
    /// rules observed through private messages use <c>chat</c>). Checked by the tests against what a run sends.
    /// </summary>
    public IReadOnlyList<string> Uses { get; init; } = [];

    /// <summary>
    /// Every capability the server must declare for the case to run: those of the cited ids (PROTOCOL.md section 1,
    /// <see cref="Spec.RequirementCapabilities"/>) plus <see cref="Uses"/>. Empty for pure core cases.
    /// </summary>
    public IReadOnlySet<string> Capabilities => _capabilities ??= Spec.RequirementCapabilities.ForRequirements(Requirements).Union(Uses).ToHashSet(StringComparer.Ordinal);

    private IReadOnlySet<string>? _capabilities;

    /// <summary>Snapshot participation. Defaults to <see cref="SnapshotMode.Ordered"/>.</summary>
    public SnapshotMode Snapshot { get; init; } = SnapshotMode.Ordered;

    /// <summary>The scenario body. Throws <see cref="ConformanceFailureException"/> on a violation.</summary>
    public required Func<CaseContext, Task> Body { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Id;
}

/// <summary>Thrown by a case (through <see cref="CaseContext"/> helpers) when the server violates an expectation.</summary>
public sealed class ConformanceFailureException : Exception
{
    /// <summary>Creates a failure.</summary>
    public ConformanceFailureException(string expectation, string received)
        : base($"Expected: {expectation}. Received: {received}")
    {
        Expectation = expectation;
        Received = received;
    }

    /// <summary>Creates a failure with a default message.</summary>
    public ConformanceFailureException()
        : this("(unspecified)", "(unspecified)")
    {
    }

    /// <summary>Creates a failure with a message.</summary>
    public ConformanceFailureException(string message)
        : this(message, "(see wire log)")
    {
    }

    /// <summary>Creates a failure wrapping an exception.</summary>
    public ConformanceFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
        Expectation = message;
        Received = innerException.Message;
    }

    /// <summary>What the spec requires.</summary>
    public string Expectation { get; } = string.Empty;

    /// <summary>What the server did instead.</summary>
    public string Received { get; } = string.Empty;
}

/// <summary>The result of running one case.</summary>
public sealed class CaseResult
{
    /// <summary>The case.</summary>
    public required ConformanceCase Case { get; init; }

    /// <summary>The verdict.</summary>
    public required Verdict Verdict { get; init; }

    /// <summary>Wall-clock duration.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Expectation that was not met (non-OK verdicts).</summary>
    public string? Expectation { get; init; }

    /// <summary>What was received instead (non-OK verdicts).</summary>
    public string? Received { get; init; }

    /// <summary>Notes: SHOULD violations, informational observations.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Every frame and HTTP exchange of the case.</summary>
    public required IReadOnlyList<WireLogEntry> WireLog { get; init; }

    /// <summary>The case's ordered steps, used for snapshots.</summary>
    public required IReadOnlyList<TranscriptStep> Transcript { get; init; }

    /// <summary>The per-run nonce used in this case's user ids and room names (scrubbed in snapshots).</summary>
    public required string Nonce { get; init; }

    /// <summary>What the case used (<c>command:NAME</c>, <c>http:/api</c>), for the capability-tie check.</summary>
    public IReadOnlySet<string> Usage { get; init; } = new HashSet<string>();
}
