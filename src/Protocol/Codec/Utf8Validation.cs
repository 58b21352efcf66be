using System.Buffers;
using System.Text.Unicode;

namespace Switchboard.Protocol.Codec;

/// <summary>UTF-8 validation of a possibly segmented frame (sequences may straddle segment boundaries).</summary>
internal static class Utf8Validation
{
    public static bool IsValid(in ReadOnlySequence<byte> input)
    {
        if (input.IsSingleSegment)
        {
            return Utf8.IsValid(input.FirstSpan);
        }

        Span<byte> carry = stackalloc byte[4];
        var carryLength = 0;
        foreach (var memory in input)
        {
            var span = memory.Span;
            if (carryLength > 0)
            {
                // Complete the sequence that started at the end of the previous segment.
                var expected = SequenceLength(carry[0]);
                var take = Math.Min(expected - carryLength, span.Length);
                span[..take].CopyTo(carry[carryLength..]);
                carryLength += take;
                span = span[take..];
                if (carryLength < expected)
                {
                    continue; // tiny segment; keep collecting
                }

                if (!Utf8.IsValid(carry[..carryLength]))
                {
                    return false;
                }

                carryLength = 0;
            }

            var incomplete = IncompleteTailLength(span);
            if (!Utf8.IsValid(span[..^incomplete]))
            {
                return false;
            }

            span[^incomplete..].CopyTo(carry);
            carryLength = incomplete;
        }

        return carryLength == 0;
    }

    /// <summary>Length of a trailing lead byte plus continuation bytes that do not yet form a whole sequence (0-3).</summary>
    private static int IncompleteTailLength(ReadOnlySpan<byte> span)
    {
        for (var i = 1; i <= 3 && i <= span.Length; i++)
        {
            var b = span[^i];
            if ((b & 0xC0) == 0x80)
            {
                continue; // continuation byte: look further back for the lead byte
            }

            if (b >= 0xC0)
            {
                return i < SequenceLength(b) ? i : 0;
            }

            return 0; // ASCII
        }

        return 0;
    }

    private static int SequenceLength(byte lead) => lead switch
    {
        >= 0xF0 => 4,
        >= 0xE0 => 3,
        _ => 2,
    };
}
