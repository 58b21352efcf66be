using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Switchboard.Protocol;

namespace Switchboard.Client;

/// <summary>
/// Typed client of the Switchboard backend HTTP API (<c>/api/v1/...</c>, spec <c>x-http-api</c>): push to users, rooms and
/// namespaces, presence, day-access statistics, work orders, conversations and health. Request and response bodies are the
/// types generated from <c>spec/asyncapi.yaml</c> (<see cref="PushRequest"/>, <see cref="UserPushResult"/>,
/// <see cref="WorkOrder"/>, ...) serialized with the generated <see cref="SwitchboardJsonContext"/>, so the client cannot
/// drift from the spec. Authenticates with an admin token (Bearer). Register it with
/// <c>services.AddSwitchboardBackendClient(...)</c> (a typed <see cref="HttpClient"/> from <c>IHttpClientFactory</c>).
/// API errors (RFC 9457 problem+json, <see cref="ProblemDetails"/>) throw <see cref="SwitchboardException"/> with the
/// spec's <see cref="ErrorCode"/> and the problem's <c>path</c>; a success body that does not match its schema throws
/// <see cref="JsonException"/>.
/// </summary>
[SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "v1 surface as shipped: each convenience overload and its request-body overload differ in required parameters, so a call is never ambiguous.")]
public sealed class SwitchboardBackendClient
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient _http;
    private readonly SwitchboardBackendClientOptions _options;

    /// <summary>Creates the client over <paramref name="httpClient"/>; the options are validated now.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public SwitchboardBackendClient(HttpClient httpClient, SwitchboardBackendClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        var result = new SwitchboardBackendClientOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SwitchboardBackendClientOptions), result.Failures);
        }

        _http = httpClient;
        _options = options;
        _http.BaseAddress ??= SwitchboardBackendClientOptions.WithTrailingSlash(options.BaseAddress!);
    }

    /// <summary>Constructor used by dependency injection.</summary>
    [ActivatorUtilitiesConstructor]
    public SwitchboardBackendClient(HttpClient httpClient, IOptions<SwitchboardBackendClientOptions> options)
        : this(httpClient, (options ?? throw new ArgumentNullException(nameof(options))).Value)
    {
    }

    /// <summary>
    /// Pushes a durable <c>PUSH</c> event to every connection of user <paramref name="userId"/> in namespace
    /// <paramref name="namespace"/> (stored and delivered later when the user is offline) — <c>PushToUser</c>, SB-API-003.
    /// </summary>
    /// <param name="namespace">Wire namespace (<c>web</c> or <c>app</c>).</param>
    /// <param name="userId">Recipient user id.</param>
    /// <param name="topic">Application-defined topic (1-128 characters).</param>
    /// <param name="data">Any JSON value (use a JSON <c>null</c> element for null).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<UserPushResult> PushToUserAsync(string @namespace, string userId, string topic, JsonElement data, CancellationToken cancellationToken = default) =>
        PushToUserAsync(@namespace, userId, CreatePushRequest(topic, data), cancellationToken);

    /// <summary>Pushes <paramref name="request"/> as a durable <c>PUSH</c> to user <paramref name="userId"/> (SB-API-003).</summary>
    public Task<UserPushResult> PushToUserAsync(string @namespace, string userId, PushRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/namespaces/{Escape(@namespace)}/users/{Escape(userId)}/push", Body(request, SwitchboardJsonContext.Default.PushRequest), SwitchboardJsonContext.Default.UserPushResult, cancellationToken);

    /// <summary>Pushes a live <c>PUSH</c> event to the members of <paramref name="room"/> (SB-API-004).</summary>
    public Task<PushResult> PushToRoomAsync(string @namespace, string room, string topic, JsonElement data, CancellationToken cancellationToken = default) =>
        PushToRoomAsync(@namespace, room, CreatePushRequest(topic, data), cancellationToken);

    /// <summary>Pushes <paramref name="request"/> as a live <c>PUSH</c> to the members of <paramref name="room"/> (SB-API-004).</summary>
    public Task<PushResult> PushToRoomAsync(string @namespace, string room, PushRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/namespaces/{Escape(@namespace)}/rooms/{Escape(room)}/push", Body(request, SwitchboardJsonContext.Default.PushRequest), SwitchboardJsonContext.Default.PushResult, cancellationToken);

    /// <summary>Pushes a live <c>PUSH</c> event to every connection of <paramref name="namespace"/> (SB-API-005).</summary>
    public Task<PushResult> PushToNamespaceAsync(string @namespace, string topic, JsonElement data, CancellationToken cancellationToken = default) =>
        PushToNamespaceAsync(@namespace, CreatePushRequest(topic, data), cancellationToken);

    /// <summary>Pushes <paramref name="request"/> as a live <c>PUSH</c> to every connection of <paramref name="namespace"/> (SB-API-005).</summary>
    public Task<PushResult> PushToNamespaceAsync(string @namespace, PushRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/namespaces/{Escape(@namespace)}/push", Body(request, SwitchboardJsonContext.Default.PushRequest), SwitchboardJsonContext.Default.PushResult, cancellationToken);

    /// <summary>The users online in <paramref name="namespace"/>, sorted by id (<c>GetOnline</c>, SB-API-006).</summary>
    public Task<OnlineListResult> GetOnlineUsersAsync(string @namespace, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/v1/namespaces/{Escape(@namespace)}/online", null, SwitchboardJsonContext.Default.OnlineListResult, cancellationToken);

    /// <summary>Visitors taken per agent on <paramref name="date"/> (UTC; default today on the server) — SB-API-007.</summary>
    public Task<DayAccessStats> GetDayAccessStatsAsync(DateOnly? date = null, CancellationToken cancellationToken = default)
    {
        var query = new QueryBuilder();
        if (date is { } d)
        {
            query.Add("date", d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        return SendAsync(HttpMethod.Get, "api/v1/stats/day-access" + query, null, SwitchboardJsonContext.Default.DayAccessStats, cancellationToken);
    }

    /// <summary>Creates a work order; the assignee receives a durable <c>WOMSG</c> in <paramref name="namespace"/> (server default <c>web</c>) — SB-API-008.</summary>
    public Task<WorkOrder> CreateWorkOrderAsync(string title, string body, string? assignee = null, string? conversationId = null, Namespace? @namespace = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(body);
        return CreateWorkOrderAsync(new CreateWorkOrderRequest { Title = title, Body = body, Assignee = assignee, ConversationId = conversationId, Namespace = @namespace }, cancellationToken);
    }

    /// <summary>Creates the work order described by <paramref name="request"/> (SB-API-008).</summary>
    public Task<WorkOrder> CreateWorkOrderAsync(CreateWorkOrderRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "api/v1/work-orders", Body(request, SwitchboardJsonContext.Default.CreateWorkOrderRequest), SwitchboardJsonContext.Default.WorkOrder, cancellationToken);

    /// <summary>Lists work orders, optionally filtered by assignee and status and capped at <paramref name="limit"/> (1..1000, SB-API-017) — SB-API-009.</summary>
    public Task<WorkOrderList> ListWorkOrdersAsync(string? assignee = null, WorkOrderStatus? status = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var query = new QueryBuilder();
        if (assignee is not null)
        {
            query.Add("assignee", assignee);
        }

        if (status is { } s)
        {
            query.Add("status", s.ToWireString());
        }

        AddLimit(query, limit);
        return SendAsync(HttpMethod.Get, "api/v1/work-orders" + query, null, SwitchboardJsonContext.Default.WorkOrderList, cancellationToken);
    }

    /// <summary>Gets a work order; a missing one throws <see cref="SwitchboardException"/> with <see cref="ErrorCode.WorkOrderNotFound"/> — SB-API-010.</summary>
    public Task<WorkOrder> GetWorkOrderAsync(string workOrderId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/v1/work-orders/{Escape(workOrderId)}", null, SwitchboardJsonContext.Default.WorkOrder, cancellationToken);

    /// <summary>Changes a work order's status (the assignee receives a durable <c>WOMSG</c>) — SB-API-011.</summary>
    public Task<WorkOrder> UpdateWorkOrderAsync(string workOrderId, WorkOrderStatus status, string? comment = null, CancellationToken cancellationToken = default) =>
        UpdateWorkOrderAsync(workOrderId, new UpdateWorkOrderRequest { Status = status, Comment = comment }, cancellationToken);

    /// <summary>Applies <paramref name="request"/> to work order <paramref name="workOrderId"/> (SB-API-011).</summary>
    public Task<WorkOrder> UpdateWorkOrderAsync(string workOrderId, UpdateWorkOrderRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, $"api/v1/work-orders/{Escape(workOrderId)}", Body(request, SwitchboardJsonContext.Default.UpdateWorkOrderRequest), SwitchboardJsonContext.Default.WorkOrder, cancellationToken);

    /// <summary>Lists conversations sorted by <c>queued_at</c>, optionally in one state and capped at <paramref name="limit"/> (1..1000, SB-API-017) — SB-API-012.</summary>
    public Task<ConversationList> ListConversationsAsync(ConversationState? state = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var query = new QueryBuilder();
        if (state is { } s)
        {
            query.Add("state", s.ToWireString());
        }

        AddLimit(query, limit);
        return SendAsync(HttpMethod.Get, "api/v1/conversations" + query, null, SwitchboardJsonContext.Default.ConversationList, cancellationToken);
    }

    /// <summary>
    /// Closes a conversation from the backend (reason <c>backend</c>) and returns its summary — SB-API-013. Unknown id throws
    /// <see cref="SwitchboardException"/> with <see cref="ErrorCode.ConversationNotFound"/>, an already closed one with
    /// <see cref="ErrorCode.ConversationClosed"/>.
    /// </summary>
    public Task<ConversationSummary> CloseConversationAsync(string conversationId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"api/v1/conversations/{Escape(conversationId)}/close", null, SwitchboardJsonContext.Default.ConversationSummary, cancellationToken);

    /// <summary>
    /// The server's health (<c>GET /health</c>, no token, SB-API-016): <c>ok</c> while it accepts connections,
    /// <c>shutting_down</c> (HTTP 503) during graceful shutdown — both are returned, not thrown.
    /// </summary>
    public async Task<HealthStatus> GetHealthAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("health", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            throw await CreateErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }

        var health = await response.Content.ReadFromJsonAsync(SwitchboardJsonContext.Default.HealthStatus, cancellationToken).ConfigureAwait(false);
        return health ?? throw new JsonException("GET health returned a null body.");
    }

    private static PushRequest CreatePushRequest(string topic, JsonElement data)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (data.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException("data must be a JSON value (use a JSON null element for null).", nameof(data));
        }

        return new PushRequest { Topic = topic, Data = data };
    }

    private static JsonContent Body<T>(T request, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(request);
        return JsonContent.Create(request, typeInfo, JsonMediaType);
    }

    private static void AddLimit(QueryBuilder query, int? limit)
    {
        if (limit is { } n)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(limit));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(n, 1000, nameof(limit));
            query.Add("limit", n.ToString(CultureInfo.InvariantCulture));
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        var token = _options.Token ?? await _options.TokenProvider!(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await CreateErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }

        var result = await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken).ConfigureAwait(false);
        return result ?? throw new JsonException($"{method} {path} returned a null body.");
    }

    private static async Task<Exception> CreateErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is "application/problem+json" or "application/json")
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (TryReadProblem(bytes, out var code, out var error, out var detail, out var path))
            {
                return new SwitchboardException((ErrorCode)code, $"HTTP {status} {error}: {detail ?? response.ReasonPhrase ?? "request failed"}", path);
            }
        }

        return new HttpRequestException($"The Switchboard backend API answered HTTP {status} {response.ReasonPhrase}.", null, response.StatusCode);
    }

    /// <summary>
    /// Reads a problem document: the spec's <see cref="ProblemDetails"/> first; a document from an intermediary that lacks
    /// some required members still yields its <c>code</c> when it has one (the error then still maps to <see cref="ErrorCode"/>).
    /// </summary>
    private static bool TryReadProblem(byte[] body, out int code, out string? error, out string? detail, out string? path)
    {
        code = 0;
        error = detail = path = null;
        try
        {
            if (JsonSerializer.Deserialize(body, SwitchboardJsonContext.Default.ProblemDetails) is { } problem)
            {
                (code, error, detail, path) = (problem.Code, problem.Error, problem.Detail ?? problem.Title, problem.Path);
                return true;
            }
        }
        catch (JsonException)
        {
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("code", out var c) || c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out code))
            {
                return false;
            }

            error = StringMember(root, "error") ?? StringMember(root, "title");
            detail = StringMember(root, "detail") ?? StringMember(root, "title");
            path = StringMember(root, "path");
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? StringMember(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Escape(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return Uri.EscapeDataString(value);
    }

    /// <summary>Builds <c>?a=1&amp;b=2</c> with escaped values; empty when nothing was added.</summary>
    private sealed class QueryBuilder
    {
        private readonly StringBuilder _text = new();

        public void Add(string name, string value) =>
            _text.Append(_text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));

        public override string ToString() => _text.ToString();
    }
}
