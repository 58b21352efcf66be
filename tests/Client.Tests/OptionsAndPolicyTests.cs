using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Switchboard.Client.Internal;
using Switchboard.Protocol;

namespace Switchboard.Client.Tests;

public sealed class OptionsAndPolicyTests
{
    private static SwitchboardClientOptions ValidOptions() => new()
    {
        Url = new Uri("ws://127.0.0.1:1"),
        AccessTokenProvider = _ => ValueTask.FromResult("t"),
    };

    [Fact]
    public void Defaults_are_valid_and_documented_values()
    {
        var o = ValidOptions();
        Assert.Equal("web", o.Namespace);
        Assert.Equal(10, o.Reconnect.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(15), o.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), o.CommandTimeout);
        Assert.Equal(SwitchboardOfflineCommandBehavior.Wait, o.CommandsWhileReconnecting);
        Assert.False(new SwitchboardClientOptionsValidator().Validate(null, o).Failed);
        using var _ = new CancellationTokenSource();
        Assert.Equal(SwitchboardConnectionState.Disconnected, new SwitchboardClient(o).State);
    }

    public static TheoryData<string, Action<SwitchboardClientOptions>> InvalidCases => new()
    {
        { "Url", o => o.Url = null },
        { "Url", o => o.Url = new Uri("ftp://x/") },
        { "Namespace", o => o.Namespace = "we b" },
        { "AccessTokenProvider", o => o.AccessTokenProvider = null },
        { "ConnectTimeout", o => o.ConnectTimeout = TimeSpan.Zero },
        { "CommandTimeout", o => o.CommandTimeout = Timeout.InfiniteTimeSpan },
        { "EventBufferCapacity", o => o.EventBufferCapacity = 0 },
        { "Reconnect.MaxAttempts", o => o.Reconnect.MaxAttempts = -1 },
        { "Reconnect.MaxDelay", o => o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(1) },
        { "Reconnect.JitterFactor", o => o.Reconnect.JitterFactor = 1.5 },
        { "TokenRefreshRatio", o => o.TokenRefreshRatio = 1.0 },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Invalid_options_fail_when_the_client_is_built(string property, Action<SwitchboardClientOptions> breakIt)
    {
        var o = ValidOptions();
        breakIt(o);
        var ex = Assert.Throws<OptionsValidationException>(() => new SwitchboardClient(o));
        Assert.Contains(ex.Failures, f => f.Contains(property, StringComparison.Ordinal));
    }

    [Fact]
    public void Invalid_options_fail_when_resolved_from_DI()
    {
        var services = new ServiceCollection();
        services.AddSwitchboardClient(o => o.Url = new Uri("ws://127.0.0.1:1"));
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<SwitchboardClient>());
        Assert.Contains(ex.Failures, f => f.Contains("AccessTokenProvider", StringComparison.Ordinal));
    }

    [Fact]
    public void Backend_options_require_exactly_one_token_source()
    {
        var services = new ServiceCollection();
        services.AddSwitchboardBackendClient(o => o.BaseAddress = new Uri("http://127.0.0.1:1/"));
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<SwitchboardBackendClient>());
        Assert.Contains(ex.Failures, f => f.Contains("Token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DI_resolves_both_clients_as_configured()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddSwitchboardClient(o =>
        {
            o.Url = new Uri("ws://127.0.0.1:1");
            o.Namespace = SwitchboardNamespaces.App;
            o.AccessTokenProvider = _ => ValueTask.FromResult("t");
        });
        Assert.Same(services, builder.Services);
        services.AddSwitchboardBackendClient(o =>
        {
            o.BaseAddress = new Uri("http://127.0.0.1:1/");
            o.Token = "admin";
        });

        // Registering twice must not duplicate (TryAdd*).
        services.AddSwitchboardClient(o => { });
        Assert.Single(services, d => d.ServiceType == typeof(SwitchboardClient));

        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<SwitchboardClient>();
        Assert.Same(client, provider.GetRequiredService<SwitchboardClient>());
        Assert.Equal("app", client.Options.Namespace);
        Assert.NotNull(provider.GetRequiredService<SwitchboardBackendClient>());
    }

    [Fact]
    public void Backoff_grows_exponentially_is_capped_and_jittered_within_bounds()
    {
        var options = new SwitchboardReconnectOptions
        {
            InitialDelay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromMilliseconds(1000),
            BackoffMultiplier = 2,
            JitterFactor = 0.5,
        };
        var middle = new SwitchboardBackoffRetryPolicy(options, () => 0.5);
        Assert.Equal(100, middle.GetDelay(1).TotalMilliseconds, 3);
        Assert.Equal(200, middle.GetDelay(2).TotalMilliseconds, 3);
        Assert.Equal(800, middle.GetDelay(4).TotalMilliseconds, 3);
        Assert.Equal(1000, middle.GetDelay(5).TotalMilliseconds, 3);
        Assert.Equal(1000, middle.GetDelay(500).TotalMilliseconds, 3);

        Assert.Equal(50, new SwitchboardBackoffRetryPolicy(options, () => 0.0).GetDelay(1).TotalMilliseconds, 3);
        Assert.Equal(150, new SwitchboardBackoffRetryPolicy(options, () => 1.0).GetDelay(1).TotalMilliseconds, 3);
        Assert.Equal(1000, new SwitchboardBackoffRetryPolicy(options, () => 1.0).GetDelay(4).TotalMilliseconds, 3);
    }

    [Fact]
    public void The_default_retry_policy_allows_MaxAttempts_retries_then_stops()
    {
        var options = new SwitchboardReconnectOptions { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(100), JitterFactor = 0 };
        var policy = new SwitchboardBackoffRetryPolicy(options);
        var lost = new SwitchboardCloseInfo((CloseCode)SwitchboardCloseInfo.AbnormalClosure, null, true);
        Assert.Equal(TimeSpan.FromMilliseconds(100), policy.NextRetryDelay(new SwitchboardRetryContext(0, TimeSpan.Zero, null, lost)));
        Assert.Equal(TimeSpan.FromMilliseconds(200), policy.NextRetryDelay(new SwitchboardRetryContext(1, TimeSpan.Zero, new IOException(), lost)));
        Assert.Null(policy.NextRetryDelay(new SwitchboardRetryContext(2, TimeSpan.Zero, new IOException(), lost)));

        // Built from the options when no policy is set; an explicit policy is used as given.
        Assert.Null(new SwitchboardClientOptions().Reconnect.RetryPolicy);
    }

    [Theory]
    [InlineData(SwitchboardEventBufferFullMode.DropOldest, new[] { "b", "c" }, 1)]
    [InlineData(SwitchboardEventBufferFullMode.DropNewest, new[] { "a", "b" }, 1)]
    public async Task Full_buffers_drop_per_the_configured_mode(SwitchboardEventBufferFullMode mode, string[] expected, int droppedCount)
    {
        var dropped = new List<IServerEvent>();
        var subscription = new EventSubscription<EchoEvent>(2, mode, dropped.Add);
        foreach (var data in new[] { "a", "b", "c" })
        {
            await subscription.WriteAsync(new EchoEvent { Data = data }, CancellationToken.None);
        }

        var read = new List<string>();
        while (subscription.Reader.TryRead(out var item))
        {
            read.Add(item.Data);
        }

        Assert.Equal(expected, read);
        Assert.Equal(droppedCount, dropped.Count);
    }

    [Fact]
    public async Task Wait_mode_applies_back_pressure_until_the_subscriber_reads()
    {
        var subscription = new EventSubscription<EchoEvent>(1, SwitchboardEventBufferFullMode.Wait, null);
        await subscription.WriteAsync(new EchoEvent { Data = "a" }, CancellationToken.None);
        var pending = subscription.WriteAsync(new EchoEvent { Data = "b" }, CancellationToken.None).AsTask();
        Assert.False(pending.IsCompleted);
        Assert.True(subscription.Reader.TryRead(out var first));
        Assert.Equal("a", first.Data);
        await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(subscription.Reader.TryRead(out var second));
        Assert.Equal("b", second.Data);
    }

    [Fact]
    public void Jwt_expiry_is_read_from_the_payload()
    {
        // {"alg":"HS256"}.{"sub":"a","exp":1900000000,"nested":{"exp":1}}.sig
        static string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var token = B64("{\"alg\":\"HS256\"}") + "." + B64("{\"nested\":{\"exp\":1},\"sub\":\"a\",\"exp\":1900000000}") + ".c2ln";
        Assert.True(JwtExpiry.TryGetExpiry(token, out var exp));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1900000000), exp);
        Assert.False(JwtExpiry.TryGetExpiry("opaque-token", out _));
        Assert.False(JwtExpiry.TryGetExpiry(B64("{}") + "." + B64("{\"sub\":\"a\"}") + ".x", out _));
        Assert.False(JwtExpiry.TryGetExpiry("a.!!!.b", out _));
    }

    [Theory]
    [InlineData(4408, true)]
    [InlineData(4419, true)]
    [InlineData(4429, true)]
    [InlineData(4499, true)]
    [InlineData(4503, true)]
    [InlineData(1006, true)]
    [InlineData(1001, true)]
    [InlineData(1000, false)]
    [InlineData(4400, false)]
    [InlineData(4401, false)]
    [InlineData(4403, false)]
    [InlineData(4413, false)]
    [InlineData(1007, false)] // invalid UTF-8 (SB-CODEC-002): a client bug, reconnecting does not help
    public void Close_codes_are_classified_per_the_spec(int code, bool retryable) =>
        Assert.Equal(retryable, SwitchboardClient.IsRetryableCloseCode((CloseCode)code));

    /// <summary>The typed surface is driven by the spec's command metadata: every command with a reply has a typed method returning it.</summary>
    [Fact]
    public void Every_command_with_a_reply_has_a_typed_method_returning_that_reply()
    {
        var methods = typeof(SwitchboardClient).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.ReturnType.IsGenericType && m.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>) && !m.IsGenericMethodDefinition)
            .ToList();
        var missing = new List<string>();
        foreach (var command in CommandMetadata.All)
        {
            if (command.ReplyEvent is null || command.Name == CommandNames.Received)
            {
                continue; // PONG (no reply) and RECEIVED (sent by the client itself: AcknowledgeAsync)
            }

            Assert.True(EventMetadata.TryGet(command.ReplyEvent, out var reply));
            var expectedName = ToPascal(command.Name) + "Async";
            var method = methods.FirstOrDefault(m => m.Name == expectedName);
            if (method is null || method.ReturnType.GetGenericArguments()[0] != reply.PayloadType)
            {
                missing.Add($"{command.Name} -> {expectedName} returning ValueTask<{reply.PayloadType.Name}>");
            }
        }

        Assert.Empty(missing);
    }

    private static string ToPascal(string wire) =>
        string.Concat(wire.Split('_').Select(p => p[0] + p[1..].ToLowerInvariant()));
}
