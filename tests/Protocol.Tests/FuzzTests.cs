using System.Text;
using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol.Tests;

/// <summary>Mutated vectors never make the reader throw; they either decode or yield a defined error code.</summary>
public sealed class FuzzTests
{
    [Fact]
    public void MutatedFramesNeverThrow()
    {
        var seeds = new[] { "commands", "events", "errors" }
            .SelectMany(kind => RepoPaths.VectorFileNames(kind).Select(f => Encoding.UTF8.GetBytes(JsonText.Minify(File.ReadAllText(Path.Combine(RepoPaths.Vectors(kind), f))))))
            .ToList();
        Assert.NotEmpty(seeds);

        var random = new Random(20261123);
        byte[] interesting = "{}[]\":,0-1.5eE\\u00nulltruefalse \u00ff"u8.ToArray().Concat(new byte[] { 0x00, 0x80, 0xC0, 0xE4, 0xF0, 0xFF }).ToArray();
        for (var i = 0; i < 5000; i++)
        {
            var frame = seeds[random.Next(seeds.Count)].ToList();
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations && frame.Count > 0; m++)
            {
                var at = random.Next(frame.Count);
                switch (random.Next(4))
                {
                    case 0: frame[at] = interesting[random.Next(interesting.Length)]; break;
                    case 1: frame.RemoveAt(at); break;
                    case 2: frame.Insert(at, interesting[random.Next(interesting.Length)]); break;
                    default: frame.RemoveRange(at, Math.Min(frame.Count - at, random.Next(1, 8))); break;
                }
            }

            var bytes = frame.ToArray();
            AssertDefined(EnvelopeReader.TryReadCommand(bytes, out _, out var e1), e1, bytes);
            AssertDefined(EnvelopeReader.TryReadEvent(bytes, out _, out var e2), e2, bytes);
            AssertDefined(EnvelopeReader.TryReadEvent(Segmented.Split(bytes, 1 + (i % 9)), out _, out var e3), e3, bytes);
        }
    }

    private static void AssertDefined(bool ok, ProtocolError error, byte[] input)
    {
        if (!ok)
        {
            Assert.True(ErrorCodes.IsDefined(error.Code) && (int)error.Code is >= 1001 and <= 1008, $"{error} for {Convert.ToBase64String(input)}");
        }
    }
}
