using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol.Tests;

/// <summary>SwitchboardJsonContext (System.Text.Json source generation) agrees with the wire codec.</summary>
public sealed class JsonContextTests
{
    public static TheoryData<string> EventVectors => RepoPaths.VectorFiles("events");

    [Fact]
    public void EveryPayloadTypeIsInTheContext()
    {
        var payloadTypes = EventMetadata.All.Select(d => d.PayloadType).Concat(CommandMetadata.All.Select(d => d.PayloadType)).ToList();
        Assert.NotEmpty(payloadTypes);
        foreach (var type in payloadTypes)
        {
            Assert.NotNull(SwitchboardJsonContext.Default.GetTypeInfo(type));
        }
    }

    [Theory]
    [MemberData(nameof(EventVectors))]
    public void ContextSerializationMatchesTheWireCodec(string file)
    {
        var bytes = Encoding.UTF8.GetBytes(JsonText.Minify(File.ReadAllText(Path.Combine(RepoPaths.Vectors("events"), file))));
        Assert.True(EnvelopeReader.TryReadEvent(bytes, out var envelope, out var error), error.ToString());
        var type = envelope.Response.GetType();

        var viaContext = JsonSerializer.Serialize(envelope.Response, type, SwitchboardJsonContext.Default);
        var output = new ArrayBufferWriter<byte>();
        EnvelopeWriter.WritePayload(output, envelope.Response);
        var viaCodec = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(viaCodec), JsonNode.Parse(viaContext)), $"codec:   {viaCodec}\ncontext: {viaContext}");

        // And back: the context reads what the codec writes.
        var back = JsonSerializer.Deserialize(viaCodec, type, SwitchboardJsonContext.Default)!;
        var output2 = new ArrayBufferWriter<byte>();
        EnvelopeWriter.WritePayload(output2, back);
        Assert.Equal(viaCodec, Encoding.UTF8.GetString(output2.WrittenSpan));
    }
}
