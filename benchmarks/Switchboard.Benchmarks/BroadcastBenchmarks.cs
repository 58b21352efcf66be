using System.Buffers;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Benchmarks;

/// <summary>
/// Preparing one ROOM_MESSAGE (typical 256-character body) for N recipients: serialize once and hand the same bytes
/// to every member (what the reference server does) versus serialize per recipient (the baseline, what a naive
/// server does), and SignalR's own broadcast path (<see cref="SerializedHubMessage"/>, which caches per protocol).
/// Each recipient's "send queue" is an array slot, so only preparation is measured, not I/O.
/// </summary>
[BenchmarkCategory("broadcast")]
public class BroadcastBenchmarks
{
    private readonly JsonHubProtocol signalR = new();
    private RoomMessageEvent evt = null!;
    private InvocationMessage invocation = null!;
    private ReadOnlyMemory<byte>[] queues = [];

    /// <summary>Gets or sets the number of recipients.</summary>
    [Params(10, 1000)]
    public int Recipients { get; set; }

    /// <summary>Builds the message.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var data = WireSamples.Text(256);
        evt = WireSamples.RoomMessage(data, 7);
        invocation = new InvocationMessage("msg", [WireSamples.SignalRNewMessage(data)]);
        queues = new ReadOnlyMemory<byte>[Recipients];
    }

    /// <summary>Serialize the envelope again for every recipient.</summary>
    /// <returns>Total bytes queued.</returns>
    [Benchmark(Baseline = true)]
    public long PerRecipient()
    {
        long total = 0;
        for (var i = 0; i < queues.Length; i++)
        {
            var writer = new ArrayBufferWriter<byte>(512);
            EnvelopeWriter.WriteEvent(writer, evt);
            queues[i] = writer.WrittenMemory;
            total += writer.WrittenCount;
        }

        return total;
    }

    /// <summary>Serialize once, queue the same bytes for every recipient.</summary>
    /// <returns>Total bytes queued.</returns>
    [Benchmark]
    public long SerializeOnce()
    {
        var writer = new ArrayBufferWriter<byte>(512);
        EnvelopeWriter.WriteEvent(writer, evt);
        var bytes = writer.WrittenMemory;
        long total = 0;
        for (var i = 0; i < queues.Length; i++)
        {
            queues[i] = bytes;
            total += bytes.Length;
        }

        return total;
    }

    /// <summary>SignalR's broadcast preparation: one <see cref="SerializedHubMessage"/>, asked once per recipient.</summary>
    /// <returns>Total bytes queued.</returns>
    [Benchmark]
    public long SignalR_SerializedHubMessage()
    {
        var message = new SerializedHubMessage(invocation);
        long total = 0;
        for (var i = 0; i < queues.Length; i++)
        {
            queues[i] = message.GetSerializedMessage(signalR);
            total += queues[i].Length;
        }

        return total;
    }
}
