using Pds.Domain.Crypto;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Repo;

public sealed class CommitTests
{
    private static readonly Did TestDid = Did.Parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
    private static readonly Tid TestRev = Tid.Parse("3kcaz5nynpj2c");
    private static readonly Cid DataCid = DagCbor.EncodeBlock(LexValue.Map(("l", LexValue.Null), ("e", LexValue.Array()))).Cid;
    private static readonly Cid OtherCid = DagCbor.EncodeBlock(LexValue.Map(("x", 1L))).Cid;

    private static UnsignedCommit NewUnsigned() => new(TestDid, DataCid, TestRev);

    private static Dictionary<string, LexValue> ValidFields() => new(StringComparer.Ordinal)
    {
        ["did"] = TestDid.ToString(),
        ["version"] = 3L,
        ["data"] = DataCid,
        ["rev"] = TestRev.ToString(),
        ["prev"] = LexValue.Null,
        ["sig"] = new byte[64],
    };

    private static byte[] EncodeFields(Dictionary<string, LexValue> fields) => DagCbor.Encode(new LexMap(fields));

    [Fact]
    public void Sign_ThenVerifyWithSameKey_True()
    {
        using var key = Secp256k1Keypair.Generate();

        var commit = Commit.Sign(NewUnsigned(), key);

        Assert.Equal(64, commit.Sig.Length);
        Assert.True(commit.VerifySignature(key.DidKey()));
    }

    [Fact]
    public void VerifySignature_WrongKey_False()
    {
        using var key = Secp256k1Keypair.Generate();
        using var other = Secp256k1Keypair.Generate();
        var commit = Commit.Sign(NewUnsigned(), key);

        Assert.False(commit.VerifySignature(other.DidKey()));
        Assert.False(commit.VerifySignature(other.PublicKey));
        Assert.True(commit.VerifySignature(key.PublicKey));
    }

    public static TheoryData<string> TamperedFields => new() { "did", "data", "rev", "prev" };

    [Theory]
    [MemberData(nameof(TamperedFields))]
    public void VerifySignature_TamperedField_False(string field)
    {
        using var key = Secp256k1Keypair.Generate();
        var signed = Commit.Sign(NewUnsigned(), key);
        var tampered = field switch
        {
            "did" => signed.Unsigned with { Did = Did.Parse("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa") },
            "data" => signed.Unsigned with { Data = OtherCid },
            "rev" => signed.Unsigned with { Rev = Tid.Parse("3kcaz5nynpj2d") },
            _ => signed.Unsigned with { Prev = OtherCid },
        };

        var forged = Commit.FromParts(tampered, signed.Sig.Span);

        Assert.False(forged.VerifySignature(key.DidKey()));
        Assert.True(Commit.FromParts(signed.Unsigned, signed.Sig.Span).VerifySignature(key.DidKey()));
    }

    [Fact]
    public void VerifySignature_TamperedSignature_False()
    {
        using var key = Secp256k1Keypair.Generate();
        var commit = Commit.Sign(NewUnsigned(), key);
        var sig = commit.Sig.ToArray();
        sig[10] ^= 0x40;

        Assert.False(Commit.FromParts(commit.Unsigned, sig).VerifySignature(key.DidKey()));
    }

    [Fact]
    public void Encode_ThenDecode_SameFieldsBytesAndCid()
    {
        using var key = Secp256k1Keypair.Generate();
        var commit = Commit.Sign(NewUnsigned() with { Prev = OtherCid }, key);

        var (cid, bytes) = commit.Encode();
        var decoded = Commit.Decode(bytes);

        Assert.Equal(Cid.ForDagCbor(bytes), cid);
        Assert.Equal(commit.Unsigned, decoded.Unsigned);
        Assert.True(commit.Sig.Span.SequenceEqual(decoded.Sig.Span));
        Assert.Equal(bytes, decoded.Encode().Bytes);
        Assert.Equal(cid, decoded.Cid);
        Assert.True(decoded.VerifySignature(key.DidKey()));
    }

    [Fact]
    public void Encode_NullPrev_WrittenAsExplicitNull()
    {
        var commit = Commit.FromParts(NewUnsigned(), new byte[64]);

        var map = DagCbor.DecodeMap(commit.Encode().Bytes);
        var unsignedMap = DagCbor.DecodeMap(commit.Unsigned.ToCbor());

        Assert.IsType<LexNull>(map["prev"]);
        Assert.IsType<LexNull>(unsignedMap["prev"]);
        Assert.Equal(6, map.Count);
        Assert.Equal(5, unsignedMap.Count);
        Assert.Null(unsignedMap["sig"]);
        Assert.Equal(3L, map.GetInteger("version"));
    }

    [Fact]
    public void ToCbor_MatchesGenericDataModelEncoding()
    {
        var fields = ValidFields();
        fields.Remove("sig");
        fields["prev"] = OtherCid;

        Assert.Equal(EncodeFields(fields), (NewUnsigned() with { Prev = OtherCid }).ToCbor());
    }

    [Fact]
    public void Decode_HandBuiltValidMap_Accepted()
    {
        var commit = Commit.Decode(EncodeFields(ValidFields()));

        Assert.Equal(TestDid, commit.Did);
        Assert.Equal(3, commit.Version);
        Assert.Equal(DataCid, commit.Data);
        Assert.Equal(TestRev, commit.Rev);
        Assert.Null(commit.Prev);
    }

    [Theory]
    [InlineData("did")]
    [InlineData("version")]
    [InlineData("data")]
    [InlineData("rev")]
    [InlineData("prev")]
    [InlineData("sig")]
    public void Decode_MissingField_Rejected(string field)
    {
        var fields = ValidFields();
        fields.Remove(field);

        var e = Assert.Throws<InvalidCommitException>(() => Commit.Decode(EncodeFields(fields)));
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_ExtraField_Rejected()
    {
        var fields = ValidFields();
        fields["extra"] = 1L;

        Assert.Throws<InvalidCommitException>(() => Commit.Decode(EncodeFields(fields)));
    }

    public static TheoryData<string, LexValue> IllTypedFields => new()
    {
        { "did", 42L },
        { "did", "not-a-did" },
        { "version", "3" },
        { "version", 4L },
        { "version", 1L },
        { "data", DataCid.ToString() },
        { "data", Cid.ForRaw([1, 2, 3]) },
        { "rev", new byte[] { 1 } },
        { "rev", "2024-01-01" },
        { "prev", "null" },
        { "prev", LexValue.Array() },
        { "sig", "c2ln" },
        { "sig", Array.Empty<byte>() },
    };

    [Theory]
    [MemberData(nameof(IllTypedFields))]
    public void Decode_IllTypedField_Rejected(string field, LexValue value)
    {
        var fields = ValidFields();
        fields[field] = value;

        Assert.Throws<InvalidCommitException>(() => Commit.Decode(EncodeFields(fields)));
    }

    [Fact]
    public void Decode_NotAMapOrNotCanonical_Rejected()
    {
        Assert.Throws<InvalidCommitException>(() => Commit.Decode(DagCbor.Encode(LexValue.Array(1L))));
        Assert.Throws<InvalidCommitException>(() => Commit.Decode(new byte[] { 0xa1, 0x63 }));

        // Same map with the keys in non-canonical order ("version" before "did").
        var canonical = EncodeFields(new() { ["version"] = 3L, ["did"] = TestDid.ToString() });
        var writer = new System.Formats.Cbor.CborWriter(System.Formats.Cbor.CborConformanceMode.Lax);
        writer.WriteStartMap(2);
        writer.WriteTextString("version");
        writer.WriteInt32(3);
        writer.WriteTextString("did");
        writer.WriteTextString(TestDid.ToString());
        writer.WriteEndMap();
        Assert.NotEqual(canonical, writer.Encode());
        Assert.Throws<InvalidCommitException>(() => Commit.Decode(writer.Encode()));
    }

    [Fact]
    public void Decode_Version2WithoutPrev_AcceptedAndVerifiable()
    {
        using var key = Secp256k1Keypair.Generate();
        var fields = ValidFields();
        fields["version"] = 2L;
        fields.Remove("prev");
        fields.Remove("sig");
        fields["sig"] = key.Sign(EncodeFields(fields)).ToArray();
        var bytes = EncodeFields(fields);

        var commit = Commit.Decode(bytes);

        Assert.Equal(2, commit.Version);
        Assert.Null(commit.Prev);
        Assert.True(commit.VerifySignature(key.DidKey()));
        Assert.Equal(bytes, commit.Encode().Bytes);
        Assert.Throws<ArgumentException>(() => Commit.Sign(commit.Unsigned, key));
    }

    [Fact]
    public void Decode_Version3WithoutPrev_RejectedButVersion2WithNullPrevAccepted()
    {
        var fields = ValidFields();
        fields.Remove("prev");
        Assert.Throws<InvalidCommitException>(() => Commit.Decode(EncodeFields(fields)));

        var v2 = ValidFields();
        v2["version"] = 2L;
        var decoded = Commit.Decode(EncodeFields(v2));
        Assert.Equal(EncodeFields(v2), Commit.FromParts(decoded.Unsigned, decoded.Sig.Span).Encode().Bytes);
    }
}
