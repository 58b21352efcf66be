using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Switchboard.Server.Diagnostics;

namespace Switchboard.ReferenceServer;

/// <summary>
/// OpenTelemetry export for the executable, off by default. It turns on with the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (environment or configuration) or with <see cref="EnabledKey"/> = true (then the
/// exporter's own default, <c>http://localhost:4317</c>). It exports the Switchboard meter, ASP.NET Core's and
/// Kestrel's meters and the ASP.NET Core request activities over OTLP; everything else (protocol, headers, service
/// name, intervals) comes from the standard <c>OTEL_*</c> variables. The library (<c>Switchboard.Server</c>) only
/// publishes a <see cref="System.Diagnostics.Metrics.Meter"/>; hosts that embed it wire their own telemetry.
/// </summary>
public static class Telemetry
{
    /// <summary>Configuration key that turns the OTLP export on without an endpoint variable.</summary>
    public const string EnabledKey = "Switchboard:Telemetry:Otlp";

    /// <summary>The standard endpoint variable of the OTLP exporter.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Meters exported: Switchboard's, then ASP.NET Core's request and Kestrel connection meters.</summary>
    public static IReadOnlyList<string> Meters { get; } =
        [SwitchboardMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];

    /// <summary>Whether the configuration asks for the export.</summary>
    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool>(EnabledKey) || !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);

    /// <summary>Adds the OpenTelemetry SDK with OTLP export when <see cref="IsEnabled"/>; returns whether it did.</summary>
    public static bool AddIfEnabled(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!IsEnabled(builder.Configuration))
        {
            return false;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"];
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(string.IsNullOrWhiteSpace(serviceName) ? "switchboard" : serviceName))
            .WithMetrics(metrics => metrics.AddMeter([.. Meters]).AddOtlpExporter())
            .WithTracing(tracing => tracing.AddSource("Microsoft.AspNetCore").AddOtlpExporter());
        return true;
    }
}
