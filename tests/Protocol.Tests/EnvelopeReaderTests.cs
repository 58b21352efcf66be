using System.Text;
using Switchboard.Protocol.Codec;

namespace Switchboard.Protocol.Tests;

/// <summary>Hand-written cases for each bad-input class (exact code and path), property order and forward compatibility.</summary>
public sealed class EnvelopeReaderTests
{
    private static (bool Ok, ClientEnvelope Envelope, ProtocolError Error) Command(string json, CodecLimits? limits = null, string? role = null)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var ok = EnvelopeReader.TryReadCommand(bytes, limits ?? CodecLimits.Default, role, out var envelope, out var error);

        // The sequence overload (segmented) must agree with the span overload.
        var ok2 = EnvelopeReader.TryReadCommand(Segmented.Split(bytes, 4), limits ?? CodecLimits.Default, role, out var envelope2, out var error2);
        Assert.Equal(ok, ok2);
        Assert.Equal(error, error2);
        Assert.Equal(envelope.Cid, envelope2.Cid);
        Assert.Equal(envelope.Command, envelope2.Command);
        return (ok, envelope, error);
    }

    private static void AssertError(string json, ErrorCode code, string? path, string? cid = null)
    {
        var (ok, envelope, error) = Command(json);
        Assert.False(ok, "accepted: " + json);
        Assert.Equal(code, error.Code);
        Assert.Equal(path, error.Path);
        Assert.Equal(cid, envelope.Cid);
    }

    [Fact]
    public void ReadsCommandWithCidAndRequest()
    {
        var (ok, envelope, _) = Command("""{"command":"ECHO","cid":"c1","request":{"data":"hi"}}""");
        Assert.True(ok);
        Assert.Equal(CommandNames.Echo, envelope.Command);
        Assert.Same(CommandNames.Echo, envelope.Command);
        Assert.Equal("c1", envelope.Cid);
        Assert.Equal("hi", Assert.IsType<EchoCommand>(envelope.Request).Data);
        Assert.Same(CommandMetadata.Echo, envelope.Descriptor);
    }

    [Fact]
    public void RequestBeforeCommandIsAccepted()
    {
        var (ok, envelope, error) = Command("""{"request":{"delay_ms":1500,"label":"tea"},"cid":"t1","command":"SET_TIMER"}""");
        Assert.True(ok, error.ToString());
        var timer = Assert.IsType<SetTimerCommand>(envelope.Request);
        Assert.Equal(1500, timer.DelayMs);
        Assert.Equal("tea", timer.Label);
        Assert.Equal("t1", envelope.Cid);
    }

    [Fact]
    public void RequestBeforeCommandReportsPayloadErrorsWithPath()
    {
        AssertError("""{"request":{"delay_ms":"soon"},"cid":"t2","command":"SET_TIMER"}""", ErrorCode.InvalidField, "$.request.delay_ms", "t2");
    }

    [Fact]
    public void UnknownPropertiesAreIgnored()
    {
        var (ok, envelope, error) = Command("""{"x":[1,{"y":null}],"command":"SEND_PRIVATE_MESSAGE","v":2,"request":{"future":{"a":[true]},"to":"dave","data":"hi","zzz":1}}""");
        Assert.True(ok, error.ToString());
        var send = Assert.IsType<SendPrivateMessageCommand>(envelope.Request);
        Assert.Equal("dave", send.To);
        Assert.Equal("hi", send.Data);
        Assert.Null(send.Namespace);
    }

    [Fact]
    public void AbsentRequestIsAnEmptyObject()
    {
        var (ok, envelope, _) = Command("""{"command":"PONG"}""");
        Assert.True(ok);
        Assert.IsType<PongCommand>(envelope.Request);
        AssertError("""{"command":"ECHO","cid":"c5"}""", ErrorCode.MissingField, "$.request.data", "c5");
    }

    [Fact]
    public void NullOptionalIsAbsentAndNullRequiredIsMissing()
    {
        var (ok, envelope, _) = Command("""{"command":"SET_TIMER","request":{"delay_ms":5,"label":null}}""");
        Assert.True(ok);
        Assert.Null(((SetTimerCommand)envelope.Request).Label);
        AssertError("""{"command":"ECHO","request":{"data":null}}""", ErrorCode.MissingField, "$.request.data");
        AssertError("""{"command":"ECHO","request":{"data":"x","data":null}}""", ErrorCode.MissingField, "$.request.data");
    }

    [Theory]
    [InlineData("""{"command":"GET_DAY_ACCESS","request":null}""")]
    [InlineData("""{"request":null,"command":"GET_DAY_ACCESS"}""")]
    public void NullRequestIsAnEmptyRequest(string json)
    {
        // SB-ENV-008: "request": null is an absent request, i.e. {} (not 1008).
        var (ok, envelope, error) = Command(json);
        Assert.True(ok, error.ToString());
        Assert.IsType<GetDayAccessCommand>(envelope.Request);
        AssertError("""{"command":"ECHO","cid":"c1","request":null}""", ErrorCode.MissingField, "$.request.data", "c1");
    }

    [Theory]
    [InlineData("""{"command":"ECHO\ud800","cid":"c1","request":{"data":"x"}}""", ErrorCode.InvalidEnvelope, "$.command", "c1")]
    [InlineData("""{"command":"\udc00","cid":"c1"}""", ErrorCode.InvalidEnvelope, "$.command", "c1")]
    [InlineData("""{"command":"ECHO","cid":"a\ud800","request":{"data":"x"}}""", ErrorCode.InvalidField, "$.cid", null)]
    [InlineData("""{"command":"SEND_GROUP_MESSAGE","cid":"c1","request":{"data":"\ud800\u0041"}}""", ErrorCode.InvalidField, "$.request.data", "c1")]
    public void LoneSurrogateEscapesAreErrorsOfTheFieldTheyAreIn(string json, ErrorCode code, string path, string? cid)
    {
        // SB-CODEC-018: valid JSON syntax, but the value cannot be decoded as text.
        AssertError(json, code, path, cid);
    }

    [Fact]
    public void LoneSurrogateInAnIgnoredPropertyHasNoEffect()
    {
        var (ok, _, error) = Command("""{"command":"ECHO","x":"\ud800","request":{"data":"x","future":"\udc00"}}""");
        Assert.True(ok, error.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("{\"command\":\"ECHO\",")]
    [InlineData("{'command':'ECHO'}")]
    [InlineData("{\"command\":\"ECHO\",\"request\":{\"data\":\"x\"}} x")]
    [InlineData("{\"command\":\"ECHO\",\"request\":{\"data\":\"x\"}}{}")]
    [InlineData("{\"command\":\"ECHO\",\"request\":{\"data\":\"x\",}}")]
    [InlineData("{\"command\":\"ECHO\" /* c */}")]
    [InlineData("[1,2")]
    public void MalformedJsonIs1001WithoutCid(string json)
    {
        AssertError(json, ErrorCode.MalformedJson, null);
    }

    [Fact]
    public void MalformedJsonAfterAPayloadErrorIsStill1001()
    {
        // Syntax (check 4) is decided before payload fields (check 8).
        AssertError("{\"command\":\"ECHO\",\"cid\":\"c\",\"request\":{\"data\":5}", ErrorCode.MalformedJson, null);
        AssertError("{\"request\":{\"data\":5},\"command\":\"ECHO\"", ErrorCode.MalformedJson, null);
    }

    [Fact]
    public void InvalidUtf8Is1002()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"command\":\"ECHO\",\"request\":{\"data\":\"ab\"}}");
        bytes[37] = 0xFF;
        Assert.False(EnvelopeReader.TryReadCommand(bytes, out _, out var error));
        Assert.Equal(ErrorCode.InvalidUtf8, error.Code);

        // Truncated multi-byte sequence at the very end of a segmented frame.
        var truncated = Encoding.UTF8.GetBytes("{\"command\":\"ECHO\"}").Concat(new byte[] { 0xE4, 0xBD }).ToArray();
        Assert.False(EnvelopeReader.TryReadCommand(Segmented.Split(truncated, 3), out _, out error));
        Assert.Equal(ErrorCode.InvalidUtf8, error.Code);
    }

    [Fact]
    public void MultiByteCharactersSplitAcrossSegmentsAreValid()
    {
        var json = "{\"command\":\"ECHO\",\"request\":{\"data\":\"你好 👋 ü\"}}";
        var bytes = Encoding.UTF8.GetBytes(json);
        for (var size = 1; size <= 8; size++)
        {
            Assert.True(EnvelopeReader.TryReadCommand(Segmented.Split(bytes, size), out var envelope, out var error), $"segment size {size}: {error}");
            Assert.Equal("你好 👋 ü", ((EchoCommand)envelope.Request).Data);
        }
    }

    [Fact]
    public void UnknownCommandIs1003WithNameAndCid()
    {
        var (ok, envelope, error) = Command("""{"command":"FLY","cid":"u1","request":{"x":1}}""");
        Assert.False(ok);
        Assert.Equal(ErrorCode.UnknownCommand, error.Code);
        Assert.Equal("FLY", envelope.Command);
        Assert.Equal("u1", envelope.Cid);
        Assert.Null(envelope.Descriptor);
        AssertError("""{"command":"echo","cid":"u2"}""", ErrorCode.UnknownCommand, "$.command", "u2");
    }

    [Fact]
    public void EscapedCommandNameIsRecognised()
    {
        var (ok, envelope, _) = Command("""{"command":"\u0045CHO","request":{"data":"x"}}""");
        Assert.True(ok);
        Assert.Equal("ECHO", envelope.Command);
    }

    [Fact]
    public void MissingFieldIs1004WithPath()
    {
        AssertError("""{"cid":"c1","request":{}}""", ErrorCode.MissingField, "$.command", "c1");
        AssertError("""{"command":"SEND_PRIVATE_MESSAGE","cid":"p5","request":{"data":"hi"}}""", ErrorCode.MissingField, "$.request.to", "p5");
        // Schema order decides which missing field is reported first.
        AssertError("""{"command":"SEND_PRIVATE_MESSAGE","request":{}}""", ErrorCode.MissingField, "$.request.to");
    }

    [Theory]
    [InlineData("""{"command":"ECHO","request":{"data":5}}""", "$.request.data")]
    [InlineData("""{"command":"ECHO","request":{"data":["x"]}}""", "$.request.data")]
    [InlineData("""{"command":"SET_TIMER","request":{"delay_ms":"5"}}""", "$.request.delay_ms")]
    [InlineData("""{"command":"SET_TIMER","request":{"delay_ms":1.5}}""", "$.request.delay_ms")]
    [InlineData("""{"command":"SET_TIMER","request":{"delay_ms":1e3}}""", "$.request.delay_ms")]
    [InlineData("""{"command":"SET_TIMER","request":{"delay_ms":99999999999999999999}}""", "$.request.delay_ms")]
    [InlineData("""{"command":"SET_TIMER","request":{"delay_ms":0}}""", "$.request.delay_ms")]
    [InlineData("""{"command":"SET_TIMER","request":{"delay_ms":86400001}}""", "$.request.delay_ms")]
    [InlineData("""{"command":"SEND_GROUP_MESSAGE","request":{"data":"hi","include_self":"no"}}""", "$.request.include_self")]
    [InlineData("""{"command":"SEND_GROUP_MESSAGE","request":{"data":""}}""", "$.request.data")]
    [InlineData("""{"command":"SEND_PRIVATE_MESSAGE","request":{"to":"dave","data":"hi","namespace":"desktop"}}""", "$.request.namespace")]
    [InlineData("""{"command":"SEND_PRIVATE_MESSAGE","request":{"to":"dave","data":"hi","namespace":"WEB"}}""", "$.request.namespace")]
    [InlineData("""{"command":"CREATE_WORK_ORDER","request":{"title":"t","body":"b","assignee":"bad id!"}}""", "$.request.assignee")]
    [InlineData("""{"command":"CREATE_WORK_ORDER","request":{"title":"t","body":"b","assignee":"ok\n"}}""", "$.request.assignee")]
    [InlineData("""{"command":"ECHO","request":{"data":"\ud800"}}""", "$.request.data")]
    public void WrongTypeOrConstraintIs1005WithPath(string json, string path)
    {
        AssertError(json, ErrorCode.InvalidField, path);
    }

    [Theory]
    [InlineData("""{"command":"SEND_PRIVATE_MESSAGE","request":{"data":5}}""", ErrorCode.MissingField, "$.request.to")]
    [InlineData("""{"command":"SEND_PRIVATE_MESSAGE","request":{"data":5,"to":7}}""", ErrorCode.InvalidField, "$.request.to")]
    [InlineData("""{"command":"SEND_PRIVATE_MESSAGE","request":{"namespace":"x","data":"hi","to":"d"}}""", ErrorCode.InvalidField, "$.request.namespace")]
    [InlineData("""{"command":"SEND_PRIVATE_MESSAGE","request":{"namespace":{"deep":[1,{"x":2}]},"data":[[],{}],"to":"d"}}""", ErrorCode.InvalidField, "$.request.data")]
    [InlineData("""{"request":{"namespace":"x","to":"d"},"command":"SEND_PRIVATE_MESSAGE"}""", ErrorCode.MissingField, "$.request.data")]
    public void PayloadErrorsAreReportedInSchemaOrder(string json, ErrorCode code, string path)
    {
        AssertError(json, code, path);
    }

    [Fact]
    public void NestedErrorsAreReportedInSchemaOrderToo()
    {
        var json = """{"event":"ROOM_STATE","response":{"members":[{"role":"king","id":"b","name":"B"}],"seq":0,"recovered":true,"missed":0,"room":5}}""";
        Assert.False(EnvelopeReader.TryReadEvent(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Equal(new ProtocolError(ErrorCode.InvalidField, error.Message, "$.response.room"), error);

        json = """{"event":"ROOM_STATE","response":{"room":"r","members":[{"role":"king","name":7}],"seq":0,"recovered":true,"missed":0}}""";
        Assert.False(EnvelopeReader.TryReadEvent(Encoding.UTF8.GetBytes(json), out _, out error));
        Assert.Equal(ErrorCode.MissingField, error.Code);
        Assert.Equal("$.response.members[0].id", error.Path);
    }

    [Fact]
    public void OversizedIs1006()
    {
        var json = "{\"command\":\"ECHO\",\"request\":{\"data\":\"" + new string('a', 100) + "\"}}";
        var limits = new CodecLimits { MaxMessageBytes = json.Length - 1 };
        var (ok, _, error) = Command(json, limits);
        Assert.False(ok);
        Assert.Equal(ErrorCode.MessageTooLarge, error.Code);
        Assert.True(Command(json, new CodecLimits { MaxMessageBytes = json.Length }).Ok);
    }

    [Theory]
    [InlineData("[]", "$")]
    [InlineData("null", "$")]
    [InlineData("\"ECHO\"", "$")]
    [InlineData("42", "$")]
    [InlineData("""{"command":7,"cid":"c7"}""", "$.command")]
    [InlineData("""{"command":null}""", "$.command")]
    [InlineData("""{"command":"ECHO","request":"hello"}""", "$.request")]
    [InlineData("""{"command":"ECHO","request":["hello"]}""", "$.request")]
    [InlineData("""{"command":"ECHO","command":"PONG"}""", "$")]
    public void BadEnvelopeIs1008(string json, string path)
    {
        var (ok, _, error) = Command(json);
        Assert.False(ok);
        Assert.Equal(ErrorCode.InvalidEnvelope, error.Code);
        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void EnvelopeErrorsKeepCidAndCommand()
    {
        var (_, envelope, error) = Command("""{"command":"ECHO","cid":"c4","request":"hello"}""");
        Assert.Equal(ErrorCode.InvalidEnvelope, error.Code);
        Assert.Equal("c4", envelope.Cid);
        Assert.Equal("ECHO", envelope.Command);
    }

    [Theory]
    [InlineData("""{"command":"ECHO","cid":5,"request":{"data":"x"}}""")]
    [InlineData("""{"command":"ECHO","cid":"","request":{"data":"x"}}""")]
    [InlineData("""{"command":"ECHO","cid":null,"request":{"data":"x"}}""")]
    [InlineData("""{"command":"ECHO","cid":"01234567890123456789012345678901234567890123456789012345678901234","request":{"data":"x"}}""")]
    public void InvalidCidIs1005AtCidWithoutCid(string json)
    {
        AssertError(json, ErrorCode.InvalidField, "$.cid");
    }

    [Fact]
    public void CidOf64CodePointsIsValid()
    {
        var cid = string.Concat(Enumerable.Repeat("👋", 64)); // 128 UTF-16 units, 64 code points
        var (ok, envelope, error) = Command($"{{\"command\":\"ECHO\",\"cid\":\"{cid}\",\"request\":{{\"data\":\"x\"}}}}");
        Assert.True(ok, error.ToString());
        Assert.Equal(cid, envelope.Cid);
    }

    [Fact]
    public void RoleIsCheckedBeforePayload()
    {
        // GRAB is for agents; a visitor gets 2004 even though the payload is also invalid.
        var (ok, envelope, error) = Command("""{"command":"GRAB","cid":"g","request":{}}""", role: "visitor");
        Assert.False(ok);
        Assert.Equal(ErrorCode.Forbidden, error.Code);
        Assert.Equal("g", envelope.Cid);
        Assert.Same(CommandMetadata.Grab, envelope.Descriptor);

        (ok, _, error) = Command("""{"command":"GRAB","request":{}}""", role: "agent");
        Assert.False(ok);
        Assert.Equal(ErrorCode.MissingField, error.Code);
        Assert.True(Command("""{"command":"ECHO","request":{"data":"x"}}""", role: "visitor").Ok);
    }

    [Fact]
    public void NestingBeyondTheLimitIs1001()
    {
        static string Nest(int depth) => "{\"command\":\"ECHO\",\"request\":{\"data\":\"x\",\"deep\":" + new string('[', depth) + new string(']', depth) + "}}";
        Assert.True(Command(Nest(64)).Ok); // SB-CODEC-017: depth 64 inside request is accepted
        var (ok, _, error) = Command(Nest(200));
        Assert.False(ok);
        Assert.Equal(ErrorCode.MalformedJson, error.Code);
    }

    [Fact]
    public void ReadCommandThrowsSwitchboardException()
    {
        var ex = Assert.Throws<SwitchboardException>(() => EnvelopeReader.ReadCommand("""{"command":"ECHO","request":{}}"""u8));
        Assert.Equal(ErrorCode.MissingField, ex.Code);
        Assert.Equal("MISSING_FIELD", ex.ErrorName);
        Assert.Equal("$.request.data", ex.Path);
    }

    // ------------------------------------------------------------ events

    [Fact]
    public void EventNestedArrayErrorsCarryIndexPaths()
    {
        var json = """{"event":"ROOM_STATE","response":{"room":"r","members":[{"id":"a","name":"A","role":"user"},{"id":"b","name":"B","role":"king"}],"seq":0,"recovered":true,"missed":0}}""";
        Assert.False(EnvelopeReader.TryReadEvent(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Equal(ErrorCode.InvalidField, error.Code);
        Assert.Equal("$.response.members[1].role", error.Path);

        json = """{"event":"ROOM_STATE","response":{"room":"r","members":[{"id":"a","role":"user"}],"seq":0,"recovered":true,"missed":0}}""";
        Assert.False(EnvelopeReader.TryReadEvent(Encoding.UTF8.GetBytes(json), out _, out error));
        Assert.Equal(ErrorCode.MissingField, error.Code);
        Assert.Equal("$.response.members[0].name", error.Path);
    }

    [Fact]
    public void EventEnvelopeChecks()
    {
        static ProtocolError Err(string json)
        {
            Assert.False(EnvelopeReader.TryReadEvent(Encoding.UTF8.GetBytes(json), out _, out var e));
            return e;
        }

        Assert.Equal(new ProtocolError(ErrorCode.MissingField, Err("""{"response":{}}""").Message, "$.event"), Err("""{"response":{}}"""));
        Assert.Equal(ErrorCode.InvalidEnvelope, Err("""{"event":1,"response":{}}""").Code);
        Assert.Equal("$.response", Err("""{"event":"PING"}""").Path);
        Assert.Equal(ErrorCode.InvalidEnvelope, Err("""{"event":"PING","response":[]}""").Code);
        Assert.Equal("$.seq", Err("""{"event":"PING","seq":0,"response":{"at":"2026-11-23T05:30:00.123Z"}}""").Path);
        Assert.Equal("$.seq", Err("""{"event":"PING","seq":"1","response":{"at":"2026-11-23T05:30:00.123Z"}}""").Path);
        Assert.Equal(ErrorCode.UnknownCommand, Err("""{"event":"FUTURE_THING","response":{}}""").Code);
        Assert.Equal("$.response.at", Err("""{"event":"PING","response":{"at":"2026-11-23T05:30:00.123"}}""").Path);
        Assert.Equal("$.response.at", Err("""{"event":"PING","response":{"at":"yesterday"}}""").Path);
    }

    [Fact]
    public void EventResponseBeforeEventIsAccepted()
    {
        var json = """{"response":{"at":"2026-11-23T07:30:00.123+02:00"},"seq":3,"event":"PING"}""";
        Assert.True(EnvelopeReader.TryReadEvent(Encoding.UTF8.GetBytes(json), out var envelope, out var error), error.ToString());
        var ping = Assert.IsType<PingEvent>(envelope.Response);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 5, 30, 0, 123, TimeSpan.Zero), ping.At);
        Assert.Equal(3, envelope.Seq);
    }
}
