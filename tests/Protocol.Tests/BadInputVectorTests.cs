using System.Text;
using System.Text.Json;
using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol.Tests;

/// <summary>spec/vectors/bad-input: every codec-level case yields exactly its expected code, path and cid.</summary>
public sealed class BadInputVectorTests
{
    /// <summary>Codes the envelope reader itself produces; other expected codes come from the server's semantic checks.</summary>
    private static readonly HashSet<int> s_codecCodes = [1001, 1002, 1003, 1004, 1005, 1006, 1008];

    public static TheoryData<string> BadInputVectors => RepoPaths.VectorFiles("bad-input");

    [Theory]
    [MemberData(nameof(BadInputVectors))]
    public void BadInputYieldsExpectedError(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Vectors("bad-input"), file)));
        var root = doc.RootElement;
        var expectedCode = root.GetProperty("expected_code").GetInt32();
        Assert.True(ErrorCodes.IsDefined((ErrorCode)expectedCode), $"{file}: expected_code {expectedCode} is not in the registry");
        if (root.TryGetProperty("expected_error", out var name))
        {
            Assert.Equal(name.GetString(), ErrorCodes.GetName((ErrorCode)expectedCode));
        }

        if (root.TryGetProperty("frame", out var frame) && frame.GetString() == "binary")
        {
            // Frame type is decided by the transport before the codec sees bytes (SB-CODEC-010).
            Assert.Equal((int)ErrorCode.BinaryNotSupported, expectedCode);
            return;
        }

        var input = root.TryGetProperty("input_base64", out var b64)
            ? Convert.FromBase64String(b64.GetString()!)
            : Encoding.UTF8.GetBytes(root.GetProperty("input").GetString()!);
        var expectedPath = root.TryGetProperty("expected_path", out var p) ? p.GetString() : null;
        var expectedCid = root.TryGetProperty("expected_cid", out var c) ? c.GetString() : null;

        var ok = EnvelopeReader.TryReadCommand(input, out var envelope, out var error);
        var okSegmented = EnvelopeReader.TryReadCommand(Segmented.Split(input, 3), out var segmentedEnvelope, out var segmentedError);
        Assert.Equal(ok, okSegmented);
        Assert.Equal(error, segmentedError);

        if (!s_codecCodes.Contains(expectedCode))
        {
            // A semantic error (e.g. 3003 INVALID_ROOM): the frame itself is a valid envelope.
            Assert.True(ok, $"{file}: the codec should accept the frame, got {error}");
            Assert.Equal(expectedCid, envelope.Cid);
            return;
        }

        Assert.False(ok, $"{file}: expected {expectedCode}, but the frame was accepted");
        Assert.Equal((ErrorCode)expectedCode, error.Code);
        if (expectedPath is not null)
        {
            Assert.Equal(expectedPath, error.Path);
        }

        Assert.Equal(expectedCid, envelope.Cid);
        Assert.Equal(expectedCid, segmentedEnvelope.Cid);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));

        if (root.TryGetProperty("expected_event", out var expectedEvent))
        {
            var errorEvent = envelope.Descriptor?.ErrorReplyEvent ?? EventNames.Error;
            Assert.Equal(expectedEvent.GetString(), errorEvent);
        }
    }
}
