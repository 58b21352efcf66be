using Microsoft.Extensions.Options;

namespace Switchboard.Client;

/// <summary>Validates <see cref="SwitchboardClientOptions"/>; used when the client is built and by <c>ValidateOnStart</c>.</summary>
public sealed class SwitchboardClientOptionsValidator : IValidateOptions<SwitchboardClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SwitchboardClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Url is null)
        {
            failures.Add("Url is required (e.g. ws://127.0.0.1:8080).");
        }
        else if (!options.Url.IsAbsoluteUri || options.Url.Scheme is not ("ws" or "wss" or "http" or "https"))
        {
            failures.Add($"Url must be an absolute ws://, wss://, http:// or https:// address; got '{options.Url}'.");
        }

        if (string.IsNullOrWhiteSpace(options.Namespace) || !IsPathSegment(options.Namespace))
        {
            failures.Add($"Namespace must be a non-empty name of letters, digits, '-' or '_' (e.g. 'web' or 'app'); got '{options.Namespace}'.");
        }

        if (options.AccessTokenProvider is null)
        {
            failures.Add("AccessTokenProvider is required.");
        }

        Positive(failures, options.ConnectTimeout, nameof(options.ConnectTimeout));
        Positive(failures, options.CommandTimeout, nameof(options.CommandTimeout));
        if (options.ServerTimeout is { } serverTimeout)
        {
            Positive(failures, serverTimeout, nameof(options.ServerTimeout));
        }

        if (options.AcknowledgeInterval != Timeout.InfiniteTimeSpan)
        {
            Positive(failures, options.AcknowledgeInterval, nameof(options.AcknowledgeInterval));
        }

        if (!(options.TokenRefreshRatio is >= 0.0 and < 1.0))
        {
            failures.Add("TokenRefreshRatio must be in [0, 1) (0 disables in-band refresh).");
        }

        if (options.AcknowledgeBatchSize < 0)
        {
            failures.Add("AcknowledgeBatchSize must not be negative (0 disables the count trigger).");
        }

        if (options.EventBufferCapacity < 1)
        {
            failures.Add("EventBufferCapacity must be at least 1.");
        }

        if (options.MaxReceiveMessageBytes < 1024)
        {
            failures.Add("MaxReceiveMessageBytes must be at least 1024.");
        }

        if (!Enum.IsDefined(options.EventBufferFullMode))
        {
            failures.Add("EventBufferFullMode is not a defined value.");
        }

        if (!Enum.IsDefined(options.CommandsWhileReconnecting))
        {
            failures.Add("CommandsWhileReconnecting is not a defined value.");
        }

        var r = options.Reconnect;
        if (r.MaxAttempts < 0)
        {
            failures.Add("Reconnect.MaxAttempts must not be negative (0 disables reconnection).");
        }

        if (r.InitialDelay < TimeSpan.Zero)
        {
            failures.Add("Reconnect.InitialDelay must not be negative.");
        }

        if (r.MaxDelay < r.InitialDelay)
        {
            failures.Add("Reconnect.MaxDelay must be at least Reconnect.InitialDelay.");
        }

        if (!(r.BackoffMultiplier >= 1.0) || double.IsInfinity(r.BackoffMultiplier))
        {
            failures.Add("Reconnect.BackoffMultiplier must be a finite number >= 1.");
        }

        if (!(r.JitterFactor is >= 0.0 and <= 1.0))
        {
            failures.Add("Reconnect.JitterFactor must be between 0 and 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value == Timeout.InfiniteTimeSpan)
        {
            failures.Add($"{name} must be a positive, finite duration; got {value}.");
        }
    }

    private static bool IsPathSegment(string value)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
