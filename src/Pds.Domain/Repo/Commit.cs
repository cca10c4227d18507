using System.Formats.Cbor;
using Pds.Domain.Crypto;
using Pds.Domain.Data;
using Pds.Domain.Syntax;

namespace Pds.Domain.Repo;

/// <summary>
/// The fields of a repository commit before signing. The signature covers the DAG-CBOR encoding of
/// exactly this map (<c>did, version, data, rev, prev</c>), so <see cref="ToCbor"/> is the signed payload.
/// </summary>
public sealed record UnsignedCommit(Did Did, Cid Data, Tid Rev, Cid? Prev = null)
{
    /// <summary>The current repository format version.</summary>
    public const int CurrentVersion = 3;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>
    /// Set only for version 2 commits read without a <c>prev</c> field (v2 treated it as optional);
    /// their signature covers the map without the key, so re-encoding must omit it too.
    /// </summary>
    internal bool PrevOmitted { get; init; }

    /// <summary>The DAG-CBOR bytes that are hashed and signed.</summary>
    public byte[] ToCbor()
    {
        var writer = DagCbor.CreateWriter(160);
        Commit.WriteFields(writer, this, sig: null);
        return writer.Encode();
    }
}

/// <summary>
/// A signed repository commit: the top-level block of a repo, naming the account, the MST root
/// (<c>data</c>), the revision TID and the signature by the account's signing key over the unsigned
/// commit. Version 3 always carries <c>prev</c> (virtually always null); version 2 commits from
/// older repositories can still be read and verified.
/// </summary>
public sealed class Commit
{
    private readonly byte[] _sig;
    private byte[]? _encoded;
    private Cid? _cid;

    private Commit(UnsignedCommit unsigned, byte[] sig)
    {
        Unsigned = unsigned;
        _sig = sig;
    }

    public UnsignedCommit Unsigned { get; }

    public Did Did => Unsigned.Did;

    public int Version => Unsigned.Version;

    /// <summary>CID of the MST root node.</summary>
    public Cid Data => Unsigned.Data;

    public Tid Rev => Unsigned.Rev;

    public Cid? Prev => Unsigned.Prev;

    /// <summary>The raw signature bytes (64-byte compact ECDSA for k256 and p256 keys).</summary>
    public ReadOnlyMemory<byte> Sig => _sig;

    /// <summary>Signs <paramref name="unsigned"/> with the account's signing key.</summary>
    public static Commit Sign(UnsignedCommit unsigned, IKeypair keypair)
    {
        ArgumentNullException.ThrowIfNull(unsigned);
        ArgumentNullException.ThrowIfNull(keypair);
        if (unsigned.Version != UnsignedCommit.CurrentVersion || unsigned.PrevOmitted)
        {
            throw new ArgumentException($"new commits must be version {UnsignedCommit.CurrentVersion}", nameof(unsigned));
        }

        var sig = keypair.Sign(unsigned.ToCbor());
        return new Commit(unsigned, sig.ToArray());
    }

    /// <summary>Builds a commit from fields and a signature that were obtained elsewhere.</summary>
    public static Commit FromParts(UnsignedCommit unsigned, ReadOnlySpan<byte> sig)
    {
        ArgumentNullException.ThrowIfNull(unsigned);
        return new Commit(unsigned, sig.ToArray());
    }

    /// <summary>The commit's block: its DAG-CBOR bytes and their CID.</summary>
    public (Cid Cid, byte[] Bytes) Encode()
    {
        if (_encoded is null)
        {
            var writer = DagCbor.CreateWriter(240);
            WriteFields(writer, Unsigned, _sig);
            _encoded = writer.Encode();
        }

        _cid ??= Cid.ForDagCbor(_encoded);

        return (_cid, _encoded);
    }

    /// <summary>The commit's CID.</summary>
    public Cid Cid => Encode().Cid;

    /// <summary>
    /// True when <see cref="Sig"/> is a valid signature over the unsigned commit by the key
    /// <paramref name="didKey"/> (a <c>did:key</c>, from the account's DID document).
    /// </summary>
    public bool VerifySignature(string didKey)
    {
        ArgumentNullException.ThrowIfNull(didKey);
        return SignatureVerifier.Verify(didKey, Unsigned.ToCbor(), _sig);
    }

    /// <summary>True when <see cref="Sig"/> is a valid signature over the unsigned commit by <paramref name="key"/>.</summary>
    public bool VerifySignature(PublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SignatureVerifier.Verify(key, Unsigned.ToCbor(), _sig);
    }

    /// <summary>Decodes and validates a commit block: exactly the commit fields, each of the right type.</summary>
    /// <exception cref="InvalidCommitException">The block is not a well-formed version 3 (or legacy version 2) commit.</exception>
    public static Commit Decode(ReadOnlyMemory<byte> block)
    {
        LexMap map;
        try
        {
            map = DagCbor.DecodeMap(block);
        }
        catch (DataModelException e)
        {
            throw new InvalidCommitException($"commit is not valid DAG-CBOR: {e.Message}", e);
        }

        foreach (var key in map.Entries.Keys)
        {
            if (key is not ("did" or "version" or "data" or "rev" or "prev" or "sig"))
            {
                throw new InvalidCommitException($"unexpected commit field '{key}'");
            }
        }

        var version = Required(map, "version") is LexInteger v ? v.Value : throw WrongType("version", "an integer");
        if (version is not (2 or 3))
        {
            throw new InvalidCommitException($"unsupported commit version {version}");
        }

        var didText = Required(map, "did") is LexString d ? d.Value : throw WrongType("did", "a string");
        if (!Did.TryParse(didText, out var did))
        {
            throw new InvalidCommitException("commit did is not a valid DID");
        }

        var data = Required(map, "data") is LexLink link ? link.Value : throw WrongType("data", "a CID link");
        RequireBlessed(data, "data");

        var revText = Required(map, "rev") is LexString r ? r.Value : throw WrongType("rev", "a string");
        if (!Tid.TryParse(revText, out var rev))
        {
            throw new InvalidCommitException("commit rev is not a valid TID");
        }

        Cid? prev = null;
        var prevOmitted = false;
        if (map.TryGet("prev", out var prevValue))
        {
            prev = prevValue switch
            {
                LexNull => null,
                LexLink p => p.Value,
                _ => throw WrongType("prev", "a CID link or null"),
            };
            if (prev is not null)
            {
                RequireBlessed(prev, "prev");
            }
        }
        else if (version == 3)
        {
            // v3 requires the key even when null: leaving it out changes the signed bytes.
            throw new InvalidCommitException("commit field 'prev' is missing (version 3 requires it, null when unused)");
        }
        else
        {
            prevOmitted = true;
        }

        var sig = Required(map, "sig") is LexBytes s ? s.Value.ToArray() : throw WrongType("sig", "bytes");
        if (sig.Length == 0)
        {
            throw new InvalidCommitException("commit signature is empty");
        }

        var unsigned = new UnsignedCommit(did, data, rev, prev) { Version = (int)version, PrevOmitted = prevOmitted };

        // The strict decoder only accepts canonical bytes, so the input is the commit's own encoding.
        return new Commit(unsigned, sig) { _encoded = block.ToArray() };
    }

    internal static void WriteFields(CborWriter writer, UnsignedCommit commit, byte[]? sig)
    {
        // Keys in canonical order (length first, then bytewise): did, rev, sig, data, prev, version.
        var count = 4 + (commit.PrevOmitted ? 0 : 1) + (sig is null ? 0 : 1);
        writer.WriteStartMap(count);
        writer.WriteTextString("did");
        writer.WriteTextString(commit.Did.ToString());
        writer.WriteTextString("rev");
        writer.WriteTextString(commit.Rev.ToString());
        if (sig is not null)
        {
            writer.WriteTextString("sig");
            writer.WriteByteString(sig);
        }

        writer.WriteTextString("data");
        DagCbor.WriteCid(writer, commit.Data);
        if (!commit.PrevOmitted)
        {
            writer.WriteTextString("prev");
            if (commit.Prev is { } prev)
            {
                DagCbor.WriteCid(writer, prev);
            }
            else
            {
                writer.WriteNull();
            }
        }

        writer.WriteTextString("version");
        writer.WriteInt32(commit.Version);
        writer.WriteEndMap();
    }

    private static LexValue Required(LexMap map, string key) =>
        map.TryGet(key, out var value) ? value : throw new InvalidCommitException($"commit field '{key}' is missing");

    private static InvalidCommitException WrongType(string key, string expected) =>
        new($"commit field '{key}' must be {expected}");

    private static void RequireBlessed(Cid cid, string key)
    {
        if (cid.Codec != Cid.DagCborCodec || !cid.IsBlessed)
        {
            throw new InvalidCommitException($"commit field '{key}' must link a dag-cbor block with a sha2-256 CID");
        }
    }
}

/// <summary>A block that should be a repository commit but is not a valid one.</summary>
public sealed class InvalidCommitException : FormatException
{
    public InvalidCommitException(string message)
        : base(message)
    {
    }

    public InvalidCommitException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
