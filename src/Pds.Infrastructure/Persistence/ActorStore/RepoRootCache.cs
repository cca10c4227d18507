using System.Collections.Concurrent;
using Pds.Application.Common.Abstractions;

namespace Pds.Infrastructure.Persistence.ActorStore;

/// <summary>
/// The root each repository had when this process last committed to it (PostgreSQL). A write
/// that may run twice starts from it instead of reading the root under the lock first, and takes
/// the lock with its commit (see <see cref="EfActorStore.TransactRepeatableAsync{T}"/>); the
/// database checks the root under the lock, so an entry that another process or another path has
/// made stale costs one repeated run, never a wrong commit.
/// </summary>
/// <remarks>
/// A write takes the entry out before it starts (<see cref="TryTake"/>), so a second write of the
/// same repository in this process meanwhile finds none and waits for the lock the ordinary way
/// instead of racing the first into a repeat; the committed root goes back in afterwards.
/// </remarks>
public sealed class RepoRootCache
{
    /// <summary>Default bound on the number of repositories remembered.</summary>
    public const int DefaultCapacity = 65_536;

    private readonly ConcurrentDictionary<string, RepoRootInfo> _roots = new(StringComparer.Ordinal);
    private readonly int _capacity;

    public RepoRootCache()
        : this(DefaultCapacity)
    {
    }

    public RepoRootCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count => _roots.Count;

    /// <summary>Takes the repository's entry out, if there is one.</summary>
    public bool TryTake(string did, out RepoRootInfo root) => _roots.TryRemove(did, out root!);

    /// <summary>
    /// Remembers the root a commit of this process left. A later revision wins over an earlier
    /// one when two writes put their roots back out of order.
    /// </summary>
    public void Remember(string did, RepoRootInfo root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (_roots.Count >= _capacity && !_roots.ContainsKey(did))
        {
            // Crude but bounded: start again. A forgotten repository only loses one round trip.
            _roots.Clear();
        }

        _roots.AddOrUpdate(did, root, (_, old) => string.CompareOrdinal(root.Rev, old.Rev) >= 0 ? root : old);
    }

    public void Forget(string did) => _roots.TryRemove(did, out _);
}
