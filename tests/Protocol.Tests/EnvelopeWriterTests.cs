using System.Buffers;
using System.Text;
using System.Text.Json;
using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol.Tests;

public sealed class EnvelopeWriterTests
{
    private static readonly UserRef s_carol = new() { Id = "carol", Name = "Carol", Role = Role.Agent };

    private static PrivateMessageEvent Message(string data, DateTimeOffset at) => new()
    {
        MessageId = "m1",
        User = s_carol,
        To = "dave",
        Namespace = Namespace.App,
        Data = data,
        At = at,
    };

    [Fact]
    public void WritesEnvelopeInSpecOrderWithUtcMilliseconds()
    {
        var at = new DateTimeOffset(2026, 11, 23, 7, 30, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var json = Encoding.UTF8.GetString(EnvelopeWriter.Serialize(Message("hi", at), cid: "c1", seq: 42));
        Assert.Equal(
            """{"event":"PRIVATE_MESSAGE","cid":"c1","seq":42,"response":{"message_id":"m1","user":{"id":"carol","name":"Carol","role":"agent"},"to":"dave","namespace":"app","data":"hi","at":"2026-11-23T05:30:00.123Z"}}""",
            json);
    }

    [Fact]
    public void OmitsAbsentCidSeqAndOptionalMembers()
    {
        var json = Encoding.UTF8.GetString(EnvelopeWriter.Serialize(new SetTimerCommand { DelayMs = 5 }));
        Assert.Equal("""{"command":"SET_TIMER","request":{"delay_ms":5}}""", json);
    }

    [Fact]
    public void EscapesOnlyWhatJsonRequires()
    {
        var json = Encoding.UTF8.GetString(EnvelopeWriter.Serialize(new EchoEvent { Data = "你好 👋 <a href='x'>&amp; \"q\" \\ \n\t\u0001\u007f\u2028" }));
        Assert.Equal("{\"event\":\"ECHO\",\"response\":{\"data\":\"你好 👋 <a href='x'>&amp; \\\"q\\\" \\\\ \\n\\t\\u0001\u007f\u2028\"}}", json);
    }

    [Fact]
    public void UnpairedSurrogatesAreReplacedNotEmittedAsInvalidUtf8()
    {
        var bytes = EnvelopeWriter.Serialize(new EchoEvent { Data = "a\ud800b" });
        Assert.True(System.Text.Unicode.Utf8.IsValid(bytes));
        Assert.Equal("{\"event\":\"ECHO\",\"response\":{\"data\":\"a\uFFFDb\"}}", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void WriteEventDoesNotAllocate()
    {
        var message = Message("hello world", DateTimeOffset.UnixEpoch);
        var output = new ArrayBufferWriter<byte>(4096);
        EnvelopeWriter.WriteEvent(output, message, "c1", 7); // warm up (thread-static writer, statics)
        EnvelopeWriter.WriteCommand(output, new EchoCommand { Data = "x" }, "c2");

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            output.ResetWrittenCount();
            EnvelopeWriter.WriteEvent(output, message, "c1", 7);
            EnvelopeWriter.WriteCommand(output, new EchoCommand { Data = "x" }, "c2");
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Only the 100 EchoCommand instances created by the loop itself may allocate.
        var echoSize = 32;
        Assert.True(allocated <= 100 * echoSize, $"allocated {allocated} bytes");
    }

    [Fact]
    public void SerializeMatchesWriteEvent()
    {
        var message = Message("x", DateTimeOffset.UnixEpoch);
        var output = new ArrayBufferWriter<byte>();
        EnvelopeWriter.WriteEvent(output, message, null, 9);
        Assert.Equal(output.WrittenSpan.ToArray(), EnvelopeWriter.Serialize(message, null, 9));
    }

    [Fact]
    public void RejectsPayloadsThatAreNotGenerated()
    {
        Assert.Throws<ArgumentException>(() => EnvelopeWriter.Serialize(new ForeignEvent()));
    }

    [Fact]
    public void AnyJsonValuesAreWrittenAsRead()
    {
        var json = """{"event":"PUSH","seq":7,"response":{"message_id":"m","topic":"t","data":{"n":1.50,"a":[null,true,"s"],"o":{}},"at":"2026-11-23T05:30:00.123Z"}}""";
        Assert.True(EnvelopeReader.TryReadEvent(Encoding.UTF8.GetBytes(json), out var envelope, out var error), error.ToString());
        Assert.Equal(json, Encoding.UTF8.GetString(EnvelopeWriter.Serialize(envelope.Response, envelope.Cid, envelope.Seq)));
    }

    [Fact]
    public void JsonContextUsesWireNamesEnumsAndTimestamps()
    {
        var message = Message("hi", new DateTimeOffset(2026, 11, 23, 5, 30, 0, 123, TimeSpan.Zero));
        var json = JsonSerializer.Serialize(message, SwitchboardJsonContext.Default.PrivateMessageEvent);
        Assert.Equal(
            """{"message_id":"m1","user":{"id":"carol","name":"Carol","role":"agent"},"to":"dave","namespace":"app","data":"hi","at":"2026-11-23T05:30:00.123Z"}""",
            json);
        var back = JsonSerializer.Deserialize(json, SwitchboardJsonContext.Default.PrivateMessageEvent)!;
        Assert.Equal(message.At, back.At);
        Assert.Equal(Role.Agent, back.User.Role);
    }

    private sealed class ForeignEvent : IServerEvent
    {
        public string EventName => "FOREIGN";
    }
}
