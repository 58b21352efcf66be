namespace Switchboard.LoadTest.Scenarios;

/// <summary>
/// Flow control by delivery: each slot is one message in flight; it is free again when every expected receiver
/// got it (counted at the receivers, not by a server acknowledgement), or when the watchdog gives up on it.
/// </summary>
internal sealed class SlotTable
{
    private readonly int[] remaining;
    private readonly int[] generation;
    private readonly long[] sentAt;
    private readonly Action<int, int> send;
    private readonly int expected;
    private long deliveries;
    private long completed;
    private long published;
    private long stalls;

    /// <summary>Initializes a new instance of the <see cref="SlotTable"/> class.</summary>
    /// <param name="slots">Number of slots (publishers x in flight).</param>
    /// <param name="expected">Deliveries that complete one message.</param>
    /// <param name="send">Sends (slot, generation).</param>
    public SlotTable(int slots, int expected, Action<int, int> send)
    {
        remaining = new int[slots];
        generation = new int[slots];
        sentAt = new long[slots];
        this.expected = expected;
        this.send = send;
    }

    /// <summary>Gets the latency histogram (publish to deliver, every delivery).</summary>
    public LatencyHistogram Histogram { get; } = new();

    /// <summary>Gets or sets a value indicating whether completed slots are refilled.</summary>
    public bool Running { get; set; }

    /// <summary>Gets or sets the upper bound of messages published.</summary>
    public long MaxMessages { get; set; } = long.MaxValue;

    /// <summary>Gets the deliveries counted at receivers.</summary>
    public long Deliveries => Interlocked.Read(ref deliveries);

    /// <summary>Gets the messages delivered to every expected receiver.</summary>
    public long Completed => Interlocked.Read(ref completed);

    /// <summary>Gets the messages published.</summary>
    public long Published => Interlocked.Read(ref published);

    /// <summary>Gets the messages the watchdog gave up on.</summary>
    public long Stalls => Interlocked.Read(ref stalls);

    /// <summary>Gets the number of slots.</summary>
    public int Count => remaining.Length;

    /// <summary>Gets a value indicating whether no message is in flight.</summary>
    public bool Idle => Array.TrueForAll(remaining, r => r <= 0);

    /// <summary>Publishes into <paramref name="slot"/>.</summary>
    /// <param name="slot">The slot.</param>
    public void Fire(int slot)
    {
        if (Interlocked.Increment(ref published) > MaxMessages)
        {
            Interlocked.Decrement(ref published);
            Volatile.Write(ref remaining[slot], 0);
            return;
        }

        var gen = Interlocked.Increment(ref generation[slot]);
        Volatile.Write(ref remaining[slot], expected);
        Volatile.Write(ref sentAt[slot], Clock.Now);
        send(slot, gen);
    }

    /// <summary>Counts one delivery seen at a receiver.</summary>
    /// <param name="slot">Slot from the payload.</param>
    /// <param name="gen">Generation from the payload.</param>
    /// <param name="timestamp">Send time from the payload.</param>
    public void Deliver(int slot, int gen, long timestamp)
    {
        Histogram.RecordSince(timestamp);
        Interlocked.Increment(ref deliveries);
        if ((uint)slot >= (uint)remaining.Length || Volatile.Read(ref generation[slot]) != gen)
        {
            return;
        }

        if (Interlocked.Decrement(ref remaining[slot]) == 0)
        {
            Interlocked.Increment(ref completed);
            if (Running)
            {
                Fire(slot);
            }
        }
    }

    /// <summary>Re-fires slots whose message has not completed within <paramref name="timeout"/>.</summary>
    /// <param name="timeout">Give-up time.</param>
    public void Watchdog(TimeSpan timeout)
    {
        for (var slot = 0; slot < remaining.Length; slot++)
        {
            if (Volatile.Read(ref remaining[slot]) > 0 && Clock.Since(Volatile.Read(ref sentAt[slot])) > timeout)
            {
                Interlocked.Increment(ref stalls);
                if (Running)
                {
                    Fire(slot);
                }
                else
                {
                    Volatile.Write(ref remaining[slot], 0);
                }
            }
        }
    }
}
