using System.Text;

namespace Switchboard.Server.Redis.Routing;

/// <summary>
/// The payload of every cluster pub/sub message: a one-line header <c>kind|origin-node|arg</c>, a newline, then the
/// frame bytes exactly as connections receive them (serialized once by the publisher, written unchanged by receivers).
/// Kinds: <c>d</c> durable user event (arg = seq), <c>m</c> room message (arg = room_seq), <c>l</c> live frame for a
/// user, <c>g</c> namespace broadcast and <c>o</c> role broadcast (arg = client id to skip, may be empty),
/// <c>p</c> room push, <c>e</c>/<c>x</c> room enter/leave (arg = client id).
/// </summary>
internal readonly record struct BusMessage(char Kind, string Origin, string Arg, ReadOnlyMemory<byte> Frame)
{
    public static byte[] Build(char kind, string origin, string arg, ReadOnlySpan<byte> frame)
    {
        var header = $"{kind}|{origin}|{arg}\n";
        var bytes = new byte[Encoding.UTF8.GetByteCount(header) + frame.Length];
        var written = Encoding.UTF8.GetBytes(header, bytes);
        frame.CopyTo(bytes.AsSpan(written));
        return bytes;
    }

    public static bool TryParse(byte[]? payload, out BusMessage message)
    {
        message = default;
        if (payload is null)
        {
            return false;
        }

        var newline = Array.IndexOf(payload, (byte)'\n');
        if (newline < 4 || payload[1] != (byte)'|')
        {
            return false;
        }

        var header = Encoding.UTF8.GetString(payload, 2, newline - 2);
        var bar = header.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0)
        {
            return false;
        }

        message = new BusMessage((char)payload[0], header[..bar], header[(bar + 1)..], payload.AsMemory(newline + 1));
        return true;
    }

    public long ArgAsLong => long.Parse(Arg, System.Globalization.CultureInfo.InvariantCulture);
}
