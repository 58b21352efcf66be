using Switchboard.Server.ServiceDesk;

namespace Switchboard.Server.Tests.ServiceDesk.Domain;

public sealed class ServiceDeskOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_match_the_contract()
    {
        var options = new ServiceDeskOptions();
        Assert.True(new ServiceDeskOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal((30_000L, 240_000L, 300_000L), (options.TransferTimeoutMs, options.ConversationIdleWarningMs, options.ConversationIdleCloseMs));
    }

    [Theory]
    [InlineData(50, 240_000, 300_000, 0)]
    [InlineData(30_000, 300_000, 300_000, 0)]
    [InlineData(30_000, 0, 300_000, 0)]
    [InlineData(30_000, 240_000, -1, 0)]
    [InlineData(30_000, 240_000, 300_000, -5)]
    public void Invalid_values_fail(long transfer, long warning, long close, long grace)
    {
        var result = new ServiceDeskOptionsValidator().Validate(null, new ServiceDeskOptions
        {
            TransferTimeoutMs = transfer,
            ConversationIdleWarningMs = warning,
            ConversationIdleCloseMs = close,
            VisitorGraceMs = grace,
        });
        Assert.True(result.Failed);
    }

    [Fact]
    public void Idle_close_zero_disables_idle_handling_whatever_the_warning()
    {
        Assert.True(new ServiceDeskOptionsValidator().Validate(null, new ServiceDeskOptions { ConversationIdleCloseMs = 0, ConversationIdleWarningMs = 0 }).Succeeded);
    }
}
