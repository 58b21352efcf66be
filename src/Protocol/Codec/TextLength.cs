namespace Switchboard.Protocol.Codec;

/// <summary>
/// The one length rule of the protocol (PROTOCOL.md section 7): a string's length is its number of Unicode scalar
/// values (code points), not UTF-16 units and not bytes — a title of 200 emoji is 200 characters long. The generated
/// readers (minLength/maxLength) and every hand-written check (work-order title/body/comment, push topic) use it.
/// </summary>
public static class TextLength
{
    /// <summary>The number of code points of <paramref name="value"/> (a surrogate pair counts once; a lone surrogate once).</summary>
    public static int Count(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var count = value.Length;
        for (var i = 1; i < value.Length; i++)
        {
            if (char.IsLowSurrogate(value[i]) && char.IsHighSurrogate(value[i - 1]))
            {
                count--;
            }
        }

        return count;
    }

    /// <summary>Whether <paramref name="value"/> has <paramref name="min"/> to <paramref name="max"/> code points.</summary>
    public static bool IsWithin(string value, long min, long max)
    {
        ArgumentNullException.ThrowIfNull(value);

        // A code point is 1 or 2 UTF-16 units: count only when the UTF-16 length cannot decide.
        if ((min <= 0 || (min <= int.MaxValue && value.Length >= 2 * min)) && value.Length <= max)
        {
            return true;
        }

        if (value.Length < min || (max <= long.MaxValue / 2 && value.Length > 2 * max))
        {
            return false;
        }

        var count = Count(value);
        return count >= min && count <= max;
    }
}
