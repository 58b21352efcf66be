using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Switchboard.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Switchboard backend HTTP client.</summary>
public static class SwitchboardBackendClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SwitchboardBackendClient"/> as a typed <see cref="HttpClient"/> through <c>IHttpClientFactory</c>
    /// (Microsoft.Extensions.Http). The options are validated when the client is first resolved. Returns the
    /// <see cref="IHttpClientBuilder"/> so handlers and resilience policies can be added.
    /// </summary>
    public static IHttpClientBuilder AddSwitchboardBackendClient(this IServiceCollection services, Action<SwitchboardBackendClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SwitchboardBackendClientOptions>().Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SwitchboardBackendClientOptions>, SwitchboardBackendClientOptionsValidator>());
        return services.AddHttpClient<SwitchboardBackendClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<IOptions<SwitchboardBackendClientOptions>>().Value;
            http.BaseAddress = options.BaseAddress is null ? null : SwitchboardBackendClientOptions.WithTrailingSlash(options.BaseAddress);
            http.Timeout = options.Timeout;
        });
    }
}
