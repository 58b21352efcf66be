using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Switchboard.Conformance.Core;

/// <summary>How to open a WebSocket connection.</summary>
public sealed class ConnectOptions
{
    /// <summary>Namespace (<c>web</c> or <c>app</c>), appended to the base URL as the path.</summary>
    public string Namespace { get; set; } = "web";

    /// <summary>Token to send, or null for none.</summary>
    public string? Token { get; set; }

    /// <summary>Send the token as <c>Authorization: Bearer</c> instead of <c>?access_token=</c>.</summary>
    public bool TokenInHeader { get; set; }

    /// <summary>Subprotocols to offer (empty = none). Defaults to <c>switchboard.v1.json</c>.</summary>
    public IList<string> Subprotocols { get; set; } = [Wire.Subprotocol];

    /// <summary>Origin header, or null to omit.</summary>
    public string? Origin { get; set; }

    /// <summary>Resume position (<c>since</c> query parameter).</summary>
    public long? Since { get; set; }

    /// <summary>Stream epoch (<c>epoch</c> query parameter).</summary>
    public string? Epoch { get; set; }

    /// <summary>Extra raw query text appended as is (e.g. <c>since=abc</c>).</summary>
    public string? ExtraQuery { get; set; }

    /// <summary>Label for logs (defaults to the user name).</summary>
    public string? Label { get; set; }

    /// <summary>The <c>Sec-WebSocket-Version</c> a raw upgrade sends (default 13).</summary>
    public string WebSocketVersion { get; set; } = "13";

        /// <summary>Builds the query string.</summary>
    public string BuildQuery()
    {
        var parts = new List<string>();
        if (Token is not null && !TokenInHeader)
        {
            parts.Add("access_token=" + Uri.EscapeDataString(Token));
        }

        if (Since is { } since)
        {
            parts.Add("since=" + since.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (Epoch is not null)
        {
            parts.Add("epoch=" + Uri.EscapeDataString(Epoch));
        }

        if (!string.IsNullOrEmpty(ExtraQuery))
        {
            parts.Add(ExtraQuery);
        }

        return string.Join('&', parts);
    }
}

/// <summary>A close observed on a session.</summary>
/// <param name="Code">Close code, or null if the connection dropped without a close frame.</param>
/// <param name="Reason">Close reason.</param>
public sealed record CloseInfo(int? Code, string? Reason);

/// <summary>
/// One raw WebSocket connection used by a case. A background loop receives every frame into an inbox and the
/// wire log; expectations consume matching frames from the inbox in arrival order and leave the rest (PINGs,
/// unrelated broadcasts) for later expectations.
/// </summary>
public sealed class WsSession : IAsyncDisposable
{
    private readonly CaseContext _ctx;
    private readonly ClientWebSocket _ws;
    private readonly List<Frame> _inbox = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _cts = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _resume = CompletedSource();
    private Task? _loop;
    private int _cidCounter;
    private long _received;
    private CloseInfo? _closed;
    private bool _closeConsumed;

    internal WsSession(CaseContext ctx, ClientWebSocket ws, string label, string ns, string? userId)
    {
        _ctx = ctx;
        _ws = ws;
        Label = label;
        Namespace = ns;
        UserId = userId;
    }

    /// <summary>Label in logs and transcripts (<c>alice#1</c>).</summary>
    public string Label { get; }

    /// <summary>Namespace connected to.</summary>
    public string Namespace { get; }

    /// <summary>User id of the token (null for anonymous/bad tokens).</summary>
    public string? UserId { get; }

    /// <summary>The CONNECT frame, once consumed by <c>CaseContext.ConnectAsync</c>.</summary>
    public Frame? Connect { get; internal set; }

    /// <summary>Subprotocol the server selected.</summary>
    public string? SubProtocol => _ws.SubProtocol;

    /// <summary>The close observed so far, if any.</summary>
    public CloseInfo? Closed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    internal void Start() => _loop = Task.Run(ReceiveLoopAsync);

    /// <summary>Stops reading from the socket (to make the server's send queue back up).</summary>
    public void PauseReading()
    {
        lock (_gate)
        {
            if (_resume.Task.IsCompleted)
            {
                _resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Resumes reading.</summary>
    public void ResumeReading()
    {
        lock (_gate)
        {
            _resume.TrySetResult();
        }
    }

    /// <summary>Sends a text frame as is (recorded in the transcript; JSON is recorded parsed).</summary>
    public async Task SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        _ctx.Log.Add(Label, WireDirection.SendText, text);
        _ctx.Transcript.Add("send", Label, ParseOrString(text));
        RememberCid(text);
        await SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends arbitrary bytes as a text frame (e.g. invalid UTF-8).</summary>
    public async Task SendTextBytesAsync(byte[] bytes, CancellationToken cancellationToken = default)
    {
        _ctx.Log.Add(Label, WireDirection.SendText, "[raw bytes] " + WireLog.Hex(bytes));
        _ctx.Transcript.Add("send", Label, new JsonObject { ["text_bytes_hex"] = WireLog.Hex(bytes) });
        await SendAsync(bytes, WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a binary frame.</summary>
    public async Task SendBinaryAsync(byte[] bytes, CancellationToken cancellationToken = default)
    {
        _ctx.Log.Add(Label, WireDirection.SendBinary, WireLog.Hex(bytes));
        _ctx.Transcript.Add("send", Label, new JsonObject { ["binary_hex"] = WireLog.Hex(bytes) });
        await SendAsync(bytes, WebSocketMessageType.Binary, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends many frames quickly without recording each in the transcript (flood cases).</summary>
    public async Task SendBurstAsync(IEnumerable<string> frames, CancellationToken cancellationToken = default)
    {
        var n = 0;
        foreach (var f in frames)
        {
            _ctx.Log.Add(Label, WireDirection.SendText, f);
            RememberCid(f);
            await SendAsync(Encoding.UTF8.GetBytes(f), WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
            n++;
        }

        _ctx.Transcript.Add("send-burst", Label, new JsonObject { ["frames"] = n });
    }

    /// <summary>Next command id (<c>c1</c>, <c>c2</c>...).</summary>
    public string NextCid() => "c" + Interlocked.Increment(ref _cidCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Sends a command envelope. Returns the cid used (null when <paramref name="withCid"/> is false).</summary>
    public async Task<string?> SendCommandAsync(string command, JsonObject? request = null, bool withCid = true, CancellationToken cancellationToken = default)
    {
        var cid = withCid ? NextCid() : null;
        var env = new JsonObject { ["command"] = command };
        if (cid is not null)
        {
            env["cid"] = cid;
        }

        if (request is not null)
        {
            env["request"] = request.DeepClone();
        }

        await SendTextAsync(env.ToJsonString(), cancellationToken).ConfigureAwait(false);
        return cid;
    }

    /// <summary>Sends a command with a cid and returns the reply (any event carrying that cid).</summary>
    public async Task<Frame> RequestAsync(string command, JsonObject? request = null, CancellationToken cancellationToken = default)
    {
        long sentAfter;
        lock (_gate)
        {
            sentAfter = _received;
        }

        var cid = await SendCommandAsync(command, request, true, cancellationToken).ConfigureAwait(false);
        var successReply = Spec.SpecIndex.Embedded.Commands.TryGetValue(command, out var info) ? info.Reply : null;
        var what = $"a reply to {command} with cid \"{cid}\"";
        var frame = await WaitForAsync(f => f.Cid == cid, _ctx.Options.ExpectTimeout, cancellationToken, poison: f => WrongReply(f, cid!, successReply, sentAfter)).ConfigureAwait(false);
        return Consumed(frame, what, null);
    }

    /// <summary>
    /// Whether <paramref name="f"/> shows, as soon as it arrives, that the reply to <paramref name="cid"/> went wrong
    /// (so the case fails at once instead of waiting out the timeout): a cid this connection never sent or sent
    /// later (SB-ENV-004, SB-ENV-014), or the command's success event without any cid (SB-ENV-013).
    /// </summary>
    private string? WrongReply(Frame f, string cid, string? successReply, long sentAfter)
    {
        if (f.Ordinal <= sentAfter || f.Cid == cid)
        {
            return null;
        }

        if (f.Cid is not null)
        {
            lock (_sentCids)
            {
                if (!_sentOrder.TryGetValue(f.Cid, out var other))
                {
                    return $"a reply carrying cid \"{f.Cid}\", which was never sent (expected \"{cid}\")";
                }

                return other > _sentOrder[cid] ? $"the reply to cid \"{f.Cid}\" (sent after \"{cid}\") before the reply to \"{cid}\" (SB-ENV-014)" : null;
            }
        }

        return successReply is not null && f.Event == successReply && Spec.SpecIndex.Embedded.EventDelivery.GetValueOrDefault(f.Event) == "reply"
            ? $"{f.Event} without cid (the reply to cid \"{cid}\" must carry it)"
            : null;
    }

    /// <summary>Sends a command with a cid and requires the reply to be <paramref name="expectedEvent"/>.</summary>
    public async Task<Frame> CallAsync(string command, JsonObject? request, string expectedEvent, CancellationToken cancellationToken = default)
    {
        var reply = await RequestAsync(command, request, cancellationToken).ConfigureAwait(false);
        if (reply.Event != expectedEvent)
        {
            throw new ConformanceFailureException($"{command} (cid {reply.Cid}) is answered with {expectedEvent}", reply.Text);
        }

        return reply;
    }

    /// <summary>Waits for the next frame with event <paramref name="eventName"/> (any event when null) matching <paramref name="where"/>.</summary>
    public async Task<Frame> ExpectAsync(string? eventName, Func<Frame, bool>? where = null, string? description = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var what = description ?? (eventName is null ? "a frame" : $"a {eventName} event");
        var frame = await WaitForAsync(f => (eventName is null || f.Event == eventName) && (where is null || where(f)), timeout ?? _ctx.Options.ExpectTimeout, cancellationToken).ConfigureAwait(false);
        return Consumed(frame, what, timeout);
    }

    private Frame Consumed(Frame? frame, string what, TimeSpan? timeout)
    {
        if (frame is null)
        {
            throw new ConformanceFailureException($"{Label} receives {what} within {(int)(timeout ?? _ctx.Options.ExpectTimeout).TotalMilliseconds} ms", DescribeUnconsumed());
        }

        _ctx.Transcript.Add("recv", Label, frame.Json?.DeepClone() ?? JsonValue.Create(frame.Text));
        return frame;
    }

    /// <summary>Waits for an error reply: event <paramref name="eventName"/> (default ERROR) with <c>response.code</c> = <paramref name="code"/>.</summary>
    public async Task<Frame> ExpectErrorAsync(int code, string? cid = null, string eventName = Wire.Error, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var frame = await ExpectAsync(
            null,
            f => cid is null ? f.Event is Wire.Error or Wire.SendMessageError or Wire.TransferError : f.Cid == cid,
            cid is null ? $"an error event with code {code}" : $"the reply to cid \"{cid}\" ({eventName} code {code})",
            timeout,
            cancellationToken).ConfigureAwait(false);
        if (frame.Event != eventName || frame.Int("code") != code)
        {
            throw new ConformanceFailureException($"{eventName} with response.code {code}" + (cid is null ? string.Empty : $" and cid \"{cid}\""), frame.Text);
        }

        if (Err.Names.TryGetValue(code, out var name) && frame.Str("error") != name)
        {
            throw new ConformanceFailureException($"{eventName} code {code} carries error \"{name}\" (registry name)", frame.Text);
        }

        return frame;
    }

    /// <summary>Fails if a matching frame is (or becomes) available within the window.</summary>
    public async Task ExpectNoEventAsync(string? eventName, Func<Frame, bool>? where = null, string? description = null, TimeSpan? window = null, CancellationToken cancellationToken = default)
    {
        var span = window ?? _ctx.Options.SilenceWindow;
        var what = description ?? (eventName is null ? "any frame" : $"a {eventName} event");
        var frame = await WaitForAsync(f => (eventName is null || f.Event == eventName) && (where is null || where(f)), span, cancellationToken, consume: false).ConfigureAwait(false);
        if (frame is not null)
        {
            throw new ConformanceFailureException($"{Label} receives no {what}", frame.Text);
        }

        _ctx.Transcript.Add("no-event", Label, JsonValue.Create(what));
    }

    /// <summary>Waits for the server to close the connection, optionally requiring a code.</summary>
    public async Task<CloseInfo> ExpectCloseAsync(int? code, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var span = timeout ?? _ctx.Options.ExpectTimeout;
        var deadline = _ctx.Options.Time.GetUtcNow() + span;
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_closed is not null)
                {
                    break;
                }

                wait = _changed.Task;
            }

            var remaining = deadline - _ctx.Options.Time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                throw new ConformanceFailureException($"{Label} is closed by the server" + (code is null ? string.Empty : $" with code {code}") + $" within {(int)span.TotalMilliseconds} ms", "connection still open; " + DescribeUnconsumed());
            }

            await WaitAsync(wait, remaining, cancellationToken).ConfigureAwait(false);
        }

        var closed = Closed!;
        _closeConsumed = true;
        _ctx.Transcript.Add("close", Label, new JsonObject { ["code"] = closed.Code, ["reason"] = closed.Reason });
        if (code is not null && closed.Code != code)
        {
            throw new ConformanceFailureException($"{Label} is closed with code {code}", closed.Code is null ? "the connection dropped without a close frame" : $"close code {closed.Code} \"{closed.Reason}\"");
        }

        return closed;
    }

    /// <summary>Expects the CLOSE event (with <c>response.code</c>) followed by the close frame with the same code.</summary>
    public async Task<Frame> ExpectServerCloseAsync(int code, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var frame = await ExpectAsync(Wire.Close, null, $"a CLOSE event with code {code}", timeout, cancellationToken).ConfigureAwait(false);
        if (frame.Int("code") != code)
        {
            throw new ConformanceFailureException($"CLOSE event with response.code {code}", frame.Text);
        }

        if (frame.Bool("retryable") is null || frame.Str("reason") is null)
        {
            throw new ConformanceFailureException("CLOSE event carries reason (string) and retryable (bool)", frame.Text);
        }

        if (CloseCodes.Retryable.TryGetValue(code, out var retryable) && frame.Bool("retryable") != retryable)
        {
            throw new ConformanceFailureException($"CLOSE {code} has retryable = {retryable.ToString().ToLowerInvariant()} (registry)", frame.Text);
        }

        var closed = await ExpectCloseAsync(code, timeout, cancellationToken).ConfigureAwait(false);
        if (closed.Reason != frame.Str("reason"))
        {
            throw new ConformanceFailureException("the close frame's reason equals the CLOSE event's reason", $"close reason \"{closed.Reason}\", CLOSE event {frame.Text}");
        }

        var after = Unconsumed().Where(f => f.Ordinal > frame.Ordinal).ToList();
        if (after.Count > 0)
        {
            throw new ConformanceFailureException("no frame after the CLOSE event", after[0].Text);
        }

        return frame;
    }

    /// <summary>Whether the socket is still open.</summary>
    public bool IsOpen => _ws.State == WebSocketState.Open && Closed is null;

    /// <summary>Closes normally (1000) and waits briefly for the server's close frame.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        _ctx.Transcript.Add("client-close", Label, null);
        await CloseQuietlyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the TCP connection without a close handshake (a lost connection).</summary>
    public void Abort()
    {
        _ctx.Log.Add(Label, WireDirection.Note, "client aborts the connection (no close frame)");
        _ctx.Transcript.Add("client-abort", Label, null);
        _ws.Abort();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await CloseQuietlyAsync(CancellationToken.None).ConfigureAwait(false);
        await _cts.CancelAsync().ConfigureAwait(false);
        ResumeReading();
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _ws.Abort();
            }
        }

        _ws.Dispose();
        _cts.Dispose();
        _sendLock.Dispose();
    }

    /// <summary>Frames received but not consumed by any expectation (for diagnostics).</summary>
    public IReadOnlyList<Frame> Unconsumed()
    {
        lock (_gate)
        {
            return [.. _inbox];
        }
    }

    private async Task CloseQuietlyAsync(CancellationToken cancellationToken)
    {
        if (_ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                _ctx.Log.Add(Label, WireDirection.Close, "client sends close 1000");
                await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
                await WaitAsync(_loop ?? Task.CompletedTask, TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                _ws.Abort();
            }
        }
    }

    private async Task SendAsync(byte[] bytes, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _ws.SendAsync(bytes, type, true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            _ctx.Log.Add(Label, WireDirection.Note, "send failed: " + ex.Message);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task<Frame?> WaitForAsync(Func<Frame, bool> match, TimeSpan timeout, CancellationToken cancellationToken, bool consume = true, Func<Frame, string?>? poison = null)
    {
        var deadline = _ctx.Options.Time.GetUtcNow() + timeout;
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                var index = _inbox.FindIndex(f => match(f));
                if (index >= 0)
                {
                    var f = _inbox[index];
                    if (consume)
                    {
                        _inbox.RemoveAt(index);
                    }

                    return f;
                }

                foreach (var f in _inbox)
                {
                    if (poison?.Invoke(f) is { } problem)
                    {
                        _ctx.Transcript.Add("recv", Label, f.Json?.DeepClone() ?? JsonValue.Create(f.Text));
                        throw new ConformanceFailureException(problem.StartsWith("the reply", StringComparison.Ordinal) ? "replies in command order, each carrying its command's cid" : "the reply carries the command's cid", problem + ": " + f.Text);
                    }
                }

                if (_closed is not null)
                {
                    return null;
                }

                wait = _changed.Task;
            }

            var remaining = deadline - _ctx.Options.Time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return null;
            }

            await WaitAsync(wait, remaining, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WaitAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The caller re-checks its condition and deadline.
        }
    }

    private string DescribeUnconsumed()
    {
        var frames = Unconsumed().Where(f => f.Event != Wire.Ping).ToList();
        var closed = Closed;
        var sb = new StringBuilder();
        sb.Append(frames.Count == 0 ? "no other frames" : $"{frames.Count} other frame(s): ");
        foreach (var f in frames.TakeLast(5))
        {
            sb.Append(f.Text.Length > 300 ? f.Text[..300] + "..." : f.Text).Append(' ');
        }

        if (closed is not null && !_closeConsumed)
        {
            sb.Append($"; connection closed (code {closed.Code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} \"{closed.Reason}\")");
        }

        return sb.ToString().Trim();
    }

    private void Signal()
    {
        TaskCompletionSource old;
        lock (_gate)
        {
            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        old.TrySetResult();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_cts.IsCancellationRequested)
            {
                Task resume;
                lock (_gate)
                {
                    resume = _resume.Task;
                }

                await resume.WaitAsync(_cts.Token).ConfigureAwait(false);
                var result = await _ws.ReceiveAsync(buffer, _cts.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var code = (int?)result.CloseStatus ?? (int?)_ws.CloseStatus;
                    var reason = result.CloseStatusDescription ?? _ws.CloseStatusDescription;
                    _ctx.Log.Add(Label, WireDirection.Close, $"server close {code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(no code)"} \"{reason}\"");
                    lock (_gate)
                    {
                        _closed = new CloseInfo(code, reason);
                    }

                    Signal();
                    try
                    {
                        using var t = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, t.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
                    {
                        // Already closed.
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var bytes = message.ToArray();
                message.SetLength(0);
                var binary = result.MessageType == WebSocketMessageType.Binary;
                var text = binary ? WireLog.Hex(bytes) : Encoding.UTF8.GetString(bytes);
                _ctx.Log.Add(Label, binary ? WireDirection.ReceiveBinary : WireDirection.ReceiveText, text);
                var frame = Frame.Parse(text, binary, _ctx.Elapsed.TotalMilliseconds);
                frame.Ordinal = ++_received;
                CheckEnvelope(frame);
                lock (_gate)
                {
                    _inbox.Add(frame);
                }

                Signal();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            if (!_cts.IsCancellationRequested)
            {
                _ctx.Log.Add(Label, WireDirection.Close, "connection lost: " + ex.Message);
            }

            lock (_gate)
            {
                _closed ??= new CloseInfo(_ws.CloseStatus is { } s ? (int)s : null, _ws.CloseStatusDescription ?? "connection lost");
            }

            Signal();
        }
    }

    private readonly HashSet<string> _sentCids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sentOrder = new(StringComparer.Ordinal);
    private long _sendCounter;

    /// <summary>Generic checks applied to every received frame (SB-ENV-001, SB-ENV-003, SB-ENV-004).</summary>
    private void CheckEnvelope(Frame frame)
    {
        string? problem = null;
        if (frame.IsBinary)
        {
            problem = "SB-ENV-001: every event is a text frame (got a binary frame)";
        }
        else if (frame.Json is not JsonObject)
        {
            problem = "SB-ENV-001: every event is one JSON object";
        }
        else if (frame.Event is null || frame.Response is null)
        {
            problem = "SB-ENV-003: every event has an `event` string and a `response` object";
        }
        else if (frame.Cid is not null)
        {
            lock (_sentCids)
            {
                if (!_sentCids.Contains(frame.Cid))
                {
                    problem = $"SB-ENV-004: cid appears only on the reply to a command that carried it (\"{frame.Cid}\" was never sent on {Label})";
                }
            }
        }

        if (problem is not null)
        {
            _ctx.AddEnvelopeViolation(problem, frame.Text);
            return;
        }

        // Wire conventions from the spec on every frame (order, no null, timestamps, cid on success replies).
        foreach (var finding in Spec.FrameRules.Check((JsonObject)frame.Json!))
        {
            _ctx.AddFrameFinding(finding, frame.Text);
        }
    }

    private void RememberCid(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject o)
            {
                return;
            }

            if (o["cid"] is JsonValue v && v.TryGetValue<string>(out var cid))
            {
                lock (_sentCids)
                {
                    _sentCids.Add(cid);
                    _sentOrder[cid] = ++_sendCounter;
                }
            }

            // After the cid: a command name with a lone-surrogate escape cannot be read (SB-CODEC-018), but its cid counts.
            if (o["command"] is JsonValue c && c.TryGetValue<string>(out var command))
            {
                _ctx.RecordUsage("command:" + command);
                if (command == Wire.JoinRoom && o["request"] is JsonObject r && r["since"] is not null)
                {
                    _ctx.RecordUsage(Spec.RequirementCapabilities.JoinRoomWithSince);
                }
            }
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            // Not JSON, or a cid or command that is not readable text (SB-CODEC-018).
        }
    }

    private static JsonNode? ParseOrString(string text)
    {
        try
        {
            // Depth 32 keeps recorded transcripts writable; deeper frames are recorded as raw text, and so are frames
            // with a string that is not text (a lone-surrogate escape, SB-CODEC-018), which cannot be scrubbed.
            return HasUndecodableString(text)
                ? new JsonObject { ["raw_text"] = text }
                : JsonNode.Parse(text, null, new System.Text.Json.JsonDocumentOptions { MaxDepth = 32 }) ?? JsonValue.Create(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return new JsonObject { ["raw_text"] = text };
        }
    }

    // Valid JSON syntax whose \u escapes are not valid UTF-16: System.Text.Json parses it but refuses GetString.
    private static bool HasUndecodableString(string text)
    {
        var reader = new System.Text.Json.Utf8JsonReader(Encoding.UTF8.GetBytes(text));
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is System.Text.Json.JsonTokenType.String or System.Text.Json.JsonTokenType.PropertyName)
                {
                    reader.GetString();
                }
            }

            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false; // not JSON at all: the caller records it as raw text
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var t = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        t.SetResult();
        return t;
    }
}
