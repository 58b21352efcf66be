using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Switchboard.Client.Internal;

/// <summary>Reads the <c>exp</c> claim of a JWT without validating it (the client only needs to know when to refresh).</summary>
internal static class JwtExpiry
{
    public static bool TryGetExpiry(string token, out DateTimeOffset expiresAt)
    {
        expiresAt = default;
        var first = token.IndexOf('.', StringComparison.Ordinal);
        if (first < 0)
        {
            return false;
        }

        var second = token.IndexOf('.', first + 1);
        if (second < 0)
        {
            return false;
        }

        var payload = token.AsSpan(first + 1, second - first - 1);
        var maxBytes = Base64Url.GetMaxDecodedLength(payload.Length);
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, maxBytes));
        try
        {
            if (Base64Url.DecodeFromChars(payload, rented, out _, out var written) != OperationStatus.Done)
            {
                return false;
            }

            var reader = new Utf8JsonReader(rented.AsSpan(0, written));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isExp = reader.ValueTextEquals("exp"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (isExp)
                {
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var seconds) && seconds is > 0 and < 253402300799)
                    {
                        expiresAt = DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
                        return true;
                    }

                    return false;
                }

                reader.Skip();
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
