using System.Globalization;
using BenchmarkDotNet.Attributes;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;

namespace Pds.Bench;

/// <summary>
/// CAR export and import of a 10,000-record repository: 10,000 post records (about 200 to 400
/// bytes each), about 700 MST-node-sized blocks and one commit, in streamable order.
/// </summary>
[MemoryDiagnoser]
public class CarBenchmarks
{
    private const int RecordCount = 10_000;
    private const int EntriesPerNode = 14;

    private BlockMap _blocks = null!;
    private Cid _root = null!;
    private byte[] _car = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1234);
        var records = new List<(Cid Cid, byte[] Bytes)>(RecordCount);
        for (var i = 0; i < RecordCount; i++)
        {
            var text = RandomText(random, random.Next(120, 300));
            var post = LexValue.Map(
                ("$type", "app.bsky.feed.post"),
                ("text", text),
                ("langs", LexValue.Array("en")),
                ("createdAt", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)));
            records.Add(DagCbor.EncodeBlock(post));
        }

        // MST-node-shaped blocks: {l: link|null, e: [{p, k, v, t}]} with compressed keys.
        var nodes = new List<(Cid Cid, byte[] Bytes)>();
        for (var start = 0; start < RecordCount; start += EntriesPerNode)
        {
            var entries = new List<LexValue>();
            for (var j = start; j < Math.Min(start + EntriesPerNode, RecordCount); j++)
            {
                var key = "app.bsky.feed.post/3k" + j.ToString("x11", CultureInfo.InvariantCulture);
                var prefix = j == start ? 0 : 21;
                entries.Add(LexValue.Map(
                    ("p", (long)prefix),
                    ("k", System.Text.Encoding.ASCII.GetBytes(key[prefix..])),
                    ("v", records[j].Cid),
                    ("t", nodes.Count > 0 && j % 5 == 0 ? nodes[^1].Cid : LexValue.Null)));
            }

            nodes.Add(DagCbor.EncodeBlock(LexValue.Map(
                ("l", nodes.Count > 0 ? nodes[^1].Cid : LexValue.Null),
                ("e", new LexArray(entries)))));
        }

        var commit = DagCbor.EncodeBlock(LexValue.Map(
            ("did", "did:plc:ewvi7nxzyoun6zhxrhs64oiz"),
            ("version", 3L),
            ("data", nodes[^1].Cid),
            ("rev", "3kcaz5nynpj2c"),
            ("prev", LexValue.Null),
            ("sig", new byte[64])));

        _blocks = new BlockMap();
        _blocks.Set(commit.Cid, commit.Bytes);
        var perNode = RecordCount / nodes.Count;
        for (var n = 0; n < nodes.Count; n++)
        {
            _blocks.Set(nodes[n].Cid, nodes[n].Bytes);
            for (var j = n * perNode; j < Math.Min((n + 1) * perNode, RecordCount); j++)
            {
                _blocks.Set(records[j].Cid, records[j].Bytes);
            }
        }

        for (var j = nodes.Count * perNode; j < RecordCount; j++)
        {
            _blocks.Set(records[j].Cid, records[j].Bytes);
        }

        _root = commit.Cid;
        using var ms = new MemoryStream();
        CarWriter.WriteAsync(ms, [_root], _blocks).GetAwaiter().GetResult();
        _car = ms.ToArray();
        Console.WriteLine($"// CAR: {_blocks.Count} blocks, {_car.Length} bytes ({nodes.Count} nodes)");
    }

    private static string RandomText(Random random, int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz      .,";
        return string.Create(length, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[r.Next(alphabet.Length)];
            }
        });
    }

    [Benchmark]
    public Task WriteToNullStream() => CarWriter.WriteAsync(Stream.Null, [_root], _blocks);

    [Benchmark]
    public async Task<long> WriteToMemoryStream()
    {
        using var ms = new MemoryStream();
        await CarWriter.WriteAsync(ms, [_root], _blocks);
        return ms.Length;
    }

    [Benchmark]
    public async Task<long> ReadAndVerifyStreaming()
    {
        var reader = await CarReader.OpenAsync(new MemoryStream(_car, writable: false));
        await using (reader)
        {
            long bytes = 0;
            while (await reader.ReadNextAsync() is { } block)
            {
                bytes += block.Data.Length;
            }

            return bytes;
        }
    }

    [Benchmark]
    public async Task<int> ReadAllIntoBlockMap()
    {
        var (_, blocks) = await CarReader.ReadAllAsync(new MemoryStream(_car, writable: false));
        return blocks.Count;
    }
}
