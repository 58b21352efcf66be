namespace Switchboard.Server.Messaging;

/// <summary>
/// A fixed set of async locks selected by key hash: serializes work per stream (user stream or room stream) without
/// a lock object per key. Different keys may share a stripe (harmless: only less parallelism).
/// </summary>
internal sealed class StripedAsyncLock
{
    private readonly SemaphoreSlim[] _stripes;

    public StripedAsyncLock(int stripes = 256)
    {
        _stripes = new SemaphoreSlim[stripes];
        for (var i = 0; i < stripes; i++)
        {
            _stripes[i] = new SemaphoreSlim(1, 1);
        }
    }

    public async ValueTask<Releaser> AcquireAsync(string a, string b, CancellationToken cancellationToken)
    {
        var hash = (uint)HashCode.Combine(StringComparer.Ordinal.GetHashCode(a), StringComparer.Ordinal.GetHashCode(b));
        var stripe = _stripes[hash % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(stripe);
    }

    public readonly struct Releaser(SemaphoreSlim stripe) : IDisposable
    {
        public void Dispose() => stripe.Release();
    }
}
