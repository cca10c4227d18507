using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Mst;

namespace Pds.Domain.Tests.Repo.Mst;

/// <summary>Helpers shared by the MST tests.</summary>
internal static class MstTestSupport
{
    /// <summary>The record CID the reference interop trees use as every leaf value.</summary>
    public static readonly Cid LeafValue = Cid.Parse("bafyreie5cvv4h45feadgeuwhbcutmh6t2ceseocckahdoe6uat64zmz454");

    public static Cid ValueFor(string seed) => Cid.ForDagCbor(System.Text.Encoding.UTF8.GetBytes(seed));

    public static async Task<MstTree> BuildAsync(IEnumerable<string> keys, Cid? value = null, IBlockSource? source = null)
    {
        var tree = MstTree.Empty(source ?? new BlockMap());
        foreach (var key in keys)
        {
            tree = await tree.AddAsync(key, value ?? ValueFor(key));
        }

        return tree;
    }

    public static async Task<MstTree> BuildAsync(IEnumerable<KeyValuePair<string, Cid>> entries, IBlockSource? source = null)
    {
        var tree = MstTree.Empty(source ?? new BlockMap());
        foreach (var (key, value) in entries)
        {
            tree = await tree.AddAsync(key, value);
        }

        return tree;
    }

    /// <summary>Persists the tree's new blocks into <paramref name="store"/> and reloads it lazily from there.</summary>
    public static async Task<MstTree> PersistAndReloadAsync(MstTree tree, BlockMap store, IBlockSource? readFrom = null)
    {
        store.AddAll(await tree.GetUnstoredBlocksAsync());
        return MstTree.Load(readFrom ?? store, await tree.GetRootCidAsync());
    }

    public static async Task<List<MstEntry>> WalkAllAsync(MstTree tree)
    {
        var list = new List<MstEntry>();
        await foreach (var e in tree.WalkAsync())
        {
            list.Add(e);
        }

        return list;
    }
}

/// <summary>A block source that counts reads, to check laziness.</summary>
internal sealed class CountingBlockSource(IBlockSource inner) : IBlockSource
{
    public int Reads { get; private set; }

    public ValueTask<ReadOnlyMemory<byte>?> GetBlockAsync(Cid cid, CancellationToken cancellationToken = default)
    {
        Reads++;
        return inner.GetBlockAsync(cid, cancellationToken);
    }
}
