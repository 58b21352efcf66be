using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Switchboard.LoadTest.Wire;

namespace Switchboard.LoadTest.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Empty_histogram_reports_zero()
    {
        var h = new LatencyHistogram();
        Assert.Equal(0, h.PercentileMs(99));
        Assert.Equal(0, h.Count);
    }

    [Fact]
    public void Percentiles_are_never_low_and_at_most_3_2_percent_high()
    {
        var h = new LatencyHistogram();
        for (var us = 1; us <= 100_000; us++)
        {
            h.Record(us);
        }

        foreach (var (p, exactUs) in new[] { (50.0, 50_000), (99.0, 99_000), (99.9, 99_900) })
        {
            var ms = h.PercentileMs(p);
            Assert.InRange(ms * 1000, exactUs, exactUs * 1.032);
        }

        Assert.Equal(100.0, h.PercentileMs(100));
        Assert.Equal(100_000, h.Count);
    }

    [Fact]
    public void Small_values_are_exact_and_reset_clears()
    {
        var h = new LatencyHistogram();
        h.Record(7);
        h.Record(-5);
        Assert.Equal(0.007, h.PercentileMs(100));
        Assert.Equal(0, h.PercentileMs(50));
        h.Reset();
        Assert.Equal(0, h.Count);
    }
}

public sealed class PayloadTests
{
    [Fact]
    public void Scan_finds_every_marker_in_a_batched_frame()
    {
        var a = Payload.Create(3, 7, 123456789, 128);
        var b = Payload.Create(11, 1, 42, 16);
        Assert.Equal(128, a.Length);
        var frame = Encoding.UTF8.GetBytes($"{{\"type\":1,\"arguments\":[\"{a}\"]}}\u001e{{\"type\":6}}\u001e{{\"type\":1,\"arguments\":[\"{b}\"]}}\u001e");
        var seen = new List<(int, int, long)>();
        var found = Payload.Scan(frame, seen, static (list, slot, gen, ts) => list.Add((slot, gen, ts)));
        Assert.Equal(2, found);
        Assert.Equal([(3, 7, 123456789L), (11, 1, 42L)], seen);
    }

    [Fact]
    public void Scan_ignores_a_truncated_marker()
    {
        var found = Payload.Scan("BMK_12_x_"u8, 0, static (_, _, _, _) => Assert.Fail("no marker expected"));
        Assert.Equal(0, found);
    }
}

public sealed class OptionsTests
{
    [Theory]
    [InlineData("ws://127.0.0.1:8080")]
    [InlineData("ws://127.3.2.1:9")]
    [InlineData("ws://localhost:8080")]
    [InlineData("ws://[::1]:8080")]
    public void Loopback_urls_are_accepted(string url) => LoadOptions.EnsureLoopback(new Uri(url));

    [Theory]
    [InlineData("ws://10.0.0.1:8080")]
    [InlineData("ws://example.com")]
    [InlineData("ws://128.0.0.1")]
    public void Other_urls_are_refused(string url) =>
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["echo", "--url", url]));

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("250ms", 250)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5", 1_500)]
    public void Durations_parse(string text, double ms) => Assert.Equal(ms, LoadOptions.ParseDuration(text).TotalMilliseconds);

    [Fact]
    public void Unknown_options_are_errors() =>
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["echo", "--conections", "5"]));

    [Fact]
    public void Options_bind_to_the_scenario()
    {
        var o = LoadOptions.Parse(["fanout", "--connections", "12", "--duration", "3s", "--publishers", "2", "--check", "--quiet"]);
        Assert.Equal("fanout", o.Verb);
        Assert.Equal(12, o.Connections);
        Assert.Equal(TimeSpan.FromSeconds(3), o.Duration);
        Assert.Equal(2, o.Publishers);
        Assert.True(o.Check && o.Quiet);
        Assert.Equal(new Uri("ws://127.0.0.1:8080"), o.Url);
    }

    /// <summary>Redis figures per message come from INFO deltas over the measured window (the two INFO reads excluded).</summary>
    [Fact]
    public void Redis_info_deltas_become_per_message_figures()
    {
        var before = RedisStats.Parse(
            "# Commandstats\r\ncmdstat_evalsha:calls=100,usec=900,usec_per_call=9.00,rejected_calls=0,failed_calls=0\r\ncmdstat_info:calls=4,usec=10,usec_per_call=2.50,rejected_calls=0,failed_calls=0\r\n",
            "# Stats\r\ntotal_net_input_bytes:1000\r\ntotal_net_output_bytes:5000\r\n");
        var after = RedisStats.Parse(
            "cmdstat_evalsha:calls=300,usec=2700,usec_per_call=9.00,rejected_calls=0,failed_calls=0\r\ncmdstat_xrange:calls=20,usec=100,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\ncmdstat_info:calls=6,usec=15,usec_per_call=2.50,rejected_calls=0,failed_calls=0\r\n",
            "total_net_input_bytes:41000\r\ntotal_net_output_bytes:25000\r\n");
        var result = new RunResult();
        RedisStats.AddMetrics(result, before, after, messages: 200);
        Assert.Equal(220, result.Metrics["redis_commands"]);
        Assert.Equal(1.1, result.Metrics["redis_commands_per_message"], 6);
        Assert.Equal(1.0, result.Metrics["redis_evalsha_per_message"], 6);
        Assert.Equal(0.1, result.Metrics["redis_xrange_per_message"], 6);
        Assert.False(result.Metrics.ContainsKey("redis_info_per_message"));
        Assert.Equal(200, result.Metrics["redis_bytes_in_per_message"]);
        Assert.Equal(100, result.Metrics["redis_bytes_out_per_message"]);
        Assert.Equal("127.0.0.1:6390", LoadOptions.Parse(["private", "--redis", "127.0.0.1:6390"]).Redis);
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["private", "--redis", "10.0.0.5:6379"]));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["private", "--redis", "127.0.0.1"]));
    }

    /// <summary>A cluster: <c>--url</c> repeated, connections round-robin over the nodes; every URL must be loopback.</summary>
    [Fact]
    public void Repeated_url_spreads_connections_over_the_nodes()
    {
        var o = LoadOptions.Parse(["private", "--url", "ws://127.0.0.1:9001", "--url", "ws://127.0.0.1:9002", "--url", "ws://127.0.0.1:9003"]);
        Assert.Equal([new Uri("ws://127.0.0.1:9001"), new Uri("ws://127.0.0.1:9002"), new Uri("ws://127.0.0.1:9003")], o.Urls);
        Assert.Equal(new Uri("ws://127.0.0.1:9001"), o.Url);
        Assert.Equal([9001, 9002, 9003, 9001, 9002], Enumerable.Range(0, 5).Select(i => o.UrlFor(i).Port));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["echo", "--url", "ws://127.0.0.1:9001", "--url", "ws://10.1.2.3:9002"]));
    }

    /// <summary>Usage errors exit 2 with a message naming the problem; --help exits 0 (the real executable).</summary>
    [Theory]
    [InlineData("echo --conections 5", 2, "--conections")]
    [InlineData("echo --connections abc", 2, "--connections")]
    [InlineData("echo --connections 0", 2, "--connections")]
    [InlineData("echo --duration soon", 2, "--duration")]
    [InlineData("echo --target nginx", 2, "nginx")]
    [InlineData("warp", 2, "warp")]
    [InlineData("", 2, "command")]
    [InlineData("report", 2, "--in")]
    [InlineData("--help", 0, "echo")]
    [InlineData("echo --help", 0, "--connections")]
    public async Task Exit_codes_of_the_executable(string args, int exit, string mentioned)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Switchboard.LoadTest.dll");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(a);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(exit, process.ExitCode);
        Assert.Contains(mentioned, stderr + await stdout, StringComparison.Ordinal);
    }
}

public sealed class WireTests
{
    private const string Key = "test-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz";

    [Fact]
    public void Switchboard_frames_are_json_envelopes_and_classification_follows_event_names()
    {
        var wire = Wires.Create("switchboard", new TokenMinter(Key));
        using (var echo = JsonDocument.Parse(wire.Echo("BMK_1_0_5_")))
        {
            Assert.Equal("ECHO", echo.RootElement.GetProperty("command").GetString());
            Assert.Equal("BMK_1_0_5_", echo.RootElement.GetProperty("request").GetProperty("data").GetString());
        }

        using (var pm = JsonDocument.Parse(wire.Private("bob", "x")))
        {
            Assert.Equal("bob", pm.RootElement.GetProperty("request").GetProperty("to").GetString());
        }

        Assert.Equal(FrameKind.Ready, wire.Classify("""{"event":"CONNECT","response":{}}"""u8, out _));
        Assert.Equal(FrameKind.Joined, wire.Classify("""{"event":"ROOM_STATE","cid":"j","response":{}}"""u8, out _));
        Assert.Equal(FrameKind.Ping, wire.Classify("""{"event":"PING","response":{}}"""u8, out var pong));
        Assert.Equal("""{"command":"PONG"}""", Encoding.UTF8.GetString(pong!));
        Assert.Equal(FrameKind.Error, wire.Classify("""{"event":"ERROR","response":{"code":5001}}"""u8, out _));
        Assert.Equal(FrameKind.Other, wire.Classify("""{"event":"ROOM_MESSAGE","response":{}}"""u8, out _));
        Assert.Contains("access_token=", wire.BuildUri(new Uri("ws://127.0.0.1:8080"), "alice").Query, StringComparison.Ordinal);
        Assert.Equal("/web", wire.BuildUri(new Uri("ws://127.0.0.1:8080"), "alice").AbsolutePath);
    }

    [Fact]
    public void SocketIo_handshake_ping_and_acks()
    {
        var wire = Wires.Create("socketio", null);
        Assert.Equal(FrameKind.Other, wire.Classify("""0{"sid":"a","pingInterval":25000}"""u8, out var connect));
        Assert.Equal("40", Encoding.UTF8.GetString(connect!));
        Assert.Equal(FrameKind.Ready, wire.Classify("""40{"sid":"b"}"""u8, out _));
        Assert.Equal(FrameKind.Ping, wire.Classify("2"u8, out var pong));
        Assert.Equal("3", Encoding.UTF8.GetString(pong!));
        Assert.Equal(FrameKind.Joined, wire.Classify("431[]"u8, out _));
        Assert.Equal("""42["pub","r","d"]""", Encoding.UTF8.GetString(wire.Publish("r", "d")));
        Assert.Equal("/socket.io/", wire.BuildUri(new Uri("ws://127.0.0.1:1"), "u").AbsolutePath);
    }

    [Fact]
    public void SignalR_handshake_and_records()
    {
        var wire = Wires.Create("signalr", null);
        Assert.Equal("{\"protocol\":\"json\",\"version\":1}\u001e", Encoding.UTF8.GetString(wire.OpeningFrame!));
        Assert.Equal(FrameKind.Ready, wire.Classify("{}\u001e"u8, out _));
        Assert.Equal(FrameKind.Joined, wire.Classify("{\"type\":3,\"invocationId\":\"j\",\"result\":null}\u001e"u8, out _));
        Assert.Equal(FrameKind.Ping, wire.Classify("{\"type\":6}\u001e"u8, out var ping));
        Assert.NotNull(ping);
        Assert.Equal(FrameKind.Error, wire.Classify("{\"type\":7,\"error\":\"x\"}\u001e"u8, out _));
        Assert.NotNull(wire.KeepAliveFrame);
        var invocation = Encoding.UTF8.GetString(wire.Echo("p"));
        Assert.EndsWith("\u001e", invocation, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(invocation.TrimEnd('\u001e'));
        Assert.Equal("Echo", doc.RootElement.GetProperty("target").GetString());
    }

    [Fact]
    public void Unknown_target_is_refused() => Assert.Throws<ArgumentException>(() => Wires.Create("nats", null));

    [Fact]
    public async Task Minted_tokens_validate_with_the_same_key_and_carry_the_claims()
    {
        var token = new TokenMinter(Key, "agent").Mint("alice");
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key)),
            ValidateIssuer = false,
            ValidateAudience = false,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("alice", result.Claims["sub"]);
        Assert.Equal("agent", result.Claims["role"]);
        Assert.True(result.Claims.ContainsKey("exp"));
    }

    [Fact]
    public void Short_signing_keys_are_refused() => Assert.Throws<ArgumentException>(() => new TokenMinter("short"));
}
