using Microsoft.Extensions.Options;

namespace Switchboard.Client;

/// <summary>Options of <see cref="SwitchboardBackendClient"/>; validated when the client is built.</summary>
public sealed class SwitchboardBackendClientOptions
{
    /// <summary>The server's HTTP address, e.g. <c>http://127.0.0.1:8080/</c> (the API lives under <c>/api/v1/</c>). Required; no default.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>A fixed admin token (JWT with role <c>admin</c>). Set this or <see cref="TokenProvider"/>. Defaults to <see langword="null"/>.</summary>
    public string? Token { get; set; }

    /// <summary>Returns the admin token for each request (e.g. from a token cache). Set this or <see cref="Token"/>. Defaults to <see langword="null"/>.</summary>
    public Func<CancellationToken, ValueTask<string>>? TokenProvider { get; set; }

    /// <summary>Timeout of each HTTP request (<see cref="HttpClient.Timeout"/>). Defaults to 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Relative API paths resolve below the base address only when it ends with '/'.</summary>
    internal static Uri WithTrailingSlash(Uri address) =>
        address.AbsolutePath.EndsWith('/') ? address : new UriBuilder(address) { Path = address.AbsolutePath + "/" }.Uri;
}

/// <summary>Validates <see cref="SwitchboardBackendClientOptions"/>.</summary>
public sealed class SwitchboardBackendClientOptionsValidator : IValidateOptions<SwitchboardBackendClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SwitchboardBackendClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.BaseAddress is null)
        {
            failures.Add("BaseAddress is required (e.g. http://127.0.0.1:8080/).");
        }
        else if (!options.BaseAddress.IsAbsoluteUri || options.BaseAddress.Scheme is not ("http" or "https"))
        {
            failures.Add($"BaseAddress must be an absolute http:// or https:// address; got '{options.BaseAddress}'.");
        }

        if (options.Token is null == options.TokenProvider is null)
        {
            failures.Add("Set exactly one of Token and TokenProvider.");
        }
        else if (options.Token is not null && string.IsNullOrWhiteSpace(options.Token))
        {
            failures.Add("Token must not be empty.");
        }

        if (options.Timeout <= TimeSpan.Zero && options.Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            failures.Add("Timeout must be positive (or Timeout.InfiniteTimeSpan).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
