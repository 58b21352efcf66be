namespace Switchboard.Protocol.Codec;

/// <summary>Limits the envelope reader enforces.</summary>
public sealed class CodecLimits
{
    /// <summary>The reference limits (64 KiB frames, nesting depth 64 inside the payload).</summary>
    public static CodecLimits Default { get; } = new();

    /// <summary>
    /// Largest accepted frame in bytes; larger input yields <see cref="ErrorCode.MessageTooLarge"/>.
    /// Defaults to 65536 (the reference server's <c>max_message_bytes</c>). Must be positive.
    /// </summary>
    public int MaxMessageBytes
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be positive.");
    } = 65536;

    /// <summary>
    /// Deepest JSON nesting accepted inside the payload (<c>request</c>/<c>response</c>); deeper input yields
    /// <see cref="ErrorCode.MalformedJson"/>. Defaults to 64 (SB-CODEC-017). Must be between 1 and 1000.
    /// </summary>
    public int MaxDepth
    {
        get;
        init => field = value is > 0 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Must be between 1 and 1000.");
    } = 64;
}
