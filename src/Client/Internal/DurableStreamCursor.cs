namespace Switchboard.Client.Internal;

/// <summary>
/// The client's position in its durable stream: the epoch, the last <c>seq</c> delivered (to resume with <c>since</c> and
/// drop duplicates) and the last <c>seq</c> confirmed with <c>RECEIVED</c>.
/// </summary>
internal sealed class DurableStreamCursor
{
    private readonly Lock _gate = new();
    private string? _epoch;
    private long _lastSeq;
    private long _ackedSeq;

    /// <summary>Epoch and last seq delivered.</summary>
    public SwitchboardStreamPosition Position
    {
        get
        {
            lock (_gate)
            {
                return new SwitchboardStreamPosition(_epoch, _lastSeq);
            }
        }
    }

    /// <summary>Adopts the epoch of a new connection; a different epoch is a new stream whose numbering starts afresh. Returns the previous position.</summary>
    public SwitchboardStreamPosition Adopt(string epoch)
    {
        lock (_gate)
        {
            var previous = new SwitchboardStreamPosition(_epoch, _lastSeq);
            if (!string.Equals(_epoch, epoch, StringComparison.Ordinal))
            {
                _lastSeq = 0;
                _ackedSeq = 0;
            }

            _epoch = epoch;
            return previous;
        }
    }

    /// <summary>Whether a durable event with <paramref name="seq"/> was delivered already; <paramref name="last"/> is the last seq delivered.</summary>
    public bool IsDuplicate(long seq, out long last)
    {
        lock (_gate)
        {
            last = _lastSeq;
            return seq <= last;
        }
    }

    /// <summary>Records that the durable event <paramref name="seq"/> was delivered to the application.</summary>
    public void MarkDelivered(long seq)
    {
        lock (_gate)
        {
            _lastSeq = seq;
        }
    }

    /// <summary>Whether at least <paramref name="batchSize"/> delivered events are not confirmed yet (0 = never).</summary>
    public bool IsAcknowledgementDue(int batchSize)
    {
        lock (_gate)
        {
            return batchSize > 0 && _lastSeq - _ackedSeq >= batchSize;
        }
    }

    /// <summary>The seq to confirm with <c>RECEIVED</c>; <see langword="null"/> when nothing new was delivered.</summary>
    public long? Unacknowledged()
    {
        lock (_gate)
        {
            return _lastSeq > _ackedSeq ? _lastSeq : null;
        }
    }

    /// <summary>Records that <c>RECEIVED</c> with <paramref name="seq"/> was sent.</summary>
    public void MarkAcknowledged(long seq)
    {
        lock (_gate)
        {
            _ackedSeq = Math.Max(_ackedSeq, seq);
        }
    }
}
