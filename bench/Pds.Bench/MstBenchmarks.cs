using BenchmarkDotNet.Attributes;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Mst;

namespace Pds.Bench;

/// <summary>Building and updating repository trees with realistic post keys (<c>app.bsky.feed.post/&lt;tid&gt;</c>).</summary>
[MemoryDiagnoser]
public class MstBenchmarks
{
    private const string TidAlphabet = "234567abcdefghijklmnopqrstuvwxyz";

    private string[] _keys = [];
    private Cid[] _values = [];
    private MstTree _loaded = null!;
    private string _extraKey = "";

    [Params(10_000)]
    public int Count { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1234);
        // TIDs: 53-bit microsecond timestamp and 10-bit clock id, base32-sortable, 13 characters.
        var micros = 1_700_000_000_000_000L;
        _keys = new string[Count];
        _values = new Cid[Count];
        for (var i = 0; i < Count; i++)
        {
            micros += random.Next(1, 5_000_000);
            _keys[i] = "app.bsky.feed.post/" + Tid(micros, random.Next(0, 1024));
            _values[i] = Cid.ForDagCbor(BitConverter.GetBytes(micros));
        }

        var store = new BlockMap();
        var tree = MstTree.Empty(store);
        for (var i = 0; i < Count; i++)
        {
            tree = tree.AddAsync(_keys[i], _values[i]).AsTask().GetAwaiter().GetResult();
        }

        store.AddAll(tree.GetUnstoredBlocksAsync().AsTask().GetAwaiter().GetResult());
        _loaded = MstTree.Load(store, tree.GetRootCidAsync().AsTask().GetAwaiter().GetResult());
        _extraKey = "app.bsky.feed.post/" + Tid(micros + 1, 0);
    }

    /// <summary>Inserts every key into an empty tree, then computes the root CID.</summary>
    [Benchmark]
    public async Task<Cid> InsertAllThenRoot()
    {
        var tree = MstTree.Empty(new BlockMap());
        for (var i = 0; i < _keys.Length; i++)
        {
            tree = await tree.AddAsync(_keys[i], _values[i]);
        }

        return await tree.GetRootCidAsync();
    }

    /// <summary>One record write on a stored tree: add a key, compute the root, collect the new blocks.</summary>
    [Benchmark]
    public async Task<int> AddOneToStoredTree()
    {
        var tree = MstTree.Load(_loaded.Source, await _loaded.GetRootCidAsync());
        tree = await tree.AddAsync(_extraKey, _values[0]);
        await tree.GetRootCidAsync();
        return (await tree.GetUnstoredBlocksAsync()).Count;
    }

    private static string Tid(long micros, int clockId)
    {
        var v = ((ulong)micros << 10) | (uint)clockId;
        Span<char> chars = stackalloc char[13];
        for (var i = 12; i >= 0; i--)
        {
            chars[i] = TidAlphabet[(int)(v & 31)];
            v >>= 5;
        }

        return new string(chars);
    }
}
