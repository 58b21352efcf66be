namespace Switchboard.Conformance.Spec;

/// <summary>MUST/SHOULD requirements no black-box case can check, with the reason (shown in the not-exercised lists).</summary>
public static class NotBlackBoxCheckable
{
    /// <summary>
    /// Requirements a black-box server suite cannot check, each with the reason. Client-side rules are checked by
    /// the client's tests; server internals by the reference server's tests. Nothing else may be listed here.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Reasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["SB-HS-012"] = "client rule (offer the subprotocol, fail on an unexpected one)",
        ["SB-AUTH-021"] = "client rule (refresh before exp)",
        ["SB-ENV-011"] = "client rule (ignore unknown events)",
        ["SB-ENV-018"] = "client rule (canonical command form)",
        ["SB-DLV-016"] = "client rule (resume and RECEIVED batching)",
        ["SB-DLV-017"] = "client rule (drop duplicate seq)",
        ["SB-KA-005"] = "client rule (dead-connection detection)",
        ["SB-LIM-008"] = "client rule (stay under the rate limit, back off)",
        ["SB-CLOSE-007"] = "client rule (reconnect policy)",
        ["SB-AUTH-019"] = "server startup configuration (refuse short keys) is not observable over the wire of a running server",
        ["SB-AUTH-020"] = "server logging is not observable over the wire",
        ["SB-TIMER-005"] = "implementation detail (clock abstraction)",
        ["SB-XFER-012"] = "implementation detail (clock abstraction)",
        ["SB-LIM-007"] = "needs an induced internal failure (reference server tests)",
        ["SB-CLOSE-005"] = "needs an induced internal failure (reference server tests)",
        ["SB-CLOSE-003"] = "needs the suite to shut the server under test down (reference server tests)",
        ["SB-ROOM-018"] = "applies only to a server with chat but without rooms-history; the reference server declares both, so a case could never run in this suite's own tests",
        ["SB-CLUSTER-001"] = "needs several nodes of one server: the whole suite run with connections spread over the nodes checks it (tests/Server.Redis.Tests, the three-node fixture)",
        ["SB-CLUSTER-002"] = "the store's content is not observable over the wire (tests/Server.Redis.Tests)",
        ["SB-CLUSTER-003"] = "needs a node of the server under test to be killed (tests/Server.Redis.Tests, the three-node fixture)",
        ["SB-CLUSTER-004"] = "needs the server's store to lose data (Redis restart tests)",
        ["SB-CLUSTER-005"] = "needs a node to lose its store (tests/Server.Redis.Tests)",
    };
}
