namespace Switchboard.LoadTest;

/// <summary>High-resolution monotonic time through <see cref="TimeProvider"/> (one clock for the whole run).</summary>
internal static class Clock
{
    /// <summary>Gets the time source (the system clock; a test may not replace it because latencies are real).</summary>
    public static TimeProvider Time { get; } = TimeProvider.System;

    /// <summary>Gets the current monotonic timestamp.</summary>
    public static long Now => Time.GetTimestamp();

    /// <summary>Returns the time elapsed since <paramref name="start"/>.</summary>
    /// <param name="start">A timestamp from <see cref="Now"/>.</param>
    /// <returns>The elapsed time.</returns>
    public static TimeSpan Since(long start) => Time.GetElapsedTime(start);
}
