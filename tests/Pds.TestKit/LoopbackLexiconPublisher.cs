using System.Web;
using Pds.Domain.Crypto;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Repo.Mst;
using Pds.Domain.Syntax;

namespace Pds.TestKit;

/// <summary>
/// A stand-in for a lexicon author on the network: a loopback DNS server carrying
/// <c>_lexicon.&lt;authority&gt;</c> TXT records, and a loopback web host that is at once the
/// author's <c>did:web</c> and its PDS, answering <c>com.atproto.sync.getRecord</c> for
/// <c>com.atproto.lexicon.schema</c> records with a signed commit and MST path proof built by
/// our own repository code.
/// </summary>
public sealed class LoopbackLexiconPublisher : IAsyncDisposable
{
    private readonly Secp256k1Keypair _key = Secp256k1Keypair.Generate();

    public LoopbackLexiconPublisher()
    {
        Web.Bodies["/.well-known/did.json"] = $$"""
            {
              "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
              "id": "{{Did}}",
              "alsoKnownAs": [],
              "verificationMethod": [{"id": "{{Did}}#atproto", "type": "Multikey", "controller": "{{Did}}", "publicKeyMultibase": "{{_key.PublicKeyMultibase()}}"}],
              "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": "http://localhost:{{Web.Port}}"}]
            }
            """;
        Web.Dynamic = Serve;
    }

    public LoopbackDnsServer Dns { get; } = new();

    public LoopbackHttpServer Web { get; } = new();

    public string Did => $"did:web:localhost%3A{Web.Port}";

    /// <summary>Lexicon documents (JSON) by NSID, as currently published.</summary>
    public Dictionary<string, string> Lexicons { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, proofs are signed with this key instead of the one in the DID document.</summary>
    public Secp256k1Keypair? ForgedKey { get; set; }

    /// <summary>getRecord requests answered so far.</summary>
    public int Fetches { get; private set; }

    /// <summary>Publishes <paramref name="json"/> as <paramref name="nsid"/> and points its authority's DNS at this DID.</summary>
    public void Publish(string nsid, string json)
    {
        Lexicons[nsid] = json;
        Dns.Txt["_lexicon." + Nsid.Parse(nsid).Authority] = ["did=" + Did];
    }

    private (string ContentType, byte[] Body)? Serve(Uri url)
    {
        if (url.AbsolutePath != "/xrpc/com.atproto.sync.getRecord")
        {
            return null;
        }

        var query = HttpUtility.ParseQueryString(url.Query);
        if (query["did"] != Did || query["collection"] != "com.atproto.lexicon.schema" || query["rkey"] is not { } nsid || !Lexicons.TryGetValue(nsid, out var json))
        {
            return null;
        }

        Fetches++;
        return ("application/vnd.ipld.car", ProofAsync(nsid, json).GetAwaiter().GetResult());
    }

    private async Task<byte[]> ProofAsync(string nsid, string json)
    {
        var blocks = new BlockMap();
        var tree = MstTree.Empty(blocks);
        Cid? recordCid = null;
        foreach (var (name, document) in Lexicons)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(document)!.AsObject();
            node["$type"] = "com.atproto.lexicon.schema";
            var record = LexJson.ParseObject(node.ToJsonString());
            var cid = blocks.Add(record);
            tree = await tree.AddAsync("com.atproto.lexicon.schema/" + name, cid);
            if (name == nsid)
            {
                recordCid = cid;
            }
        }

        var root = await tree.GetRootCidAsync();
        var proof = await MstProofs.PathProofAsync(tree, "com.atproto.lexicon.schema/" + nsid);
        var commit = Commit.Sign(new UnsignedCommit(Domain.Syntax.Did.Parse(Did), root, Tid.FromTime(DateTimeOffset.UtcNow, 0)), ForgedKey ?? _key);
        var (commitCid, commitBytes) = commit.Encode();
        var car = new BlockMap();
        car.Set(commitCid, commitBytes);
        car.AddAll(proof);
        blocks.TryGet(recordCid!, out var recordBytes);
        car.Set(recordCid!, recordBytes);
        return CarWriter.ToArray([commitCid], car);
    }

    public async ValueTask DisposeAsync()
    {
        await Web.DisposeAsync();
        await Dns.DisposeAsync();
        _key.Dispose();
        ForgedKey?.Dispose();
    }
}
