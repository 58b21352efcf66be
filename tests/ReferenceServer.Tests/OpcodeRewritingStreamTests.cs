using Switchboard.ReferenceServer.Connections;

namespace Switchboard.ReferenceServer.Tests;

public sealed class OpcodeRewritingStreamTests
{
    private static byte[] Frame(bool fin, int opcode, int length, bool masked)
    {
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        var maskBit = masked ? 0x80 : 0;
        if (length < 126)
        {
            header.Add((byte)(maskBit | length));
        }
        else if (length <= ushort.MaxValue)
        {
            header.Add((byte)(maskBit | 126));
            header.Add((byte)(length >> 8));
            header.Add((byte)length);
        }
        else
        {
            header.Add((byte)(maskBit | 127));
            for (var i = 7; i >= 0; i--)
            {
                header.Add((byte)((long)length >> (8 * i)));
            }
        }

        if (masked)
        {
            header.AddRange([0x11, 0x22, 0x01, 0x02]); // mask key bytes that look like opcodes must not be touched
        }

        var payload = Enumerable.Range(0, length).Select(i => (byte)(i % 3 == 0 ? 0x81 : 0x01)).ToArray();
        return [.. header, .. payload];
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, to split headers across reads.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Text_frames_are_relabelled_binary_and_types_are_queued_in_order(int chunk)
    {
        byte[][] frames =
        [
            Frame(true, 1, 5, masked: true),          // text
            Frame(true, 9, 4, masked: true),          // ping (control, untouched)
            Frame(true, 2, 300, masked: true),        // binary, 16-bit length
            Frame(false, 1, 10, masked: true),        // text, first fragment
            Frame(true, 0, 70_000, masked: true),     // continuation, 64-bit length
            Frame(true, 1, 0, masked: true),          // empty text
        ];
        var input = frames.SelectMany(f => f).ToArray();
        await using var stream = new OpcodeRewritingStream(new ChunkedStream(input, chunk));
        var output = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        var result = output.ToArray();
        Assert.Equal(input.Length, result.Length);
        var offset = 0;
        foreach (var frame in frames)
        {
            var originalOpcode = frame[0] & 0x0F;
            var expectedFirst = originalOpcode == 1 ? (byte)((frame[0] & 0xF0) | 2) : frame[0];
            Assert.Equal(expectedFirst, result[offset]);
            Assert.True(frame.AsSpan(1).SequenceEqual(result.AsSpan(offset + 1, frame.Length - 1)));
            offset += frame.Length;
        }

        IFrameTypeSource types = stream;
        Assert.True(types.NextMessageIsText());
        Assert.False(types.NextMessageIsText());
        Assert.True(types.NextMessageIsText());
        Assert.True(types.NextMessageIsText());
    }

    [Fact]
    public async Task Coalesced_writes_reach_the_transport_in_order_after_end()
    {
        var sink = new MemoryStream();
        await using var stream = new OpcodeRewritingStream(sink);
        IWriteCoalescer coalescer = stream;
        coalescer.BeginCoalescing();
        await stream.WriteAsync(new byte[] { 1, 2 });
        await stream.WriteAsync(new byte[] { 3 });
        Assert.Equal(0, sink.Length); // buffered
        await stream.WriteAsync(new byte[70_000]); // larger than the batch: flushes pending first, then writes through
        Assert.Equal(70_003, sink.Length);
        await stream.WriteAsync(new byte[] { 4 });
        await coalescer.EndCoalescingAsync(CancellationToken.None);
        Assert.Equal(70_004, sink.Length);
        Assert.Equal(new byte[] { 1, 2, 3 }, sink.ToArray()[..3]);
        Assert.Equal(4, sink.ToArray()[^1]);

        await stream.WriteAsync(new byte[] { 5 }); // not coalescing: written through
        Assert.Equal(70_005, sink.Length);
    }
}
