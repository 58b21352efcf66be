namespace Switchboard.LoadTest;

/// <summary>
/// A fixed-bucket, lock-free latency histogram in the spirit of HdrHistogram: values in microseconds,
/// exact below 64 µs, then 32 linear buckets per power of two (reported values at most 3.2 % high), up to ~1.2 h.
/// Thread-safe: <see cref="Record"/> is one interlocked increment.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int Magnitudes = 32 - SubBucketBits;
    private readonly long[] counts = new long[(Magnitudes + 1) * SubBuckets];
    private long total;
    private long max;

    /// <summary>Gets the number of recorded values.</summary>
    public long Count => Interlocked.Read(ref total);

    /// <summary>Records one latency.</summary>
    /// <param name="microseconds">The value; negative values count as 0, huge values are clamped.</param>
    public void Record(long microseconds)
    {
        var v = Math.Clamp(microseconds, 0, (1L << 32) - 1);
        Interlocked.Increment(ref counts[IndexOf(v)]);
        Interlocked.Increment(ref total);
        long seen;
        while (v > (seen = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, v, seen) != seen)
        {
        }
    }

    /// <summary>Records the time elapsed since <paramref name="startTimestamp"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    /// <param name="startTimestamp">Start, from <see cref="Clock.Now"/>.</param>
    public void RecordSince(long startTimestamp) => Record((long)Clock.Since(startTimestamp).TotalMicroseconds);

    /// <summary>Clears every count (used at the end of a warm-up).</summary>
    public void Reset()
    {
        Array.Clear(counts);
        Interlocked.Exchange(ref total, 0);
        Interlocked.Exchange(ref max, 0);
    }

    /// <summary>Returns the value at <paramref name="percentile"/> (0-100) in milliseconds, or 0 when empty.</summary>
    /// <param name="percentile">Percentile, e.g. 99.</param>
    /// <returns>The upper bound of the bucket holding that percentile, in ms.</returns>
    public double PercentileMs(double percentile)
    {
        var n = Count;
        if (n == 0)
        {
            return 0;
        }

        if (percentile >= 100)
        {
            return Volatile.Read(ref max) / 1000.0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * n));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += Volatile.Read(ref counts[i]);
            if (seen >= rank)
            {
                return Math.Min(UpperBoundOf(i), Volatile.Read(ref max)) / 1000.0;
            }
        }

        return Volatile.Read(ref max) / 1000.0;
    }

    internal static int IndexOf(long value)
    {
        if (value < SubBuckets)
        {
            return (int)value;
        }

        var magnitude = 63 - (int)long.LeadingZeroCount(value) - SubBucketBits + 1; // >= 1
        var sub = (int)(value >> magnitude) - (SubBuckets / 2); // 0..31: the upper half of each magnitude
        return SubBuckets + ((magnitude - 1) * (SubBuckets / 2)) + sub;
    }

    internal static long UpperBoundOf(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        var half = SubBuckets / 2;
        var magnitude = ((index - SubBuckets) / half) + 1;
        var sub = (index - SubBuckets) % half;
        return ((long)(sub + half + 1) << magnitude) - 1;
    }
}
