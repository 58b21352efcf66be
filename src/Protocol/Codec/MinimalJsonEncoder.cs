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

    private MinimalJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6; // \u00xx

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is < 0x20 or '"' or '\\';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var span = new ReadOnlySpan<char>(text, textLength);
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c < 0x20 || c == '"' || c == '\\')
            {
                return i;
            }

            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
                {
                    i++;
                    continue;
                }

                return i; // unpaired: let the encoder substitute U+FFFD
            }
        }

        return -1;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        var i = 0;
        while (i < utf8Text.Length)
        {
            var b = utf8Text[i];
            if (b < 0x80)
            {
                if (b < 0x20 || b == (byte)'"' || b == (byte)'\\')
                {
                    return i;
                }

                i++;
                continue;
            }

            if (Rune.DecodeFromUtf8(utf8Text[i..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return i; // invalid UTF-8: let the encoder substitute U+FFFD
            }

            i += consumed;
        }

        return -1;
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
