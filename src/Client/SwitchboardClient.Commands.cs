using Switchboard.Protocol;

namespace Switchboard.Client;

// One typed method per command of the contract's command table: each sends the command with a fresh cid and returns the
// success reply event, or throws SwitchboardException with the spec's ErrorCode on ERROR / SEND_MESSAGE_ERROR / TRANSFER_ERROR.
public sealed partial class SwitchboardClient
{
    /// <summary><c>ECHO</c>: the server sends <paramref name="data"/> back.</summary>
    public ValueTask<EchoEvent> EchoAsync(string data, CancellationToken cancellationToken = default) =>
        InvokeAsync<EchoEvent>(new EchoCommand { Data = data }, cancellationToken);

    /// <summary><c>REFRESH_TOKEN</c>: replaces the connection's token before it expires (done automatically, see <see cref="SwitchboardClientOptions.TokenRefreshRatio"/>).</summary>
    public ValueTask<AckEvent> RefreshTokenAsync(string token, CancellationToken cancellationToken = default) =>
        InvokeAsync<AckEvent>(new RefreshTokenCommand { Token = token }, cancellationToken);

    /// <summary>
    /// <c>JOIN_ROOM</c>: joins <paramref name="room"/>; with <paramref name="since"/> the room messages after that
    /// <c>room_seq</c> are replayed first. The client re-joins automatically after a reconnect (with since = last room_seq seen).
    /// </summary>
    public ValueTask<RoomStateEvent> JoinRoomAsync(string room, long? since = null, CancellationToken cancellationToken = default) =>
        InvokeAsync<RoomStateEvent>(new JoinRoomCommand { Room = room, Since = since }, cancellationToken);

    /// <summary><c>LEAVE_ROOM</c>: leaves <paramref name="room"/> (and stops re-joining it after reconnects).</summary>
    public ValueTask<AckEvent> LeaveRoomAsync(string room, CancellationToken cancellationToken = default) =>
        InvokeAsync<AckEvent>(new LeaveRoomCommand { Room = room }, cancellationToken);

    /// <summary><c>SEND_ROOM_MESSAGE</c>: broadcasts <paramref name="data"/> to every member of <paramref name="room"/> (sender included).</summary>
    public ValueTask<SendMessageSuccessEvent> SendRoomMessageAsync(string room, string data, CancellationToken cancellationToken = default) =>
        InvokeAsync<SendMessageSuccessEvent>(new SendRoomMessageCommand { Room = room, Data = data }, cancellationToken);

    /// <summary><c>SEND_GROUP_MESSAGE</c>: sends <paramref name="data"/> to every connection of the namespace.</summary>
    public ValueTask<SendMessageSuccessEvent> SendGroupMessageAsync(string data, bool includeSelf = true, CancellationToken cancellationToken = default) =>
        InvokeAsync<SendMessageSuccessEvent>(new SendGroupMessageCommand { Data = data, IncludeSelf = includeSelf }, cancellationToken);

    /// <summary>
    /// <c>SEND_PRIVATE_MESSAGE</c>: sends <paramref name="data"/> to user <paramref name="to"/> (durable: delivered also when
    /// the recipient is offline). <paramref name="namespace"/> addresses the recipient in another namespace (<c>web</c>/<c>app</c>).
    /// </summary>
    public ValueTask<SendMessageSuccessEvent> SendPrivateMessageAsync(string to, string data, string? @namespace = null, CancellationToken cancellationToken = default) =>
        InvokeAsync<SendMessageSuccessEvent>(new SendPrivateMessageCommand { To = to, Data = data, Namespace = ParseNamespace(@namespace) }, cancellationToken);

    /// <summary>
    /// <c>GET_ONLINE_LIST</c>: the users online in this namespace. <paramref name="subscribe"/> also subscribes to <c>ONLINE</c>
    /// deltas; <paramref name="fullList"/> to a pushed <c>ONLINE_LIST</c> after every change.
    /// </summary>
    public ValueTask<OnlineListEvent> GetOnlineListAsync(bool subscribe = false, bool fullList = false, CancellationToken cancellationToken = default) =>
        InvokeAsync<OnlineListEvent>(new GetOnlineListCommand { Subscribe = subscribe, FullList = fullList }, cancellationToken);

    /// <summary><c>REQUEST_SERVICE</c> (visitor): enters the service queue; the reply is the waiting conversation.</summary>
    public ValueTask<ConversationEvent> RequestServiceAsync(string? topic = null, string? data = null, CancellationToken cancellationToken = default) =>
        InvokeAsync<ConversationEvent>(new RequestServiceCommand { Topic = topic, Data = data }, cancellationToken);

    /// <summary><c>GRAB</c> (agent): claims a waiting conversation announced by <c>QIANGDAN</c>; the first agent wins (others get GRAB_LOST).</summary>
    public ValueTask<ConversationEvent> GrabAsync(string conversationId, CancellationToken cancellationToken = default) =>
        InvokeAsync<ConversationEvent>(new GrabCommand { ConversationId = conversationId }, cancellationToken);

    /// <summary>
    /// <c>OPEN_CONVERSATION</c> (agent): makes <paramref name="conversationId"/> the open conversation (its messages arrive as
    /// <c>NEW_MESSAGE</c>, others as <c>NEW_MESSAGE_USER</c>); <see langword="null"/> opens none.
    /// </summary>
    public ValueTask<AckEvent> OpenConversationAsync(string? conversationId, CancellationToken cancellationToken = default) =>
        InvokeAsync<AckEvent>(new OpenConversationCommand { ConversationId = conversationId }, cancellationToken);

    /// <summary><c>SEND_MESSAGE</c> (visitor, agent): sends <paramref name="data"/> in a conversation.</summary>
    public ValueTask<SendMessageSuccessEvent> SendMessageAsync(string conversationId, string data, CancellationToken cancellationToken = default) =>
        InvokeAsync<SendMessageSuccessEvent>(new SendMessageCommand { ConversationId = conversationId, Data = data }, cancellationToken);

    /// <summary><c>CLOSE_CONVERSATION</c> (visitor, agent).</summary>
    public ValueTask<AckEvent> CloseConversationAsync(string conversationId, CancellationToken cancellationToken = default) =>
        InvokeAsync<AckEvent>(new CloseConversationCommand { ConversationId = conversationId }, cancellationToken);

    /// <summary><c>REQUEST_TRANSFER</c> (agent): asks agent <paramref name="to"/> to take over; the reply is the pending transfer.</summary>
    public ValueTask<TransferEvent> RequestTransferAsync(string conversationId, string to, string? note = null, CancellationToken cancellationToken = default) =>
        InvokeAsync<TransferEvent>(new RequestTransferCommand { ConversationId = conversationId, To = to, Note = note }, cancellationToken);

    /// <summary><c>ACCEPT_TRANSFER</c> (agent): takes over the conversation of an <c>RTRANSFER</c>.</summary>
    public ValueTask<AckEvent> AcceptTransferAsync(string transferId, CancellationToken cancellationToken = default) =>
        InvokeAsync<AckEvent>(new AcceptTransferCommand { TransferId = transferId }, cancellationToken);

    /// <summary><c>REFUSE_TRANSFER</c> (agent): declines an <c>RTRANSFER</c>.</summary>
    public ValueTask<AckEvent> RefuseTransferAsync(string transferId, string? reason = null, CancellationToken cancellationToken = default) =>
        InvokeAsync<AckEvent>(new RefuseTransferCommand { TransferId = transferId, Reason = reason }, cancellationToken);

    /// <summary><c>GET_DAY_ACCESS</c> (agent, admin): visitors taken today.</summary>
    public ValueTask<DayAccessEvent> GetDayAccessAsync(CancellationToken cancellationToken = default) =>
        InvokeAsync<DayAccessEvent>(new GetDayAccessCommand(), cancellationToken);

    /// <summary><c>CREATE_WORK_ORDER</c> (agent, admin).</summary>
    public ValueTask<WomsgEvent> CreateWorkOrderAsync(string title, string body, string? assignee = null, string? conversationId = null, CancellationToken cancellationToken = default) =>
        InvokeAsync<WomsgEvent>(new CreateWorkOrderCommand { Title = title, Body = body, Assignee = assignee, ConversationId = conversationId }, cancellationToken);

    /// <summary><c>UPDATE_WORK_ORDER</c> (agent, admin).</summary>
    public ValueTask<WomsgEvent> UpdateWorkOrderAsync(string workOrderId, WorkOrderStatus status, string? comment = null, CancellationToken cancellationToken = default) =>
        InvokeAsync<WomsgEvent>(new UpdateWorkOrderCommand { WorkOrderId = workOrderId, Status = status, Comment = comment }, cancellationToken);

    /// <summary><c>SET_TIMER</c>: a reminder <c>TIMER</c> event after <paramref name="delay"/> (1 ms .. 24 h).</summary>
    public ValueTask<TimerEvent> SetTimerAsync(TimeSpan delay, string? label = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delay, TimeSpan.FromDays(1));
        return InvokeAsync<TimerEvent>(new SetTimerCommand { DelayMs = (long)delay.TotalMilliseconds, Label = label }, cancellationToken);
    }

    private static Namespace? ParseNamespace(string? value) => value switch
    {
        null => null,
        SwitchboardNamespaces.Web => Protocol.Namespace.Web,
        SwitchboardNamespaces.App => Protocol.Namespace.App,
        _ => throw new ArgumentException($"Unknown namespace '{value}' (expected 'web' or 'app').", nameof(value)),
    };
}
