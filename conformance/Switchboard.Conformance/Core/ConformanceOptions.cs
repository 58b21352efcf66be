namespace Switchboard.Conformance.Core;

/// <summary>Where the server under test is and how long the suite may wait.</summary>
public sealed class ConformanceOptions
{
    /// <summary>WebSocket base URL, e.g. <c>ws://127.0.0.1:8080</c> (namespaces are appended as <c>/web</c>, <c>/app</c>).</summary>
    public required Uri WebSocketUrl { get; init; }

    /// <summary>
    /// Every node of a cluster (<c>--url</c> repeated): each case spreads its connections over them round-robin,
    /// starting with the first. Defaults to <see cref="WebSocketUrl"/> alone.
    /// </summary>
    public IReadOnlyList<Uri> WebSocketUrls
    {
        get => _webSocketUrls ?? [WebSocketUrl];
        init => _webSocketUrls = value is { Count: > 0 } ? value : null;
    }

    private readonly IReadOnlyList<Uri>? _webSocketUrls;

    /// <summary>Backend HTTP base URL, e.g. <c>http://127.0.0.1:8080</c>.</summary>
    public required Uri BackendUrl { get; init; }

    /// <summary>The server's HS256 signing key (raw UTF-8 string, at least 32 bytes).</summary>
    public required string SigningKey { get; init; }

    /// <summary>How long to wait for an expected event. Defaults to 5 seconds.</summary>
    public TimeSpan ExpectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to watch for an event that must NOT arrive. Defaults to 400 ms.</summary>
    public TimeSpan SilenceWindow { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// Upper bound for waits derived from advertised server values (idle timeout, ping interval, transfer
    /// timeout). A case whose wait would exceed it is reported INFORMATIONAL. Defaults to 90 seconds.
    /// </summary>
    public TimeSpan MaxDerivedWait { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Transfer timeout the server is configured with (not advertised in CONNECT). Defaults to 30 s.</summary>
    public TimeSpan TransferTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Value for the <c>Origin</c> header in the "forbidden origin" case, or null to skip it.</summary>
    public string? ForbiddenOrigin { get; init; } = "https://forbidden.invalid";

    /// <summary>Whether the server is configured to reject <see cref="ForbiddenOrigin"/> (reference default: allow any).</summary>
    public bool OriginAllowListConfigured { get; init; }

    /// <summary>Bytes pushed to a non-reading connection in the slow-consumer case. Defaults to 24 MiB.</summary>
    public long SlowConsumerBudgetBytes { get; init; } = 24L * 1024 * 1024;

    /// <summary>
    /// The server's configured <c>history_max_per_stream</c>, when known and small enough to exercise retention
    /// (retention cases are INFORMATIONAL when null). Defaults to null.
    /// </summary>
    public int? HistoryMaxPerStream { get; init; }

    /// <summary>How long to let the server's retention job run before checking retention. Defaults to 1.5 s.</summary>
    public TimeSpan RetentionSettle { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>The server's conversation idle warning period, when known (idle cases are INFORMATIONAL when null).</summary>
    public TimeSpan? ConversationIdleWarning { get; init; }

    /// <summary>The server's conversation idle close period, when known.</summary>
    public TimeSpan? ConversationIdleClose { get; init; }

    /// <summary>Time source (tests may substitute).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Resolves a namespace path (<c>web</c>) against node <paramref name="node"/> of <see cref="WebSocketUrls"/>.</summary>
    public Uri NamespaceUri(string ns, string query, int node = 0)
    {
        var urls = WebSocketUrls;
        var b = new UriBuilder(urls[node % urls.Count]);
        var basePath = b.Path.TrimEnd('/');
        b.Path = $"{basePath}/{ns}";
        b.Query = query;
        return b.Uri;
    }
}
