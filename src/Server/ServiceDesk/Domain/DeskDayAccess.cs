namespace Switchboard.Server.ServiceDesk.Domain;

/// <summary>DAY_ACCESS (SB-CS-024..027): distinct visitors an agent became the owner of per UTC day, cluster-wide in
/// a shared store.</summary>
internal sealed class DeskDayAccess(DeskContext desk)
{
    /// <summary>SB-CS-025: counts the visitor once per agent and UTC day; returns the day when the count changed.</summary>
    public async Task<string?> RecordAsync(DeskUser agent, string visitorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var day = desk.Today();
        return await desk.Store.TryAddDayAccessAsync(day, agent, visitorId, now, cancellationToken).ConfigureAwait(false) ? day : null;
    }

    /// <summary>SB-CS-026: after a change every agent hears the day's counts.</summary>
    public async Task AnnounceAsync(string? changedDay, CancellationToken cancellationToken)
    {
        if (changedDay is not null)
        {
            var counts = await desk.Store.ListDayAccessAsync(changedDay, cancellationToken).ConfigureAwait(false);
            await desk.Outbox.DayAccessChangedAsync(changedDay, counts, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>GET_DAY_ACCESS (SB-CS-024): the caller's count and the total of today (server UTC day).</summary>
    public Task<DayAccessSnapshot> GetAsync(string agentId, CancellationToken cancellationToken) =>
        desk.Store.GetDayAccessAsync(desk.Today(), agentId, cancellationToken);

    /// <summary>Every agent's count of <paramref name="day"/>, sorted by agent id.</summary>
    public Task<IReadOnlyList<DayAccessLine>> ListAsync(string day, CancellationToken cancellationToken) =>
        desk.Store.ListDayAccessAsync(day, cancellationToken);
}
