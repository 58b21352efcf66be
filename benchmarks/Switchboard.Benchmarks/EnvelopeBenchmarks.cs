using System.Buffers;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Benchmarks;

/// <summary>
/// Encode and decode one NEW_MESSAGE envelope with the Switchboard codec, against ASP.NET Core SignalR's
/// <see cref="JsonHubProtocol"/> writing/parsing the equivalent invocation (<c>{"type":1,"target":"NEW_MESSAGE",
/// "arguments":[{...}]}</c>) — the baseline of each category.
/// </summary>
[BenchmarkCategory("envelope")]
public class EnvelopeBenchmarks
{
    private readonly ArrayBufferWriter<byte> buffer = new(32 * 1024);
    private readonly JsonHubProtocol signalR = new();
    private readonly Binder binder = new();
    private NewMessageEvent evt = null!;
    private InvocationMessage invocation = null!;
    private ReadOnlySequence<byte> switchboardBytes;
    private ReadOnlySequence<byte> signalRBytes;

    /// <summary>Gets or sets the payload size.</summary>
    [Params(PayloadSize.Small, PayloadSize.Typical, PayloadSize.Large)]
    public PayloadSize Size { get; set; }

    /// <summary>Builds the messages and their serialized forms.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var data = WireSamples.Text(WireSamples.Length(Size));
        evt = WireSamples.NewMessage(data);
        invocation = new InvocationMessage(EventNames.NewMessage, [WireSamples.SignalRNewMessage(data)]);

        var sb = new ArrayBufferWriter<byte>();
        EnvelopeWriter.WriteEvent(sb, evt, null, 42);
        switchboardBytes = new ReadOnlySequence<byte>(sb.WrittenMemory.ToArray());

        var sr = new ArrayBufferWriter<byte>();
        signalR.WriteMessage(invocation, sr);
        signalRBytes = new ReadOnlySequence<byte>(sr.WrittenMemory.ToArray());

        // Both decoders must understand what they are timed on.
        if (!EnvelopeReader.TryReadEvent(switchboardBytes, out var envelope, out _) || envelope.Response is not NewMessageEvent m || m.Data != data)
        {
            throw new InvalidOperationException("Switchboard decode of the sample failed");
        }

        var copy = signalRBytes;
        if (!signalR.TryParseMessage(ref copy, binder, out var parsed) || parsed is not InvocationMessage { Arguments: [SignalRNewMessage s] } || s.Data != data)
        {
            throw new InvalidOperationException("SignalR decode of the sample failed");
        }
    }

    /// <summary>SignalR JSON hub protocol: write the invocation.</summary>
    /// <returns>Bytes written.</returns>
    [Benchmark(Baseline = true), BenchmarkCategory("write")]
    public int SignalR_Write()
    {
        buffer.ResetWrittenCount();
        signalR.WriteMessage(invocation, buffer);
        return buffer.WrittenCount;
    }

    /// <summary>Switchboard codec: write the NEW_MESSAGE envelope (with seq).</summary>
    /// <returns>Bytes written.</returns>
    [Benchmark, BenchmarkCategory("write")]
    public int Switchboard_Write()
    {
        buffer.ResetWrittenCount();
        EnvelopeWriter.WriteEvent(buffer, evt, null, 42);
        return buffer.WrittenCount;
    }

    /// <summary>SignalR JSON hub protocol: parse the invocation and bind its argument.</summary>
    /// <returns>The parsed message.</returns>
    [Benchmark(Baseline = true), BenchmarkCategory("read")]
    public HubMessage? SignalR_Read()
    {
        var input = signalRBytes;
        signalR.TryParseMessage(ref input, binder, out var message);
        return message;
    }

    /// <summary>Switchboard codec: read and validate the NEW_MESSAGE envelope.</summary>
    /// <returns>The typed payload.</returns>
    [Benchmark, BenchmarkCategory("read")]
    public IServerEvent? Switchboard_Read() =>
        EnvelopeReader.TryReadEvent(switchboardBytes, out var envelope, out _) ? envelope.Response : null;

    private sealed class Binder : IInvocationBinder
    {
        private static readonly Type[] Parameters = [typeof(SignalRNewMessage)];

        public IReadOnlyList<Type> GetParameterTypes(string methodName) => Parameters;

        public Type GetReturnType(string invocationId) => typeof(object);

        public Type GetStreamItemType(string streamId) => typeof(object);
    }
}
