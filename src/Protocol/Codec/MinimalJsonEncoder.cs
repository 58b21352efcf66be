using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;

namespace Switchboard.Protocol.Codec;

/// <summary>
/// Escapes only what JSON requires: <c>"</c>, <c>\</c> and control characters below U+0020 (as <c>\b \f \n \r \t</c>
/// or <c>\u00xx</c>). Everything else, including non-ASCII and characters outside the BMP, is written as UTF-8, so the
/// output matches the canonical vector form (Python <c>json.dumps(ensure_ascii=False)</c>) byte for byte. Unpaired
/// surrogates are replaced with U+FFFD, so the writer never emits invalid UTF-8 (SB-ENV-017).
/// Frames go to WebSocket peers, never into HTML, so HTML-sensitive characters need no escaping.
/// </summary>
internal sealed class MinimalJsonEncoder : JavaScriptEncoder
{
    public static readonly MinimalJsonEncoder Instance = new();

    private static readonly SearchValues<char> s_charsToEscapeOrSurrogates = SearchValues.Create(
        [.. EscapedAscii(), .. Enumerable.Range(0xD800, 0x800).Select(c => (char)c)]);
    private static readonly SearchValues<byte> s_bytesToEscape = SearchValues.Create(EscapedAscii().Select(c => (byte)c).ToArray());

    private MinimalJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6; // \u00xx

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is < 0x20 or '"' or '\\';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var span = new ReadOnlySpan<char>(text, textLength);
        var offset = 0;
        while (true)
        {
            // One vectorized search for '"', '\\', controls and surrogates; most text has none of them.
            var hit = span[offset..].IndexOfAny(s_charsToEscapeOrSurrogates);
            if (hit < 0)
            {
                return -1;
            }

            var i = offset + hit;
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                offset = i + 2; // a valid pair is written as is
                continue;
            }

            return i; // an escape, or an unpaired surrogate (the encoder substitutes U+FFFD)
        }
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        var escape = utf8Text.IndexOfAny(s_bytesToEscape);
        var prefix = escape < 0 ? utf8Text : utf8Text[..escape];
        if (System.Text.Unicode.Utf8.IsValid(prefix))
        {
            return escape;
        }

        // Rare: invalid UTF-8 before the first escape; find it so the encoder substitutes U+FFFD.
        var i = 0;
        while (i < prefix.Length)
        {
            if (Rune.DecodeFromUtf8(prefix[i..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return i;
            }

            i += consumed;
        }

        return escape;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var destination = new Span<char>(buffer, bufferLength);
        ReadOnlySpan<char> escape = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\b' => "\\b",
            '\f' => "\\f",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            _ => default,
        };

        if (!escape.IsEmpty)
        {
            return Copy(escape, destination, out numberOfCharactersWritten);
        }

        if (unicodeScalar < 0x20)
        {
            const string Hex = "0123456789abcdef";
            if (destination.Length < 6)
            {
                numberOfCharactersWritten = 0;
                return false;
            }

            destination[0] = '\\';
            destination[1] = 'u';
            destination[2] = '0';
            destination[3] = '0';
            destination[4] = Hex[unicodeScalar >> 4];
            destination[5] = Hex[unicodeScalar & 0xF];
            numberOfCharactersWritten = 6;
            return true;
        }

        // Not escaped (e.g. the U+FFFD replacement of an invalid sequence): write it as is.
        var rune = Rune.IsValid(unicodeScalar) ? new Rune(unicodeScalar) : Rune.ReplacementChar;
        return rune.TryEncodeToUtf16(destination, out numberOfCharactersWritten);
    }

    private static char[] EscapedAscii()
    {
        var chars = new List<char> { '"', '\\' };
        for (var c = '\0'; c < ' '; c++)
        {
            chars.Add(c);
        }

        return chars.ToArray();
    }

    private static bool Copy(ReadOnlySpan<char> text, Span<char> destination, out int written)
    {
        if (text.TryCopyTo(destination))
        {
            written = text.Length;
            return true;
        }

        written = 0;
        return false;
    }
}
