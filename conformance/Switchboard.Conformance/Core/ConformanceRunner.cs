using System.Security.Cryptography;

namespace Switchboard.Conformance.Core;

/// <summary>Probes a server and runs cases against it, producing <see cref="CaseResult"/>s.</summary>
public sealed class ConformanceRunner : IDisposable
{
    private readonly ConformanceOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>Creates a runner. <paramref name="http"/> is used for backend calls (a new one when null).</summary>
    public ConformanceRunner(ConformanceOptions options, HttpClient? http = null)
    {
        _options = options;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient();
    }

    /// <summary>Connects once with a valid token and reads the advertised values from CONNECT.</summary>
    public async Task<ServerInfo> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var probeCase = new ConformanceCase
        {
            Id = "probe",
            Title = "probe",
            Expectation = "CONNECT",
            Requirements = [],
            Profile = Profiles.Core,
            Body = _ => Task.CompletedTask,
        };
        var ctx = new CaseContext(probeCase, _options, ServerInfo.FromConnect(null), _http, NewNonce());
        await using (ctx.ConfigureAwait(false))
        {
            var s = await ctx.ConnectAsync("probe", "user", "web", null, cancellationToken).ConfigureAwait(false);
            return ServerInfo.FromConnect(s.Connect!.Response);
        }
    }

    /// <summary>Runs one case.</summary>
    public async Task<CaseResult> RunAsync(ConformanceCase @case, ServerInfo server, CancellationToken cancellationToken = default)
    {
        var nonce = NewNonce();
        var started = _options.Time.GetTimestamp();
        var ctx = new CaseContext(@case, _options, server, _http, nonce);
        var missing = @case.Capabilities.Where(c => !server.Capabilities.Contains(c)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            return new CaseResult
            {
                Case = @case,
                Verdict = Verdict.Unimplemented,
                Duration = TimeSpan.Zero,
                Expectation = $"CONNECT capabilities contains {string.Join(" and ", missing.Select(c => $"\"{c}\""))}",
                Received = $"capabilities = [{string.Join(", ", server.Capabilities)}]",
                WireLog = [],
                Transcript = [],
                Nonce = nonce,
            };
        }

        Verdict verdict;
        string? expectation = null;
        string? received = null;
        var notes = new List<string>();
        await using (ctx.ConfigureAwait(false))
        {
            using var caseTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            caseTimeout.CancelAfter(_options.MaxDerivedWait + TimeSpan.FromSeconds(60));
            try
            {
                await @case.Body(ctx).WaitAsync(caseTimeout.Token).ConfigureAwait(false);
                var should = ctx.ShouldViolations;
                if (ctx.EnvelopeViolations is { Count: > 0 } violations)
                {
                    // Per-frame MUST rules fail the case whatever its own level.
                    verdict = Verdict.Failed;
                    expectation = violations[0].Problem;
                    received = violations[0].Frame;
                    notes.AddRange(violations.Skip(1).Select(v => v.Problem));
                }
                else if (should.Count > 0)
                {
                    verdict = Verdict.NonStrict;
                    expectation = "SHOULD-level expectations (see notes)";
                    received = string.Join(" | ", should);
                    notes.AddRange(should);
                }
                else
                {
                    verdict = ctx.IsInformational ? Verdict.Informational : Verdict.Ok;
                }
            }
            catch (ConformanceFailureException ex)
            {
                verdict = @case.Level == RequirementLevel.Must ? Verdict.Failed : Verdict.NonStrict;
                expectation = ex.Expectation;
                received = ex.Received;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                verdict = Verdict.Failed;
                expectation = "the case completes within its time bound";
                received = "case timed out";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                verdict = Verdict.Failed;
                expectation = "the server keeps the conversation going";
                received = $"{ex.GetType().Name}: {ex.Message}";
            }
        }

        notes.InsertRange(0, ctx.Notes);
        return new CaseResult
        {
            Case = @case,
            Verdict = verdict,
            Duration = _options.Time.GetElapsedTime(started),
            Expectation = expectation,
            Received = received,
            Notes = notes,
            WireLog = ctx.Log.Snapshot(),
            Transcript = ctx.Transcript.Snapshot(),
            Nonce = nonce,
            Usage = ctx.Usage,
        };
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static string NewNonce()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, 6);
    }
}
