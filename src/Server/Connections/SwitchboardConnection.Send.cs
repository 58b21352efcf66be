using System.Net.WebSockets;
using Switchboard.Protocol;
using Switchboard.Server.Diagnostics;

namespace Switchboard.Server.Connections;

/// <summary>
/// The send side: a bounded queue (SB-LIM-004) drained by one writer at a time, and the delivery hold. The writer is not
/// a task that waits on an idle connection: queuing a frame schedules a drain on the thread pool (the connection is its
/// own work item, so scheduling allocates nothing), the drain sends synchronously while the transport accepts frames
/// synchronously, continues asynchronously only when a send has to wait, and ends when the queue is empty.
/// </summary>
internal sealed partial class SwitchboardConnection
{
    // The flow that greets this connection (GreetAsync): its frames pass the hold that keeps live events back.
    private static readonly AsyncLocal<SwitchboardConnection?> s_greeting = new();

    public bool TrySend(ReadOnlyMemory<byte> frame)
    {
        // Cheap check first: the hold is only active while the connection is greeted or a command that asked for it
        // is being handled.
        if (Volatile.Read(ref _held) is not null)
        {
            lock (_gate)
            {
                if (_held is not null && s_greeting.Value != this)
                {
                    _held.Add(frame);
                    return true;
                }
            }
        }

        return TrySendNow(frame);
    }

    /// <summary>
    /// Defers the frames queued through <see cref="TrySend"/> until <see cref="ReleaseHeld"/>, so that the reply to the
    /// command being handled reaches the client before the events that command caused on this same connection (e.g.
    /// the sender's own durable copy of a conversation message, SB-CS-016) — without reordering those events.
    /// </summary>
    internal void HoldDeliveries()
    {
        lock (_gate)
        {
            _held ??= [];
        }
    }

    /// <summary>
    /// Runs the connect-time greetings (lifecycle handlers, e.g. an agent's DAY_ACCESS, SB-CS-027) so that what they
    /// send reaches the client right after CONNECT and replay, ahead of the live events that arrived since the
    /// connection was registered: the caller holds deliveries (<see cref="HoldDeliveries"/>) before registering and
    /// releases them (<see cref="ReleaseHeld"/>) after this returns. Sends from other flows stay held.
    /// </summary>
    internal async Task GreetAsync(Func<Task> greet)
    {
        // An AsyncLocal set inside an async method reverts when it returns, so the scope ends with the greeting.
        s_greeting.Value = this;
        await greet().ConfigureAwait(false);
    }

    /// <summary>Queues the held frames in order and ends the hold.</summary>
    internal void ReleaseHeld()
    {
        lock (_gate)
        {
            if (_held is not { } held)
            {
                return;
            }

            // Flush before clearing, under the lock (re-entrant): a concurrent TrySend waits and lands after the held frames.
            foreach (var frame in held)
            {
                TrySendNow(frame);
            }

            _held = null;
        }
    }

    /// <summary>Queues a frame now, ignoring an active hold (the command's own reply).</summary>
    internal bool TrySendNow(ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _closing) != 0)
        {
            return false;
        }

        var frames = Interlocked.Increment(ref _queuedFrames);
        var bytes = Interlocked.Add(ref _queuedBytes, frame.Length);
        var limits = _services.Options.Limits;
        if (frames > limits.SendQueueMaxFrames || bytes > limits.SendQueueMaxBytes)
        {
            Interlocked.Decrement(ref _queuedFrames);
            Interlocked.Add(ref _queuedBytes, -frame.Length);
            Log.SlowConsumer(_services.Logger, ClientId, frames, bytes);
            StartClose(Protocol.CloseCode.SlowConsumer, CloseReasons.SlowConsumer, discardQueued: true);
            return false;
        }

        return Enqueue(new OutFrame(frame, Control: false), complete: false);
    }

    /// <summary>Queues a frame ignoring the queue bounds (CONNECT, resume replay, CLOSE).</summary>
    public bool SendForced(ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _closing) != 0)
        {
            return false;
        }

        Interlocked.Increment(ref _queuedFrames);
        Interlocked.Add(ref _queuedBytes, frame.Length);
        return Enqueue(new OutFrame(frame, Control: false), complete: false);
    }

    /// <summary>
    /// Completes when the send queue holds at most <paramref name="maxBytes"/> bytes and <paramref name="maxFrames"/>
    /// frames (the writer drained it), so that a paged replay can queue its next page within the queue bound. Starts the
    /// writer if needed. Throws <see cref="OperationCanceledException"/> if the writer stopped (transport failed or the
    /// connection closed) or <paramref name="cancellationToken"/> fires. Only one waiter at a time (the replay).
    /// </summary>
    internal Task WaitForQueueRoomAsync(long maxBytes, long maxFrames, CancellationToken cancellationToken)
    {
        StartWriter();
        if (QueueWithin(maxBytes, maxFrames))
        {
            return Task.CompletedTask;
        }

        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _roomBytes, maxBytes);
        Volatile.Write(ref _roomFrames, maxFrames);
        Volatile.Write(ref _roomWaiter, waiter);

        // Re-check after publishing the waiter: the writer may have drained (or stopped) in between.
        if (Volatile.Read(ref _writerExited))
        {
            waiter.TrySetCanceled(CancellationToken.None);
        }
        else if (QueueWithin(maxBytes, maxFrames))
        {
            waiter.TrySetResult();
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }

    private bool QueueWithin(long maxBytes, long maxFrames)
        => Interlocked.Read(ref _queuedBytes) <= maxBytes && Interlocked.Read(ref _queuedFrames) <= maxFrames;

    private void SignalQueueRoom()
    {
        if (Volatile.Read(ref _roomWaiter) is { } waiter && QueueWithin(Volatile.Read(ref _roomBytes), Volatile.Read(ref _roomFrames)))
        {
            Interlocked.CompareExchange(ref _roomWaiter, null, waiter);
            waiter.TrySetResult();
        }
    }

    /// <summary>
    /// Queues <paramref name="frame"/> (counted by the caller) and, with <paramref name="complete"/>, accepts nothing after
    /// it. Schedules a drain when the writer is started and idle. False (and the count undone) once the queue is complete.
    /// </summary>
    private bool Enqueue(OutFrame frame, bool complete)
    {
        bool schedule;
        lock (_gate)
        {
            if (_queueCompleted)
            {
                Interlocked.Decrement(ref _queuedFrames);
                Interlocked.Add(ref _queuedBytes, -frame.Data.Length);
                return false;
            }

            _queue.Enqueue(frame);
            _services.Metrics.QueueChanged(1);
            _queueCompleted = complete;
            schedule = ScheduleDrainLocked();
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        return true;
    }

    /// <summary>Accepts no more frames; the writer sends what is queued, then finishes (the close frame, if any).</summary>
    private void CompleteQueue()
    {
        bool schedule;
        lock (_gate)
        {
            if (_queueCompleted)
            {
                return;
            }

            _queueCompleted = true;
            schedule = ScheduleDrainLocked();
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Lets queued frames go out (before this, frames only queue: CONNECT ordering, see the gateway).</summary>
    public void StartWriter()
    {
        bool schedule;
        lock (_gate)
        {
            if (_writerStarted)
            {
                return;
            }

            _writerStarted = true;
            schedule = ScheduleDrainLocked();
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private bool ScheduleDrainLocked()
    {
        if (!_writerStarted || _draining || _writerExited || (_queue.Count == 0 && !_queueCompleted))
        {
            return false;
        }

        _draining = true;
        return true;
    }

    /// <summary>The scheduled drain: sends synchronously while the transport completes sends synchronously.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        try
        {
            while (true)
            {
                var step = TakeNext(out var frame);
                if (step == DrainStep.Idle)
                {
                    return;
                }

                if (step == DrainStep.Finish)
                {
                    _ = FinishWriterAsync();
                    return;
                }

                if (_discardQueued && !frame.Control)
                {
                    continue;
                }

                var send = _socket.SendAsync(frame.Data, WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression, _abortCts.Token);
                if (!send.IsCompletedSuccessfully)
                {
                    _ = DrainAsync(send, frame);
                    return;
                }

                send.GetAwaiter().GetResult();
                OnSent(frame);
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            FailWriter(ex);
        }
    }

    /// <summary>The drain after a send that has to wait (or with the test fault seam active).</summary>
    private async Task DrainAsync(ValueTask pending, OutFrame? pendingFrame)
    {
        var ct = _abortCts.Token;
        try
        {
            if (pendingFrame is { } sending)
            {
                await pending.ConfigureAwait(false);
                OnSent(sending);
            }

            while (true)
            {
                var step = TakeNext(out var frame);
                if (step == DrainStep.Idle)
                {
                    return;
                }

                if (step == DrainStep.Finish)
                {
                    break;
                }

                if (_discardQueued && !frame.Control)
                {
                    continue;
                }

                await _socket.SendAsync(frame.Data, WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression, ct).ConfigureAwait(false);
                OnSent(frame);
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            FailWriter(ex);
            return;
        }

        await FinishWriterAsync().ConfigureAwait(false);
    }

    /// <summary>Takes the next frame; when there is none, the drain ends (<see cref="DrainStep.Idle"/>) or, once the queue is complete, finishes.</summary>
    private DrainStep TakeNext(out OutFrame frame)
    {
        lock (_gate)
        {
            if (!_queue.TryDequeue(out frame))
            {
                if (_queueCompleted)
                {
                    return DrainStep.Finish; // _draining stays set: nothing else may start a drain now
                }

                _draining = false;
                return DrainStep.Idle;
            }
        }

        Interlocked.Decrement(ref _queuedFrames);
        Interlocked.Add(ref _queuedBytes, -frame.Data.Length);
        _services.Metrics.QueueChanged(-1);
        SignalQueueRoom();
        return DrainStep.Send;
    }

    private void OnSent(OutFrame frame)
    {
        _services.Metrics.MessageSent(frame.Data.Length);
        if (frame.Control)
        {
            _discardQueued = true; // SB-CLOSE-002: nothing after CLOSE, even a frame that raced the close
        }
    }

    /// <summary>The queue is complete and sent: send the close frame of a server-initiated close, then exit.</summary>
    private async Task FinishWriterAsync()
    {
        try
        {
            if (CloseCode is { } code && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(_closeHandshakeTimeout, _services.Time);
                await _socket.CloseOutputAsync((WebSocketCloseStatus)(int)code, _closeReason, timeout.Token).ConfigureAwait(false);

                // SB-CLOSE-006: from now on the client has the full close-handshake timeout to answer with its close frame.
                Interlocked.Exchange(ref _closeDeadline, null)?.Dispose();
                _ = AbortIfNotClosedAsync();
            }
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            Log.TransportError(_services.Logger, ClientId, ex);
            Abort();
        }
        finally
        {
            WriterExited();
        }
    }

    private void FailWriter(Exception ex)
    {
        Log.TransportError(_services.Logger, ClientId, ex);
        Abort();
        WriterExited();
    }

    /// <summary>The writer is gone for good: drop what is still queued, release waiters.</summary>
    private void WriterExited()
    {
        TaskCompletionSource? done;
        int frames;
        long bytes;
        lock (_gate)
        {
            _queueCompleted = true;
            _writerExited = true;
            (frames, bytes) = _queue.Clear();
            done = _writerDone;
        }

        if (frames > 0)
        {
            Interlocked.Add(ref _queuedFrames, -frames);
            Interlocked.Add(ref _queuedBytes, -bytes);
            _services.Metrics.QueueChanged(-frames);
        }

        // A paged replay waiting for the queue to drain must not wait for a writer that is gone.
        Interlocked.Exchange(ref _roomWaiter, null)?.TrySetCanceled(CancellationToken.None);
        done?.TrySetResult();
    }

    /// <summary>Completes when the writer has exited (after the queue was completed and sent, or the transport failed).</summary>
    private Task WriterExitedAsync()
    {
        lock (_gate)
        {
            return _writerExited ? Task.CompletedTask : (_writerDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    private bool WriterStarted
    {
        get
        {
            lock (_gate)
            {
                return _writerStarted;
            }
        }
    }

    private static bool IsTransportError(Exception ex) => ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException;

    private enum DrainStep
    {
        Send,
        Idle,
        Finish,
    }

    private readonly record struct OutFrame(ReadOnlyMemory<byte> Data, bool Control);

    /// <summary>
    /// FIFO of frames that allocates nothing for a single queued frame and drops its overflow queue when it empties, so
    /// an idle connection holds no queue storage.
    /// </summary>
    private struct FrameQueue
    {
        private OutFrame _head;
        private bool _hasHead;
        private Queue<OutFrame>? _rest;

        public readonly int Count => (_hasHead ? 1 : 0) + (_rest?.Count ?? 0);

        public void Enqueue(OutFrame frame)
        {
            // _head is always older than everything in _rest: it is filled only when both are empty.
            if (!_hasHead && _rest is null)
            {
                _head = frame;
                _hasHead = true;
            }
            else
            {
                (_rest ??= new Queue<OutFrame>()).Enqueue(frame);
            }
        }

        public bool TryDequeue(out OutFrame frame)
        {
            if (_hasHead)
            {
                frame = _head;
                _head = default;
                _hasHead = false;
                return true;
            }

            if (_rest is { } rest && rest.TryDequeue(out frame))
            {
                if (rest.Count == 0)
                {
                    _rest = null;
                }

                return true;
            }

            frame = default;
            return false;
        }

        public (int Frames, long Bytes) Clear()
        {
            var frames = 0;
            long bytes = 0;
            while (TryDequeue(out var frame))
            {
                frames++;
                bytes += frame.Data.Length;
            }

            return (frames, bytes);
        }
    }
}
