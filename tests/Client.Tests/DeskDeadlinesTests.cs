using Switchboard.Protocol;
using Switchboard.Protocol.Codec;

namespace Switchboard.Client.Tests;

/// <summary>SB-HS-013: the desk deadlines read from CONNECT (0 = disabled, absent = no service desk).</summary>
public sealed class DeskDeadlinesTests
{
    private static ConnectEvent Connect(string extra) =>
        EnvelopeReader.TryReadEvent(System.Text.Encoding.UTF8.GetBytes(
            """{"event":"CONNECT","response":{"client_id":"c","user":{"id":"u","name":"u","role":"agent"},"namespace":"web","protocol":"switchboard.v1.json","server":"s","epoch":"e","seq":0,"recovered":true,"missed":0,"ping_interval_ms":25000,"idle_timeout_ms":60000,"max_message_bytes":65536,"rate_limit_per_second":100,"rate_limit_burst":200,"capabilities":["chat"]"""
            + extra + "}}"), out var envelope, out var error)
            ? (ConnectEvent)envelope.Response
            : throw new InvalidOperationException(error.ToString());

    [Fact]
    public void Zero_means_disabled()
    {
        var deadlines = SwitchboardDeskDeadlines.From(Connect(""","transfer_timeout_ms":12345,"conversation_idle_warning_ms":0,"conversation_idle_close_ms":0,"visitor_grace_ms":0"""));
        Assert.Equal(new SwitchboardDeskDeadlines(TimeSpan.FromMilliseconds(12345), null, null, null), deadlines);
    }

    [Fact]
    public void A_server_without_service_desk_advertises_none()
    {
        Assert.Null(SwitchboardDeskDeadlines.From(Connect("")));
    }
}
