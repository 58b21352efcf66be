namespace Switchboard.Protocol.Tests;

public sealed class MetadataTests
{
    [Fact]
    public void NamesFollowTheContract()
    {
        Assert.Equal("NEW_MESSAGE", EventNames.NewMessage);
        Assert.Equal("SEND_PRIVATE_MESSAGE", CommandNames.SendPrivateMessage);
        Assert.Equal(1001, (int)ErrorCode.MalformedJson);
        Assert.Equal(4419, (int)CloseCode.TokenExpired);
        Assert.Equal("MALFORMED_JSON", ErrorCodes.GetName(ErrorCode.MalformedJson));
        Assert.True(ErrorCodes.TryParseName("TOKEN_EXPIRED", out var code));
        Assert.Equal(ErrorCode.TokenExpired, code);
        Assert.Equal("9999", ErrorCodes.GetName((ErrorCode)9999));
    }

    [Theory]
    [InlineData(CloseCode.Normal, false)]
    [InlineData(CloseCode.ProtocolError, false)]
    [InlineData(CloseCode.TokenExpired, true)]
    [InlineData(CloseCode.SlowConsumer, true)]
    [InlineData(CloseCode.ShuttingDown, true)]
    [InlineData(CloseCode.MessageTooBig, false)]
    public void CloseCodeRetryability(CloseCode code, bool retryable)
    {
        Assert.Equal(retryable, CloseCodes.IsRetryable(code));
    }

    [Fact]
    public void CommandMetadataComesFromTheSpec()
    {
        var send = CommandMetadata.SendMessage;
        Assert.Equal(["visitor", "agent"], send.Roles);
        Assert.True(send.IsAllowedFor("agent"));
        Assert.False(send.IsAllowedFor("user"));
        Assert.True(send.IsAllowedFor(Role.Visitor));
        Assert.False(send.IsAllowedFor(Role.Admin));
        Assert.Equal(EventNames.SendMessageSuccess, send.ReplyEvent);
        Assert.Equal(EventNames.SendMessageError, send.ErrorReplyEvent);
        Assert.Contains(ErrorCode.ConversationNotFound, send.Errors);
        Assert.Equal(typeof(SendMessageCommand), send.PayloadType);

        Assert.Null(CommandMetadata.Pong.ReplyEvent);
        Assert.True(CommandMetadata.Echo.AllowsAnyRole);
        Assert.Equal(CommandNames.All.Count, CommandMetadata.All.Count);
        foreach (var name in CommandNames.All)
        {
            Assert.True(CommandMetadata.TryGet(name, out var d));
            Assert.Equal(name, d.Name);
        }
    }

    [Fact]
    public void EventMetadataComesFromTheSpec()
    {
        Assert.Equal(DeliveryClass.Durable, EventMetadata.NewMessage.Delivery);
        Assert.Equal(DeliveryClass.Durable, EventMetadata.PrivateMessage.Delivery);
        Assert.Equal(DeliveryClass.Live, EventMetadata.Ping.Delivery);
        Assert.Equal(DeliveryClass.Room, EventMetadata.RoomMessage.Delivery);
        Assert.Equal(EventNames.All.Count, EventMetadata.All.Count);
        Assert.False(EventMetadata.TryGet("NOPE", out _));
    }

    [Fact]
    public void EnumWireStrings()
    {
        Assert.Equal("in_progress", WorkOrderStatus.InProgress.ToWireString());
        Assert.True(RoleExtensions.TryParseWire("visitor", out var role));
        Assert.Equal(Role.Visitor, role);
        Assert.False(RoleExtensions.TryParseWire("Visitor", out _));
        Assert.Equal("rooms-history", Capability.RoomsHistory.ToWireString());
    }
}
