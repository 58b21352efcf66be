using System.Collections;

namespace Switchboard.Samples;

/// <summary>Holds handler registrations and disposes them together.</summary>
internal sealed class HandlerSet : IEnumerable<IAsyncDisposable>, IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _items = [];

    public void Add(IAsyncDisposable item) => _items.Add(item);

    public async ValueTask DisposeAsync()
    {
        foreach (var item in _items)
        {
            await item.DisposeAsync();
        }
    }

    public IEnumerator<IAsyncDisposable> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
