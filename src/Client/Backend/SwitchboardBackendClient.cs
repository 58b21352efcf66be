using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Switchboard.Protocol;

namespace Switchboard.Client;

/// <summary>
/// Typed client of the Switchboard backend HTTP API (<c>/api/v1/...</c>): push to users, rooms and namespaces, presence,
/// day-access statistics, work orders and conversations. Authenticates with an admin token (Bearer). Register it with
/// <c>services.AddSwitchboardBackendClient(...)</c> (a typed <see cref="HttpClient"/> from <c>IHttpClientFactory</c>).
/// API errors (RFC 7807 problem+json with <c>code</c>/<c>error</c>) throw <see cref="SwitchboardException"/> with the spec's code.
/// </summary>
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
    /// <paramref name="namespace"/> (stored and delivered later when the user is offline).
    /// </summary>
    public Task<PushResult> PushToUserAsync(string @namespace, string userId, string topic, JsonElement data, CancellationToken cancellationToken = default) =>
        PushAsync($"api/v1/namespaces/{Escape(@namespace)}/users/{Escape(userId)}/push", topic, data, cancellationToken);

    /// <summary>Pushes a live <c>PUSH</c> event to the members of <paramref name="room"/>.</summary>
    public Task<PushResult> PushToRoomAsync(string @namespace, string room, string topic, JsonElement data, CancellationToken cancellationToken = default) =>
        PushAsync($"api/v1/namespaces/{Escape(@namespace)}/rooms/{Escape(room)}/push", topic, data, cancellationToken);

    /// <summary>Pushes a live <c>PUSH</c> event to every connection of <paramref name="namespace"/>.</summary>
    public Task<PushResult> PushToNamespaceAsync(string @namespace, string topic, JsonElement data, CancellationToken cancellationToken = default) =>
        PushAsync($"api/v1/namespaces/{Escape(@namespace)}/push", topic, data, cancellationToken);

    /// <summary>The users online in <paramref name="namespace"/>.</summary>
    public Task<OnlineUsers> GetOnlineUsersAsync(string @namespace, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/v1/namespaces/{Escape(@namespace)}/online", null, BackendJsonContext.Default.OnlineUsers, cancellationToken);

    /// <summary>Visitors taken per agent on <paramref name="date"/> (UTC; default today on the server).</summary>
    public Task<DayAccessStats> GetDayAccessStatsAsync(DateOnly? date = null, CancellationToken cancellationToken = default)
    {
        var path = "api/v1/stats/day-access";
        if (date is { } d)
        {
            path += "?date=" + d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        return SendAsync(HttpMethod.Get, path, null, BackendJsonContext.Default.DayAccessStats, cancellationToken);
    }

    /// <summary>Creates a work order (the assignee receives a durable <c>WOMSG</c>).</summary>
    public Task<WorkOrder> CreateWorkOrderAsync(string title, string body, string? assignee = null, string? conversationId = null, CancellationToken cancellationToken = default)
    {
        var request = new CreateWorkOrderRequest { Title = title, Body = body, Assignee = assignee, ConversationId = conversationId };
        return SendAsync(HttpMethod.Post, "api/v1/work-orders", JsonContent.Create(request, BackendJsonContext.Default.CreateWorkOrderRequest, JsonMediaType), BackendJsonContext.Default.WorkOrder, cancellationToken);
    }

    /// <summary>Lists work orders, optionally filtered by assignee and status.</summary>
    public async Task<IReadOnlyList<WorkOrder>> ListWorkOrdersAsync(string? assignee = null, WorkOrderStatus? status = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>(2);
        if (assignee is not null)
        {
            query.Add("assignee=" + Escape(assignee));
        }

        if (status is { } s)
        {
            query.Add("status=" + s.ToWireString());
        }

        var path = "api/v1/work-orders" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
        var list = await SendAsync(HttpMethod.Get, path, null, BackendJsonContext.Default.WorkOrderList, cancellationToken).ConfigureAwait(false);
        return list.WorkOrders;
    }

    /// <summary>Gets a work order; a missing one throws <see cref="SwitchboardException"/> with <c>WORK_ORDER_NOT_FOUND</c> (4011).</summary>
    public Task<WorkOrder> GetWorkOrderAsync(string workOrderId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"api/v1/work-orders/{Escape(workOrderId)}", null, BackendJsonContext.Default.WorkOrder, cancellationToken);

    /// <summary>Changes a work order's status (the assignee receives a durable <c>WOMSG</c>).</summary>
    public Task<WorkOrder> UpdateWorkOrderAsync(string workOrderId, WorkOrderStatus status, string? comment = null, CancellationToken cancellationToken = default)
    {
        var request = new UpdateWorkOrderRequest { Status = status, Comment = comment };
        return SendAsync(HttpMethod.Patch, $"api/v1/work-orders/{Escape(workOrderId)}", JsonContent.Create(request, BackendJsonContext.Default.UpdateWorkOrderRequest, JsonMediaType), BackendJsonContext.Default.WorkOrder, cancellationToken);
    }

    /// <summary>Lists conversations, optionally in one state (<c>waiting</c>, <c>active</c>, <c>closed</c>).</summary>
    public async Task<IReadOnlyList<ConversationSummary>> ListConversationsAsync(ConversationState? state = null, CancellationToken cancellationToken = default)
    {
        var path = "api/v1/conversations" + (state is { } s ? "?state=" + s.ToWireString() : string.Empty);
        var list = await SendAsync(HttpMethod.Get, path, null, BackendJsonContext.Default.ConversationList, cancellationToken).ConfigureAwait(false);
        return list.Conversations;
    }

    private Task<PushResult> PushAsync(string path, string topic, JsonElement data, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var request = new PushRequest { Topic = topic, Data = data };
        return SendAsync(HttpMethod.Post, path, JsonContent.Create(request, BackendJsonContext.Default.PushRequest, JsonMediaType), BackendJsonContext.Default.PushResult, cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
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
        return result ?? throw new SwitchboardException(ErrorCode.InvalidEnvelope, $"{method} {path} returned an empty body.");
    }

    private static async Task<Exception> CreateErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        ProblemDetailsBody? problem = null;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is "application/problem+json" or "application/json")
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync(BackendJsonContext.Default.ProblemDetailsBody, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
            }
        }

        if (problem?.Code is { } code)
        {
            var text = problem.Detail ?? problem.Title ?? response.ReasonPhrase ?? "request failed";
            return new SwitchboardException((ErrorCode)code, $"HTTP {status} {problem.Error}: {text}");
        }

        return new HttpRequestException($"The Switchboard backend API answered HTTP {status} {response.ReasonPhrase}.", null, response.StatusCode);
    }

    private static string Escape(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return Uri.EscapeDataString(value);
    }
}
