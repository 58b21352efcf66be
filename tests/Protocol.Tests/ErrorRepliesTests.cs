using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol.Tests;

public sealed class ErrorRepliesTests
{
    [Fact]
    public void PicksTheCommandsErrorEvent()
    {
        Assert.True(!EnvelopeReader.TryReadCommand("""{"command":"SEND_GROUP_MESSAGE","cid":"g5","request":{"data":""}}"""u8, out var envelope, out var error));
        var reply = Assert.IsType<SendMessageErrorEvent>(ErrorReplies.Create(error, envelope));
        Assert.Equal(1005, reply.Code);
        Assert.Equal("INVALID_FIELD", reply.Error);
        Assert.Equal("$.request.data", reply.Path);
        Assert.Equal("SEND_GROUP_MESSAGE", reply.Command);

        Assert.False(EnvelopeReader.TryReadCommand("""{"command":"FLY","cid":"u1"}"""u8, out envelope, out error));
        var unknown = Assert.IsType<ErrorEvent>(ErrorReplies.Create(error, envelope));
        Assert.Equal("FLY", unknown.Command);
        Assert.Equal(ErrorCode.UnknownCommand, unknown.ErrorCode);

        var transfer = Assert.IsType<TransferErrorEvent>(ErrorReplies.Create(new ProtocolError(ErrorCode.TransferToSelf, "no"), CommandNames.RequestTransfer, CommandMetadata.RequestTransfer));
        Assert.Equal("TRANSFER_TO_SELF", transfer.Error);
        Assert.Equal(ErrorCode.TransferToSelf, transfer.ToException().Code);
    }

    [Fact]
    public void CloseEventRetryableComesFromTheSpec()
    {
        var close = CloseEvent.From(CloseCode.TokenExpired, "token expired");
        Assert.Equal(4419, close.Code);
        Assert.True(close.Retryable);
        Assert.False(CloseEvent.From(CloseCode.ProtocolError, "binary").Retryable);
    }
}
