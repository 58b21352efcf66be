using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Switchboard.Conformance.Core;

/// <summary>
/// Everything a case needs: connections, tokens, the backend API, assertions, the wire log and the
/// transcript. One context per case run; disposing it closes every connection the case opened.
/// </summary>
public sealed class CaseContext : IAsyncDisposable
{
    private readonly List<WsSession> _sessions = [];
    private readonly List<RawWebSocket> _rawSockets = [];
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];
    private readonly List<string> _shouldViolations = [];
    private readonly HttpClient _http;
    private readonly long _start;
    private readonly Lock _gate = new();

    /// <summary>Creates a context.</summary>
    public CaseContext(ConformanceCase @case, ConformanceOptions options, ServerInfo server, HttpClient http, string nonce)
    {
        Case = @case;
        Options = options;
        Server = server;
        _http = http;
        Nonce = nonce;
        Log = new WireLog(options.Time);
        Tokens = new TokenFactory(options.SigningKey, options.Time);
        _start = options.Time.GetTimestamp();
    }

    /// <summary>The case being run.</summary>
    public ConformanceCase Case { get; }

    /// <summary>Suite options.</summary>
    public ConformanceOptions Options { get; }

    /// <summary>Values advertised by the server.</summary>
    public ServerInfo Server { get; }

    /// <summary>Random per-case suffix for user ids and room names, so cases never share state.</summary>
    public string Nonce { get; }

    /// <summary>Wire log of the case.</summary>
    public WireLog Log { get; }

    /// <summary>Ordered transcript (snapshot source).</summary>
    public Transcript Transcript { get; } = new();

    /// <summary>Token minting.</summary>
    public TokenFactory Tokens { get; }

    /// <summary>Time since the case started.</summary>
    public TimeSpan Elapsed => Options.Time.GetElapsedTime(_start);

    /// <summary>Notes recorded so far.</summary>
    public IReadOnlyList<string> Notes
    {
        get
        {
            lock (_gate)
            {
                return [.. _notes];
            }
        }
    }

    /// <summary>SHOULD-level expectations that were not met.</summary>
    public IReadOnlyList<string> ShouldViolations
    {
        get
        {
            lock (_gate)
            {
                return [.. _shouldViolations];
            }
        }
    }

    private readonly List<(string Problem, string Frame)> _envelopeViolations = [];

    /// <summary>Envelope rule violations seen on any frame of the case (checked by the runner after the body).</summary>
    public IReadOnlyList<(string Problem, string Frame)> EnvelopeViolations
    {
        get
        {
            lock (_gate)
            {
                return [.. _envelopeViolations];
            }
        }
    }

    internal void AddEnvelopeViolation(string problem, string frame)
    {
        lock (_gate)
        {
            if (_envelopeViolations.Count >= MaxFrameFindings)
            {
                return;
            }

            _envelopeViolations.Add((problem, frame));
        }

        Log.Add("suite", WireDirection.Note, "envelope violation: " + problem);
    }

    /// <summary>At most this many per-frame findings are kept per case (a flood repeats the same one).</summary>
    private const int MaxFrameFindings = 20;

    /// <summary>
    /// Records a per-frame wire-convention finding: FAILED when the rule is a MUST, NON-STRICT when it is a SHOULD
    /// (the level is read from the embedded PROTOCOL.md), whatever the case's own level.
    /// </summary>
    internal void AddFrameFinding(Spec.FrameFinding finding, string frame)
    {
        var text = $"{finding.Rule}: {finding.Problem}";
        if (Spec.SpecIndex.Embedded.LevelOf(finding.Rule) == RequirementLevel.Must)
        {
            AddEnvelopeViolation(text, frame);
            return;
        }

        lock (_gate)
        {
            if (_shouldViolations.Count >= MaxFrameFindings || _shouldViolations.Any(v => v.StartsWith(text, StringComparison.Ordinal)))
            {
                return;
            }

            _shouldViolations.Add($"{text} in {(frame.Length > 300 ? frame[..300] + "..." : frame)}");
        }

        Log.Add("suite", WireDirection.Note, "SHOULD not met: " + text);
    }

    private readonly HashSet<string> _usage = new(StringComparer.Ordinal);

    /// <summary>What the case used so far: <c>command:NAME</c>, <c>command:JOIN_ROOM+since</c>, <c>http:/api</c>.</summary>
    public IReadOnlySet<string> Usage
    {
        get
        {
            lock (_gate)
            {
                return _usage.ToHashSet(StringComparer.Ordinal);
            }
        }
    }

    internal void RecordUsage(string marker)
    {
        lock (_gate)
        {
            _usage.Add(marker);
        }
    }

    private void RecordHttp(string pathAndQuery)
    {
        if (pathAndQuery.StartsWith("/api/", StringComparison.Ordinal))
        {
            RecordUsage(Spec.RequirementCapabilities.BackendApiCall);
        }
    }

    /// <summary>Whether the case declared itself informational.</summary>
    public bool IsInformational { get; private set; }

    /// <summary>User id unique to this case: <c>{name}-{nonce}</c>.</summary>
    public string User(string name) => $"{name}-{Nonce}";

    /// <summary>Room name unique to this case.</summary>
    public string Room(string name) => $"{name}-{Nonce}";

    /// <summary>The default expectation timeout.</summary>
    public TimeSpan Timeout => Options.ExpectTimeout;

    /// <summary>Mints a token for a case user (<paramref name="name"/> gets the nonce suffix).</summary>
    public string TokenFor(string name, string? role = "user", IReadOnlyList<string>? namespaces = null, TimeSpan? lifetime = null) =>
        Tokens.Mint(User(name), role, null, namespaces, lifetime);

    /// <summary>An admin token for the backend API.</summary>
    public string AdminToken() => Tokens.Mint(User("backend"), "admin");

    /// <summary>
    /// Connects <paramref name="name"/> (suffixed with the nonce) with a fresh valid token and waits for CONNECT,
    /// which is consumed and checked for the basic shape.
    /// </summary>
    public async Task<WsSession> ConnectAsync(string name, string? role = "user", string ns = "web", Action<ConnectOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var o = new ConnectOptions { Namespace = ns, Token = TokenFor(name, role), Label = name };
        configure?.Invoke(o);
        var s = await OpenAsync(o, User(name), cancellationToken).ConfigureAwait(false);
        var connect = await s.ExpectAsync(Wire.Connect, null, "the CONNECT greeting", null, cancellationToken).ConfigureAwait(false);
        Require(connect.Str("client_id") is { Length: > 0 }, "CONNECT carries a non-empty client_id", connect.Text);
        s.Connect = connect;
        return s;
    }

    /// <summary>Opens a WebSocket without waiting for anything. Fails the case if the upgrade is refused.</summary>
    public async Task<WsSession> OpenAsync(ConnectOptions o, string? userId = null, CancellationToken cancellationToken = default)
    {
        var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        ws.Options.KeepAliveInterval = TimeSpan.Zero;
        foreach (var p in o.Subprotocols)
        {
            ws.Options.AddSubProtocol(p);
        }

        if (o.Origin is not null)
        {
            ws.Options.SetRequestHeader("Origin", o.Origin);
        }

        if (o.Token is not null && o.TokenInHeader)
        {
            ws.Options.SetRequestHeader("Authorization", "Bearer " + o.Token);
        }

        var label = NextLabel(o.Label ?? userId?.Replace("-" + Nonce, string.Empty, StringComparison.Ordinal) ?? "anon");
        var uri = Options.NamespaceUri(o.Namespace, o.BuildQuery(), NextNode());
        Log.Add(label, WireDirection.Open, $"GET {NodePrefix(uri)}{uri.PathAndQuery} subprotocols=[{string.Join(',', o.Subprotocols)}]" + (o.Origin is null ? string.Empty : $" origin={o.Origin}") + (o.TokenInHeader ? " (Authorization: Bearer)" : string.Empty));
        Transcript.Add("open", label, DescribeOpen(o));
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(Options.ExpectTimeout);
            try
            {
                await ws.ConnectAsync(uri, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                var status = (int)ws.HttpStatusCode;
                ws.Dispose();
                throw new ConformanceFailureException($"the WebSocket upgrade of {label} to /{o.Namespace} is accepted (101)", status == 0 ? ex.Message : $"HTTP {status}");
            }
        }

        Log.Add(label, WireDirection.Note, $"upgraded, subprotocol \"{ws.SubProtocol}\"");
        var session = new WsSession(this, ws, label, o.Namespace, userId);
        lock (_gate)
        {
            _sessions.Add(session);
        }

        session.Start();
        return session;
    }

    /// <summary>
    /// Performs the upgrade over a raw socket to see the exact handshake response (status, headers, body),
    /// which ClientWebSocket hides. The connection is closed afterwards.
    /// </summary>
    public async Task<UpgradeResult> RawUpgradeAsync(ConnectOptions o, CancellationToken cancellationToken = default)
    {
        var uri = Options.NamespaceUri(o.Namespace, o.BuildQuery(), NextNode());
        var label = NextLabel("raw");
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"GET {uri.PathAndQuery} HTTP/1.1\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Host: {uri.Authority}\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: {o.WebSocketVersion}\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Sec-WebSocket-Key: {Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}\r\n");
        if (o.Subprotocols.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Sec-WebSocket-Protocol: {string.Join(", ", o.Subprotocols)}\r\n");
        }

        if (o.Origin is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Origin: {o.Origin}\r\n");
        }

        if (o.Token is not null && o.TokenInHeader)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Authorization: Bearer {o.Token}\r\n");
        }

        sb.Append("\r\n");
        Log.Add(label, WireDirection.HttpRequest, sb.ToString().TrimEnd());
        Transcript.Add("open-raw", label, DescribeOpen(o));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ExpectTimeout);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port, timeout.Token).ConfigureAwait(false);
        Stream stream = tcp.GetStream();
        if (uri.Scheme == "wss")
        {
            var ssl = new SslStream(stream);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = uri.Host }, timeout.Token).ConfigureAwait(false);
            stream = ssl;
        }

        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()), timeout.Token).ConfigureAwait(false);
            var result = await ReadHttpResponseAsync(stream, timeout.Token).ConfigureAwait(false);
            Log.Add(label, WireDirection.HttpResponse, $"HTTP {result.Status} {string.Join("; ", result.Headers.Select(h => $"{h.Key}: {h.Value}"))}\n{result.Body}");
            var data = new JsonObject { ["status"] = result.Status };
            if (result.Headers.TryGetValue("content-type", out var ct))
            {
                data["content_type"] = ct.Split(';')[0].Trim();
            }

            if (result.Headers.TryGetValue("sec-websocket-protocol", out var sp))
            {
                data["subprotocol"] = sp;
            }

            if (result.Headers.TryGetValue("sec-websocket-version", out var version))
            {
                data["sec_websocket_version"] = version;
            }

            if (result.Json is { } json)
            {
                data["body"] = json.DeepClone();
            }

            Transcript.Add("upgrade-response", label, data);
            return result;
        }
    }

    /// <summary>Calls the backend HTTP API (admin token unless <paramref name="token"/> is given; pass empty string for none).</summary>
    public async Task<ApiResponse> HttpAsync(HttpMethod method, string pathAndQuery, JsonNode? body = null, string? token = null, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(Options.BackendUrl, pathAndQuery);
        RecordHttp(uri.AbsolutePath);
        using var request = new HttpRequestMessage(method, uri);
        token ??= AdminToken();
        if (token.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var bodyText = body?.ToJsonString();
        if (bodyText is not null)
        {
            request.Content = new StringContent(bodyText, Encoding.UTF8, "application/json");
        }

        Log.Add("http", WireDirection.HttpRequest, $"{method} {uri.PathAndQuery}" + (token.Length > 0 ? " (Bearer)" : string.Empty) + (bodyText is null ? string.Empty : " " + bodyText));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ExpectTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            throw new ConformanceFailureException($"{method} {uri.PathAndQuery} gets an HTTP response", ex.Message);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            var contentType = response.Content.Headers.ContentType?.MediaType;
            JsonNode? json = null;
            try
            {
                json = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                json = null;
            }

            Log.Add("http", WireDirection.HttpResponse, $"{(int)response.StatusCode} {contentType} {text}");
            var step = new JsonObject
            {
                ["request"] = $"{method} {uri.PathAndQuery}",
                ["request_body"] = body?.DeepClone(),
                ["status"] = (int)response.StatusCode,
                ["content_type"] = contentType,
                ["response_body"] = json?.DeepClone() ?? (text.Length == 0 ? null : JsonValue.Create(text)),
            };
            Transcript.Add("http", null, step);
            return new ApiResponse(response.StatusCode, contentType, json, text);
        }
    }

    /// <summary>GET without token over a raw request, returning the response headers (lower-case names).</summary>
    public async Task<IReadOnlyDictionary<string, string>> RawHttpHeadersAsync(string path, CancellationToken cancellationToken = default)
    {
        RecordHttp(new Uri(Options.BackendUrl, path).AbsolutePath);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Options.BackendUrl, path));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ExpectTimeout);
        using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in response.Headers.Concat(response.Content.Headers))
        {
            headers[h.Key.ToLowerInvariant()] = string.Join(", ", h.Value);
        }

        Log.Add("http", WireDirection.HttpResponse, $"GET {path}: {(int)response.StatusCode} " + string.Join("; ", headers.Select(kv => kv.Key + ": " + kv.Value)));
        return headers;
    }

    /// <summary>POSTs a raw (possibly invalid) body with the admin token.</summary>
    public async Task<ApiResponse> HttpRawBodyAsync(string path, string body, CancellationToken cancellationToken = default)
    {
        RecordHttp(new Uri(Options.BackendUrl, path).AbsolutePath);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Options.BackendUrl, path))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken());
        Log.Add("http", WireDirection.HttpRequest, $"POST {path} {body}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ExpectTimeout);
        using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        Log.Add("http", WireDirection.HttpResponse, $"{(int)response.StatusCode} {text}");
        JsonNode? json;
        try
        {
            json = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }

        Transcript.Add("http", null, new JsonObject { ["request"] = $"POST {path}", ["raw_body"] = body, ["status"] = (int)response.StatusCode, ["response_body"] = json?.DeepClone() });
        return new ApiResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, json, text);
    }

    /// <summary>POSTs JSON with the admin token and returns status, Location header and body.</summary>
    public async Task<(int Status, string? Location, string Body)> HttpWithLocationAsync(string path, JsonNode body, CancellationToken cancellationToken = default)
    {
        RecordHttp(new Uri(Options.BackendUrl, path).AbsolutePath);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Options.BackendUrl, path))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken());
        Log.Add("http", WireDirection.HttpRequest, $"POST {path} {body.ToJsonString()}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ExpectTimeout);
        using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        Log.Add("http", WireDirection.HttpResponse, $"{(int)response.StatusCode} Location: {response.Headers.Location} {text}");
        return ((int)response.StatusCode, response.Headers.Location?.ToString(), text);
    }

    /// <summary>Fails the case (FAILED for MUST cases, NON-STRICT for SHOULD cases) unless <paramref name="condition"/> holds.</summary>
    public void Require(bool condition, string expectation, string received)
    {
        if (!condition)
        {
            throw new ConformanceFailureException(expectation, received);
        }
    }

    /// <summary>Fails the case unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public void RequireEqual<T>(T expected, T actual, string what, string? frame = null)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new ConformanceFailureException($"{what} = {Show(expected)}", $"{Show(actual)}" + (frame is null ? string.Empty : $" in {frame}"));
        }
    }

    /// <summary>Records a SHOULD violation (verdict NON-STRICT unless something fails) and continues.</summary>
    public void Should(bool condition, string expectation, string received)
    {
        if (!condition)
        {
            lock (_gate)
            {
                _shouldViolations.Add($"Expected: {expectation}. Received: {received}");
            }

            Log.Add("suite", WireDirection.Note, "SHOULD not met: " + expectation);
        }
    }

    /// <summary>Adds a note to the report.</summary>
    public void Note(string text)
    {
        lock (_gate)
        {
            _notes.Add(text);
        }

        Log.Add("suite", WireDirection.Note, text);
    }

    /// <summary>Marks the case INFORMATIONAL (e.g. a wait beyond the configured bound) with an explanation.</summary>
    public void Informational(string text)
    {
        IsInformational = true;
        Note(text);
    }

    /// <summary>A wait derived from an advertised value, or null (and INFORMATIONAL) if it exceeds the bound.</summary>
    public TimeSpan? DerivedWait(long? advertisedMs, string name, TimeSpan margin)
    {
        if (advertisedMs is not { } ms || ms <= 0)
        {
            throw new ConformanceFailureException($"CONNECT advertises a positive {name}", advertisedMs?.ToString(CultureInfo.InvariantCulture) ?? "absent");
        }

        var wait = TimeSpan.FromMilliseconds(ms) + margin;
        if (wait > Options.MaxDerivedWait)
        {
            Informational($"{name} = {ms} ms: waiting for it exceeds the bound of {Options.MaxDerivedWait.TotalSeconds} s (--max-wait); not exercised.");
            return null;
        }

        return wait;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        WsSession[] sessions;
        lock (_gate)
        {
            sessions = [.. _sessions];
        }

        await Task.WhenAll(sessions.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        RawWebSocket[] raw;
        lock (_gate)
        {
            raw = [.. _rawSockets];
        }

        foreach (var socket in raw)
        {
            await socket.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Opens a WebSocket on a bare socket (<see cref="RawWebSocket"/>) for the cases that need to see WebSocket control
    /// frames or write frames a library would not. Fails the case unless the server upgrades (101).
    /// </summary>
    public async Task<RawWebSocket> OpenRawWebSocketAsync(ConnectOptions o, CancellationToken cancellationToken = default)
    {
        var label = NextLabel(o.Label ?? "raw");
        Transcript.Add("open-raw-websocket", label, DescribeOpen(o));
        var socket = await RawWebSocket.OpenAsync(this, Options.NamespaceUri(o.Namespace, o.BuildQuery()), label, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _rawSockets.Add(socket);
        }

        if (socket.Status != 101)
        {
            throw new ConformanceFailureException($"the WebSocket upgrade of {label} is accepted (101)", $"HTTP {socket.Status}");
        }

        return socket;
    }

    private int _nextNode;

    /// <summary>The node for the next connection: round-robin over <see cref="ConformanceOptions.WebSocketUrls"/>.</summary>
    private int NextNode() => (Interlocked.Increment(ref _nextNode) - 1) % Options.WebSocketUrls.Count;

    /// <summary>With several nodes, the wire log names the node each connection went to.</summary>
    private string NodePrefix(Uri uri) => Options.WebSocketUrls.Count > 1 ? $"[{uri.Scheme}://{uri.Authority}] " : string.Empty;

    private string NextLabel(string name)
    {
        lock (_gate)
        {
            _labels.TryGetValue(name, out var n);
            n++;
            _labels[name] = n;
            return $"{name}#{n}";
        }
    }

    private static JsonObject DescribeOpen(ConnectOptions o)
    {
        var d = new JsonObject { ["namespace"] = o.Namespace };
        if (o.Token is not null)
        {
            d["token"] = o.Token;
            d["token_in"] = o.TokenInHeader ? "header" : "query";
        }

        d["subprotocols"] = new JsonArray([.. o.Subprotocols.Select(p => (JsonNode?)JsonValue.Create(p))]);
        if (o.WebSocketVersion != "13")
        {
            d["websocket_version"] = o.WebSocketVersion;
        }

        if (o.Origin is not null)
        {
            d["origin"] = o.Origin;
        }

        if (o.Since is not null)
        {
            d["since"] = o.Since;
        }

        if (o.Epoch is not null)
        {
            d["epoch"] = o.Epoch;
        }

        return d;
    }

    private static string Show<T>(T value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
    };

    private static async Task<UpgradeResult> ReadHttpResponseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var ms = new MemoryStream();
        int headerEnd = -1;
        while (headerEnd < 0)
        {
            var n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            ms.Write(buffer, 0, n);
            headerEnd = IndexOf(ms.GetBuffer().AsSpan(0, (int)ms.Length), "\r\n\r\n"u8);
        }

        var all = ms.ToArray();
        if (headerEnd < 0)
        {
            return new UpgradeResult(0, new Dictionary<string, string>(), Encoding.UTF8.GetString(all));
        }

        var head = Encoding.ASCII.GetString(all, 0, headerEnd).Split("\r\n");
        var statusParts = head[0].Split(' ', 3);
        var status = statusParts.Length > 1 && int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var st) ? st : 0;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
            }
        }

        if (status == 101)
        {
            return new UpgradeResult(status, headers, string.Empty);
        }

        using var body = new MemoryStream();
        body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
        var chunked = headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase);
        if (headers.TryGetValue("content-length", out var cl) && int.TryParse(cl, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            while (body.Length < length)
            {
                var n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                body.Write(buffer, 0, n);
            }
        }
        else if (chunked)
        {
            while (IndexOf(body.GetBuffer().AsSpan(0, (int)body.Length), "0\r\n\r\n"u8) < 0)
            {
                var n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                body.Write(buffer, 0, n);
            }

            return new UpgradeResult(status, headers, Dechunk(body.ToArray()));
        }

        return new UpgradeResult(status, headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    private static string Dechunk(byte[] raw)
    {
        var result = new MemoryStream();
        var pos = 0;
        while (pos < raw.Length)
        {
            var lineEnd = IndexOf(raw.AsSpan(pos), "\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(raw, pos, lineEnd).Split(';')[0];
            if (!int.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }

            pos += lineEnd + 2;
            result.Write(raw, pos, Math.Min(size, raw.Length - pos));
            pos += size + 2;
        }

        return Encoding.UTF8.GetString(result.ToArray());
    }

    private static int IndexOf(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle);
}
