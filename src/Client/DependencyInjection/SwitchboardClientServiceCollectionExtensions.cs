using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Switchboard realtime client.</summary>
public static class SwitchboardClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="SwitchboardClient"/> configured by <paramref name="configure"/>. The options are
    /// validated when the client is first resolved (or at host start with <see cref="ISwitchboardClientBuilder.ValidateOnStart"/>);
    /// invalid options throw <see cref="OptionsValidationException"/>. Connect it with <see cref="SwitchboardClient.ConnectAsync"/>.
    /// Uses the registered <see cref="ILoggerFactory"/> and <see cref="TimeProvider"/> (defaults to <see cref="TimeProvider.System"/>).
    /// </summary>
    public static ISwitchboardClientBuilder AddSwitchboardClient(this IServiceCollection services, Action<SwitchboardClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SwitchboardClientOptions>().Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SwitchboardClientOptions>, SwitchboardClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new SwitchboardClient(
            sp.GetRequiredService<IOptions<SwitchboardClientOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<TimeProvider>()));
        return new SwitchboardClientBuilder(services);
    }

    private sealed class SwitchboardClientBuilder(IServiceCollection services) : ISwitchboardClientBuilder
    {
        public IServiceCollection Services { get; } = services;

        public ISwitchboardClientBuilder ValidateOnStart()
        {
            Services.AddOptions<SwitchboardClientOptions>().ValidateOnStart();
            return this;
        }
    }
}

/// <summary>Returned by <see cref="SwitchboardClientServiceCollectionExtensions.AddSwitchboardClient"/> for further configuration.</summary>
public interface ISwitchboardClientBuilder
{
    /// <summary>The service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>Validates the client options when the host starts (Microsoft.Extensions.Hosting), not only at first resolution.</summary>
    ISwitchboardClientBuilder ValidateOnStart();
}
