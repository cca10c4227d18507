using System.Collections.Concurrent;
using Pds.Domain.Data;

namespace Pds.Application.Repo;

/// <summary>
/// Recently written and read MST node and commit blocks, so that a repository write walks its tree
/// without loading nodes from the database. Blocks are content-addressed, so an entry can never be
/// stale; entries are still keyed by DID as well as CID, so a repository is only ever served blocks
/// it has itself stored or read. Only blocks of committed transactions go in.
/// </summary>
/// <remarks>
/// Bounded by bytes with two generations: lookups hit the current or the previous generation (and
/// promote from the previous one); when the current one fills, it becomes the previous one and the
/// old previous one is dropped. That keeps the hot blocks of active repositories (roots and upper
/// nodes are touched by every write) at the cost of an approximate eviction order.
/// </remarks>
public sealed class RepoBlockCache
{
    /// <summary>Default bound: 32 MiB of block bytes in total (two generations of half that).</summary>
    public const long DefaultCapacityBytes = 32L * 1024 * 1024;

    /// <summary>Blocks larger than this are not kept (MST nodes and commits are far smaller).</summary>
    public const int MaxBlockBytes = 16 * 1024;

    private readonly long _generationBytes;
    private readonly Lock _rotate = new();
    private Generation _current = new();
    private Generation _previous = new();

    public RepoBlockCache()
        : this(DefaultCapacityBytes)
    {
    }

    public RepoBlockCache(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 2L);
        _generationBytes = capacityBytes / 2;
    }

    /// <summary>Bytes currently held (both generations).</summary>
    public long Size => Volatile.Read(ref _current).Bytes + Volatile.Read(ref _previous).Bytes;

    public bool TryGet(string did, Cid cid, out ReadOnlyMemory<byte> bytes)
    {
        var key = new Key(did, cid);
        var current = Volatile.Read(ref _current);
        if (current.Blocks.TryGetValue(key, out var hit))
        {
            bytes = hit;
            return true;
        }

        if (Volatile.Read(ref _previous).Blocks.TryGetValue(key, out hit))
        {
            Add(key, hit);
            bytes = hit;
            return true;
        }

        bytes = default;
        return false;
    }

    /// <summary>Remembers a block the repository <paramref name="did"/> holds in committed state.</summary>
    public void Set(string did, Cid cid, ReadOnlyMemory<byte> bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(did);
        ArgumentNullException.ThrowIfNull(cid);
        if (bytes.Length > MaxBlockBytes)
        {
            return;
        }

        Add(new Key(did, cid), bytes);
    }

    /// <summary>
    /// Forgets a block the repository <paramref name="did"/> no longer holds: a tree node or head
    /// commit a newer commit replaced. Such a block would only take room until its generation
    /// goes (no write reads a superseded tree), so a commit drops what it replaced.
    /// </summary>
    public void Remove(string did, Cid cid)
    {
        var key = new Key(did, cid);
        foreach (var generation in Generations())
        {
            generation.Remove(key);
        }
    }

    /// <summary>Forgets every block of a repository (its account is gone or its contents were replaced).</summary>
    public void Forget(string did)
    {
        foreach (var generation in Generations())
        {
            foreach (var key in generation.Blocks.Keys)
            {
                if (key.Did == did)
                {
                    generation.Remove(key);
                }
            }
        }
    }

    private Generation[] Generations() => [Volatile.Read(ref _current), Volatile.Read(ref _previous)];

    private void Add(Key key, ReadOnlyMemory<byte> bytes)
    {
        var current = Volatile.Read(ref _current);
        if (current.Blocks.TryAdd(key, bytes) && Interlocked.Add(ref current.Bytes, bytes.Length) > _generationBytes)
        {
            lock (_rotate)
            {
                if (ReferenceEquals(current, _current))
                {
                    Volatile.Write(ref _previous, current);
                    Volatile.Write(ref _current, new Generation());
                }
            }
        }
    }

    private readonly record struct Key(string Did, Cid Cid);

    private sealed class Generation
    {
        public readonly ConcurrentDictionary<Key, ReadOnlyMemory<byte>> Blocks = new();
        public long Bytes;

        /// <summary>Drops the block, if this generation holds it, and its bytes from the count.</summary>
        public void Remove(Key key)
        {
            if (Blocks.TryRemove(key, out var removed))
            {
                Interlocked.Add(ref Bytes, -removed.Length);
            }
        }
    }
}
