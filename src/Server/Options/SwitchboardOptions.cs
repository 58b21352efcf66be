using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Switchboard.Server.Options;

/// <summary>
/// Root options of the reference server, bound from the <c>Switchboard</c> configuration section
/// (appsettings.json, environment variables <c>Switchboard__Key</c>, command line <c>--Switchboard:Key=value</c>).
/// Validated at startup.
/// </summary>
public sealed class SwitchboardOptions
{
    /// <summary>The configuration section name: <c>Switchboard</c>.</summary>
    public const string SectionName = "Switchboard";

    /// <summary>
    /// Directory for the SQLite database and the generated signing key. Relative paths are resolved against the
    /// current directory (<c>dotnet run --project src/ReferenceServer</c> runs in the project folder). Defaults to
    /// <c>data</c> (i.e. <c>./data</c>). Also settable with <c>--data-dir</c>. Created with mode 0700 on Unix.
    /// </summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>The server name advertised in CONNECT (<c>server</c>). Defaults to <c>switchboard-reference/0.1</c>.</summary>
    [Required]
    [StringLength(128, MinimumLength = 1)]
    public string ServerName { get; set; } = "switchboard-reference/0.1";

    /// <summary>
    /// Allowed values of the WebSocket upgrade's <c>Origin</c> header (exact match, e.g. <c>https://app.example.com</c>;
    /// <c>*</c> allows any). An upgrade without Origin is always allowed. Defaults to empty = allow any origin.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>
    /// Alias of <see cref="AuthOptions.SigningKey"/> (PROTOCOL.md section 4.3 names <c>Switchboard:SigningKey</c>);
    /// used when <c>Switchboard:Auth:SigningKey</c> is not set. Defaults to none.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>The signing key in effect: <c>Auth:SigningKey</c>, else the <see cref="SigningKey"/> alias, else null.</summary>
    internal string? EffectiveSigningKey => !string.IsNullOrEmpty(Auth.SigningKey) ? Auth.SigningKey : string.IsNullOrEmpty(SigningKey) ? null : SigningKey;

    /// <summary>Token/signing options (<c>Switchboard:Auth</c>).</summary>
    [Required]
    [ValidateObjectMembers]
    public AuthOptions Auth { get; set; } = new();

    /// <summary>Size, rate and queue limits (<c>Switchboard:Limits</c>).</summary>
    [Required]
    [ValidateObjectMembers]
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>Keepalive timing (<c>Switchboard:KeepAlive</c>).</summary>
    [Required]
    [ValidateObjectMembers]
    public KeepAliveOptions KeepAlive { get; set; } = new();

    /// <summary>Durable stream retention (<c>Switchboard:History</c>).</summary>
    [Required]
    [ValidateObjectMembers]
    public HistoryOptions History { get; set; } = new();

    /// <summary>Graceful shutdown (<c>Switchboard:Shutdown</c>).</summary>
    [Required]
    [ValidateObjectMembers]
    public ShutdownOptions Shutdown { get; set; } = new();
}

/// <summary>Token options (<c>Switchboard:Auth</c>).</summary>
public sealed class AuthOptions
{
    /// <summary>
    /// The HS256 signing key as a raw UTF-8 string of at least 32 bytes. Defaults to none: a random key is then
    /// generated on first start and kept in <c>{DataDirectory}/signing-key</c> (mode 0600).
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>Default lifetime of tokens minted by the <c>token</c> CLI verb. Defaults to 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan DefaultTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Allowed clock skew when checking <c>exp</c> and <c>nbf</c> (spec: at most 5 s). Defaults to 0 (exact).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.Zero;
}

/// <summary>Limits (<c>Switchboard:Limits</c>), advertised in CONNECT.</summary>
public sealed class LimitsOptions
{
    /// <summary>Largest accepted client message in bytes; larger -> CLOSE 4413. Defaults to 65536.</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 65536;

    /// <summary>Sustained command rate per connection (token bucket refill per second). Defaults to 100.</summary>
    [Range(1, 1_000_000)]
    public int RateLimitPerSecond { get; set; } = 100;

    /// <summary>Token bucket size per connection. Defaults to 200.</summary>
    [Range(1, 1_000_000)]
    public int RateLimitBurst { get; set; } = 200;

    /// <summary>
    /// Rejected commands within <see cref="RateLimitAbuseWindow"/> after which the connection is closed with 4429,
    /// as a multiple of <see cref="RateLimitBurst"/>. Defaults to 3 (i.e. more than 3x burst).
    /// </summary>
    [Range(1, 1000)]
    public int RateLimitAbuseFactor { get; set; } = 3;

    /// <summary>The window for <see cref="RateLimitAbuseFactor"/>. Defaults to 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RateLimitAbuseWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Open connections per user (<c>sub</c>, both namespaces together); one more gets CLOSE 4409 (SB-LIM-009). The
    /// rate limit is per connection, so this also bounds a user's total command rate. Defaults to 100.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerUser { get; set; } = 100;

    /// <summary>Max frames queued for sending per connection; overflow -> CLOSE 4499. Defaults to 4096.</summary>
    [Range(1, 10_000_000)]
    public int SendQueueMaxFrames { get; set; } = 4096;

    /// <summary>Max bytes queued for sending per connection; overflow -> CLOSE 4499. Defaults to 8 MiB.</summary>
    [Range(1024, 1L << 32)]
    public long SendQueueMaxBytes { get; set; } = 8L * 1024 * 1024;
}

/// <summary>Keepalive (<c>Switchboard:KeepAlive</c>), advertised in CONNECT.</summary>
public sealed class KeepAliveOptions
{
    /// <summary>
    /// Interval between server PING events and between WebSocket ping frames, in milliseconds (SB-KA-001, SB-KA-003).
    /// Defaults to 25000.
    /// </summary>
    [Range(10, 3_600_000)]
    public int PingIntervalMs { get; set; } = 25000;

    /// <summary>
    /// A connection whose WebSocket stack does not answer a ping with a pong within <c>IdleTimeoutMs - PingIntervalMs</c>
    /// is dropped as dead (SB-KA-003). Defaults to 60000.
    /// </summary>
    [Range(20, 86_400_000)]
    public int IdleTimeoutMs { get; set; } = 60000;

    /// <summary>
    /// After the server's close frame, how long it waits for the client's close frame before aborting TCP
    /// (SB-CLOSE-006), in milliseconds. Defaults to 5000.
    /// </summary>
    [Range(1, 600_000)]
    public int CloseHandshakeTimeoutMs { get; set; } = 5000;
}

/// <summary>Retention of durable streams and room streams (<c>Switchboard:History</c>).</summary>
public sealed class HistoryOptions
{
    /// <summary>Events kept per stream (the oldest are pruned). Defaults to 10000.</summary>
    [Range(1, 100_000_000)]
    public int MaxPerStream { get; set; } = 10000;

    /// <summary>Events older than this are pruned. Defaults to 7 days.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Ttl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the pruning job runs. Defaults to 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Graceful shutdown (<c>Switchboard:Shutdown</c>).</summary>
public sealed class ShutdownOptions
{
    /// <summary>How long to wait for send queues to drain after CLOSE 4503 was queued. Defaults to 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Source-generated DataAnnotations validator for <see cref="SwitchboardOptions"/> (recurses into sections).</summary>
[OptionsValidator]
internal sealed partial class SwitchboardOptionsValidator : IValidateOptions<SwitchboardOptions>;

/// <summary>Cross-property rules that attributes cannot express.</summary>
internal sealed class SwitchboardOptionsConsistencyValidator : IValidateOptions<SwitchboardOptions>
{
    public ValidateOptionsResult Validate(string? name, SwitchboardOptions options)
    {
        var failures = new List<string>();
        if (options.KeepAlive.IdleTimeoutMs <= options.KeepAlive.PingIntervalMs)
        {
            failures.Add("Switchboard:KeepAlive:IdleTimeoutMs must be greater than PingIntervalMs.");
        }

        if (options.EffectiveSigningKey is { } key && System.Text.Encoding.UTF8.GetByteCount(key) < 32)
        {
            failures.Add("Switchboard:Auth:SigningKey must be at least 32 bytes of UTF-8.");
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (string.IsNullOrWhiteSpace(origin))
            {
                failures.Add("Switchboard:AllowedOrigins must not contain empty entries.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
