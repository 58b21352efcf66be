using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol.Tests;

/// <summary>Golden vectors in spec/vectors: minify(file) == write(read(file)), byte for byte.</summary>
public sealed class VectorRoundTripTests
{
    public static TheoryData<string> EventVectors => RepoPaths.VectorFiles("events");

    public static TheoryData<string> CommandVectors => RepoPaths.VectorFiles("commands");

    public static TheoryData<string> ErrorVectors => RepoPaths.VectorFiles("errors");

    [Fact]
    public void VectorFoldersAreNotEmpty()
    {
        foreach (var kind in new[] { "events", "commands", "errors", "bad-input" })
        {
            Assert.True(Directory.Exists(RepoPaths.Vectors(kind)), $"missing spec/vectors/{kind}");
            Assert.NotEmpty(Directory.EnumerateFiles(RepoPaths.Vectors(kind), "*.json"));
        }
    }

    [Fact]
    public void EveryEventAndCommandHasAVector()
    {
        var events = Directory.EnumerateFiles(RepoPaths.Vectors("events"), "*.json").Select(f => Path.GetFileName(f).Split('.')[0]).ToHashSet();
        var commands = Directory.EnumerateFiles(RepoPaths.Vectors("commands"), "*.json").Select(f => Path.GetFileName(f).Split('.')[0]).ToHashSet();
        Assert.Equal([], EventNames.All.Where(n => !events.Contains(n)).ToArray());
        Assert.Equal([], CommandNames.All.Where(n => !commands.Contains(n)).ToArray());
    }

    [Theory]
    [MemberData(nameof(EventVectors))]
    public void EventVectorRoundTrips(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Vectors("events"), file));
        var envelope = AssertEventRoundTrips(text);
        Assert.Equal(file.Split('.')[0], envelope.Event);
    }

    [Theory]
    [MemberData(nameof(ErrorVectors))]
    public void ErrorVectorParsesAndRoundTrips(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Vectors("errors"), file));
        var envelope = AssertEventRoundTrips(text);
        var expectedCode = (ErrorCode)int.Parse(file.Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
        var expectedName = Path.GetFileNameWithoutExtension(file)[(file.IndexOf('-', StringComparison.Ordinal) + 1)..];
        Assert.True(ErrorCodes.IsDefined(expectedCode), $"{expectedCode} is not in ErrorCode");
        Assert.Equal(expectedName, ErrorCodes.GetName(expectedCode));
        switch (envelope.Response)
        {
            case ErrorEvent e:
                Assert.Equal((int)expectedCode, e.Code);
                Assert.Equal(expectedName, e.Error);
                break;
            case SendMessageErrorEvent e:
                Assert.Equal((int)expectedCode, e.Code);
                Assert.Equal(expectedName, e.Error);
                break;
            case TransferErrorEvent e:
                Assert.Equal((int)expectedCode, e.Code);
                Assert.Equal(expectedName, e.Error);
                break;
            default:
                Assert.Fail($"{file}: {envelope.Event} is not an error event");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(CommandVectors))]
    public void CommandVectorRoundTrips(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Vectors("commands"), file));
        var minified = JsonText.Minify(text);
        var bytes = Encoding.UTF8.GetBytes(minified);
        Assert.True(EnvelopeReader.TryReadCommand(bytes, out var envelope, out var error), $"{file}: {error}");
        Assert.Equal(file.Split('.')[0], envelope.Command);
        Assert.Equal(envelope.Command, envelope.Request.CommandName);

        var output = new ArrayBufferWriter<byte>();
        EnvelopeWriter.WriteCommand(output, envelope.Request, envelope.Cid);
        Assert.Equal(minified, Encoding.UTF8.GetString(output.WrittenSpan));

        // Segmented input (every 7 bytes a new segment) decodes the same.
        Assert.True(EnvelopeReader.TryReadCommand(Segmented.Split(bytes, 7), out var segmented, out error), $"{file} (segmented): {error}");
        Assert.Equal(minified, Encoding.UTF8.GetString(EnvelopeWriter.Serialize(segmented.Request, segmented.Cid)));
    }

    private static ServerEnvelope AssertEventRoundTrips(string text)
    {
        var minified = JsonText.Minify(text);
        var bytes = Encoding.UTF8.GetBytes(minified);
        Assert.True(EnvelopeReader.TryReadEvent(bytes, out var envelope, out var error), error.ToString());
        Assert.Equal(envelope.Event, envelope.Response.EventName);

        var output = new ArrayBufferWriter<byte>();
        EnvelopeWriter.WriteEvent(output, envelope.Response, envelope.Cid, envelope.Seq);
        Assert.Equal(minified, Encoding.UTF8.GetString(output.WrittenSpan));

        Assert.True(EnvelopeReader.TryReadEvent(Segmented.Split(bytes, 5), out var segmented, out error), "segmented: " + error);
        Assert.Equal(minified, Encoding.UTF8.GetString(EnvelopeWriter.Serialize(segmented.Response, segmented.Cid, segmented.Seq)));

        // Durable events carry seq; the vectors say so and the metadata agrees.
        using var doc = JsonDocument.Parse(minified);
        if (envelope.Descriptor!.Delivery != DeliveryClass.Durable)
        {
            Assert.False(doc.RootElement.TryGetProperty("seq", out _), $"{envelope.Event} is {envelope.Descriptor.Delivery} but the vector has seq");
        }

        return envelope;
    }
}
