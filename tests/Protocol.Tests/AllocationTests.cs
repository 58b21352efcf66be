using System.Text;
using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol.Tests;

/// <summary>The hot path allocates only the decoded objects.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void ReadingACommandAllocatesOnlyTheDecodedObjects()
    {
        var frame = Encoding.UTF8.GetBytes("""{"command":"SEND_PRIVATE_MESSAGE","cid":"c1","request":{"to":"dave","data":"hello there","namespace":"app","unknown":{"a":[1,2,3]}}}""");
        Assert.True(EnvelopeReader.TryReadCommand(frame, out _, out _)); // warm up

        const int N = 100;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < N; i++)
        {
            EnvelopeReader.TryReadCommand(frame, out _, out _);
        }

        var perRead = (GC.GetAllocatedBytesForCurrentThread() - before) / N;

        // Decoded objects: SendPrivateMessageCommand (~40 B) + strings "c1", "dave", "hello there" (~26-48 B each).
        Assert.True(perRead <= 200, $"{perRead} bytes per read");
    }

    [Fact]
    public void ReadingAnEventWithRequestAfterNameAllocatesOnlyTheDecodedObjects()
    {
        var frame = Encoding.UTF8.GetBytes("""{"response":{"at":"2026-11-23T05:30:00.123Z"},"event":"PING"}""");
        Assert.True(EnvelopeReader.TryReadEvent(Segmented.Split(frame, 16), out _, out _)); // warm up
        var sequence = Segmented.Split(frame, 16);

        const int N = 100;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < N; i++)
        {
            EnvelopeReader.TryReadEvent(sequence, out _, out _);
        }

        var perRead = (GC.GetAllocatedBytesForCurrentThread() - before) / N;
        Assert.True(perRead <= 48, $"{perRead} bytes per read"); // one PingEvent
    }
}
