using System.Security.Cryptography;

namespace Switchboard.Server.Messaging;

/// <summary>
/// Server message ids: 26-character ULID-style strings (48-bit millisecond timestamp + 80 random bits, Crockford
/// base32), lexicographically sortable by creation time. Opaque to clients.
/// </summary>
public static class MessageIds
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>Creates a new id using <paramref name="timeProvider"/> for the timestamp part.</summary>
    public static string New(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var ms = (ulong)timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        return string.Create(26, (ms, random.ToArray()), static (span, state) =>
        {
            var (time, rnd) = state;
            for (var i = 9; i >= 0; i--)
            {
                span[i] = Alphabet[(int)(time & 31)];
                time >>= 5;
            }

            // 80 random bits -> 16 chars of 5 bits.
            ulong hi = ((ulong)rnd[0] << 32) | ((ulong)rnd[1] << 24) | ((ulong)rnd[2] << 16) | ((ulong)rnd[3] << 8) | rnd[4];
            ulong lo = ((ulong)rnd[5] << 32) | ((ulong)rnd[6] << 24) | ((ulong)rnd[7] << 16) | ((ulong)rnd[8] << 8) | rnd[9];
            for (var i = 17; i >= 10; i--)
            {
                span[i] = Alphabet[(int)(hi & 31)];
                hi >>= 5;
            }

            for (var i = 25; i >= 18; i--)
            {
                span[i] = Alphabet[(int)(lo & 31)];
                lo >>= 5;
            }
        });
    }
}
