using BenchmarkDotNet.Attributes;
using Pds.Domain.Data;

namespace Pds.Bench;

/// <summary>DAG-CBOR encode and decode of a typical post record (text, facets, reply refs, an image embed).</summary>
[MemoryDiagnoser]
public class CborBenchmarks
{
    private const string PostJson = """
    {
      "$type": "app.bsky.feed.post",
      "text": "Trying out the new PDS today. The firehose looks healthy and https://example.com/status agrees.",
      "createdAt": "2026-11-23T22:15:04.123Z",
      "langs": ["en"],
      "facets": [{
        "index": {"byteStart": 62, "byteEnd": 88},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/status"}]
      }],
      "reply": {
        "root": {"uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l4ysqsn2ek2a", "cid": "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"},
        "parent": {"uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l4ysqsn2ek2a", "cid": "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"}
      },
      "embed": {
        "$type": "app.bsky.embed.images",
        "images": [{
          "alt": "a screenshot",
          "image": {"$type": "blob", "ref": {"$link": "bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity"}, "mimeType": "image/jpeg", "size": 10000},
          "aspectRatio": {"width": 1200, "height": 800}
        }]
      }
    }
    """;

    private LexValue _record = null!;
    private byte[] _cbor = null!;
    private byte[] _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        _json = System.Text.Encoding.UTF8.GetBytes(PostJson);
        _record = LexJson.Parse(_json);
        _cbor = DagCbor.Encode(_record);
    }

    [Benchmark]
    public byte[] EncodePost() => DagCbor.Encode(_record);

    [Benchmark]
    public LexValue DecodePost() => DagCbor.Decode(_cbor);

    [Benchmark]
    public Cid EncodePostWithCid() => DagCbor.EncodeBlock(_record).Cid;

    [Benchmark]
    public LexValue ParseJsonPost() => LexJson.Parse(_json);
}
