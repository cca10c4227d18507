using Pds.Domain.Data;
using Pds.Domain.Crypto;
using Pds.Domain.Identity;
using Pds.Domain.Tests.Interop;

namespace Pds.Domain.Tests.Identity;

public sealed class PlcOperationTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void CreateAtprotoGenesis_SignedWithGeneratedK256_DerivesDidThatVerifies()
    {
        using var rotation = Secp256k1Keypair.Generate();
        using var signing = Secp256k1Keypair.Generate();
        var genesis = PlcOperation.CreateAtprotoGenesis([rotation.DidKey()], signing.DidKey(), "alice.test", "https://pds.example.com").Sign(rotation);

        var did = PlcDid.Derive(genesis);
        var state = PlcAuditLog.Verify(did, [PlcLogEntry.Create(did, genesis, T0)]);

        Assert.True(PlcDid.IsValid(did));
        Assert.Equal(genesis.Cid, state.HeadCid);
        Assert.NotNull(state.Data);
        Assert.Equal([rotation.DidKey()], state.Data.RotationKeys);
        Assert.Equal(signing.DidKey(), state.Data.SigningKey);
        Assert.Equal(["at://alice.test"], state.Data.AlsoKnownAs);
        Assert.Equal("https://pds.example.com", state.Data.PdsEndpoint);
    }

    [Fact]
    public void Derive_IsFirst24Base32CharsOfSha256OfSignedCbor()
    {
        using var key = P256Keypair.Generate();
        var genesis = PlcOperation.CreateAtprotoGenesis([key.DidKey()], key.DidKey(), "bob.test", "pds.example.com").Sign(key);

        var hash = System.Security.Cryptography.SHA256.HashData(genesis.Cbor.Span);

        Assert.Equal("did:plc:" + Base32.Encode(hash)[..24], PlcDid.Derive(genesis));
        Assert.Equal("https://pds.example.com", genesis.ToData("did:plc:x")!.PdsEndpoint);
    }

    [Fact]
    public void UnsignedCbor_OmitsSigKeyButKeepsNullPrev()
    {
        using var key = Secp256k1Keypair.Generate();
        var genesis = PlcOperation.CreateAtprotoGenesis([key.DidKey()], key.DidKey(), "a.test", "https://pds.test").Sign(key);

        var unsigned = DagCbor.DecodeMap(genesis.UnsignedCbor);
        var signed = DagCbor.DecodeMap(genesis.Cbor);

        Assert.False(unsigned.TryGet("sig", out _));
        Assert.Equal(LexValue.Null, unsigned["prev"]);
        Assert.Equal(genesis.Signature, signed.GetString("sig"));
        Assert.Equal(genesis.Cid, Cid.ForDagCbor(genesis.Cbor.Span));
    }

    [Fact]
    public void CreateUpdate_ChainsOnPrevCidAndAppliesChanges()
    {
        using var rotation = Secp256k1Keypair.Generate();
        using var signing = Secp256k1Keypair.Generate();
        using var newSigning = P256Keypair.Generate();
        var genesis = PlcOperation.CreateGenesis(
            [rotation.DidKey()],
            [new("atproto", signing.DidKey())],
            ["https://example.com/alice", "at://alice.test"],
            [new("atproto_pds", new PlcService("AtprotoPersonalDataServer", "https://pds1.test"))]).Sign(rotation);
        var did = PlcDid.Derive(genesis);

        var update1 = PlcOperation.CreateUpdate(genesis, new PlcOperationChanges { Handle = "alice2.test", PdsEndpoint = "https://pds2.test" }).Sign(rotation);
        var update2 = PlcOperation.CreateUpdate(update1, new PlcOperationChanges { SigningKey = newSigning.DidKey() }).Sign(rotation);
        var tombstone = PlcOperation.CreateTombstone(update2.Cid).Sign(rotation);

        Assert.Equal(genesis.Cid, update1.PrevCid);
        Assert.Equal(update1.Cid, update2.PrevCid);
        Assert.Equal(["https://example.com/alice", "at://alice2.test"], update1.AlsoKnownAs);
        Assert.Equal("https://pds2.test", update1.Services["atproto_pds"].Endpoint);
        Assert.Equal(signing.DidKey(), update1.VerificationMethods["atproto"]);

        var log = new List<PlcLogEntry>
        {
            PlcLogEntry.Create(did, genesis, T0),
            PlcLogEntry.Create(did, update1, T0.AddMinutes(1)),
            PlcLogEntry.Create(did, update2, T0.AddMinutes(2)),
        };
        var state = PlcAuditLog.Verify(did, log);
        Assert.Equal(update2.Cid, state.HeadCid);
        Assert.Equal(newSigning.DidKey(), state.Data!.SigningKey);
        Assert.Equal("https://pds2.test", state.Data.PdsEndpoint);
        Assert.Equal("alice2.test", state.ToDidDocument()!.GetHandle()?.ToString());

        log.Add(PlcLogEntry.Create(did, tombstone, T0.AddMinutes(3)));
        var dead = PlcAuditLog.Verify(did, log);
        Assert.True(dead.IsTombstoned);
        Assert.Equal(tombstone.Cid, dead.HeadCid);
    }

    [Theory]
    [MemberData(nameof(PlcAuditLogInteropTests.ValidLogs), MemberType = typeof(PlcAuditLogInteropTests))]
    public void ToJson_VectorOperations_RoundTripWithSameCid(string file)
    {
        foreach (var entry in PlcLogEntry.ParseAuditLog(InteropFiles.ReadText(file)))
        {
            var again = PlcOperation.FromJson(entry.Operation.ToJson());
            var fromCbor = PlcOperation.FromCbor(entry.Operation.Cbor);

            Assert.Equal(entry.Cid, again.Cid);
            Assert.Equal(entry.Cid, fromCbor.Cid);
            Assert.Equal(entry.Operation.Type, again.Type);
            Assert.Equal(entry.Operation.Signature, again.Signature);
        }
    }

    [Fact]
    public void ToJson_Genesis_HasExplicitNullPrevAndAllFields()
    {
        using var key = Secp256k1Keypair.Generate();
        var genesis = PlcOperation.CreateAtprotoGenesis([key.DidKey()], key.DidKey(), "a.test", "https://pds.test").Sign(key);

        var json = genesis.ToJson();

        Assert.Contains("\"prev\":null", json, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"plc_operation\"", json, StringComparison.Ordinal);
        Assert.Contains("\"services\":{\"atproto_pds\":{\"type\":\"AtprotoPersonalDataServer\",\"endpoint\":\"https://pds.test\"}}", json, StringComparison.Ordinal);
        Assert.Contains($"\"sig\":\"{genesis.Signature}\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"plc_operation","rotationKeys":[],"verificationMethods":{},"alsoKnownAs":[],"services":{},"sig":"AA"}""")] // prev missing
    [InlineData("""{"type":"plc_operation","rotationKeys":[],"verificationMethods":{},"alsoKnownAs":[],"services":{},"prev":null,"extra":1}""")]
    [InlineData("""{"type":"plc_operation","rotationKeys":[1],"verificationMethods":{},"alsoKnownAs":[],"services":{},"prev":null}""")]
    [InlineData("""{"type":"plc_operation","rotationKeys":[],"verificationMethods":{},"alsoKnownAs":[],"services":{"x":{"type":"t"}},"prev":null}""")]
    [InlineData("""{"type":"plc_operation","rotationKeys":[],"verificationMethods":{},"alsoKnownAs":[],"services":{},"prev":"notacid"}""")]
    [InlineData("""{"type":"plc_tombstone","prev":null,"sig":"AA"}""")]
    [InlineData("""{"type":"create","signingKey":"a","recoveryKey":"b","handle":"c","service":"d","prev":"bafyreigcxay6ucqlwowfpu35alyxqtv3c4vsj7gmdtmnidsnqs6nblyarq"}""")]
    [InlineData("""{"type":"plc_update","prev":null}""")]
    [InlineData("""{"type":"plc_tombstone","prev":"bafyreigcxay6ucqlwowfpu35alyxqtv3c4vsj7gmdtmnidsnqs6nblyarq","sig":5}""")]
    [InlineData("""[]""")]
    public void FromJson_IllFormed_RejectedAsMalformed(string json)
    {
        var ex = Assert.Throws<PlcValidationException>(() => PlcOperation.FromJson(json));

        Assert.Equal(PlcValidationError.MalformedOperation, ex.Error);
    }

    [Fact]
    public void LegacyCreate_NormalizesToEquivalentRegularData()
    {
        var entries = PlcLogEntry.ParseAuditLog(InteropFiles.ReadText("plc/audit_log/valid/log_legacy_dholms.json"));
        var legacy = Assert.IsType<PlcLegacyCreateOperation>(entries[0].Operation);

        var data = legacy.ToData(entries[0].Did);

        Assert.Equal([legacy.RecoveryKey, legacy.SigningKey], data.RotationKeys);
        Assert.Equal(legacy.SigningKey, data.SigningKey);
        Assert.Equal(["at://dan.bsky.social"], data.AlsoKnownAs);
        Assert.Equal("https://bsky.social", data.PdsEndpoint);
        Assert.Equal(entries[0].Cid, legacy.Cid);
        Assert.Equal(entries[0].Did, PlcDid.Derive(legacy));
    }

    [Theory]
    [InlineData("did:plc:ewvi7nxzyoun6zhxrhs64oiz", true)]
    [InlineData("did:plc:ewvi7nxzyoun6zhxrhs64oi", false)]
    [InlineData("did:plc:ewvi7nxzyoun6zhxrhs64oiZ", false)]
    [InlineData("did:plc:ewvi7nxzyoun6zhxrhs64oi1", false)]
    [InlineData("did:web:ewvi7nxzyoun6zhxrhs64oiz", false)]
    public void IsValid_ChecksPlcIdentifierSyntax(string did, bool expected)
    {
        Assert.Equal(expected, PlcDid.IsValid(did));
    }

    [Fact]
    public void PlcData_JsonRoundTrip_KeepsFieldsAndOrder()
    {
        var data = new PlcData(
            "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
            ["did:key:zQ3shhCGUqDKjStzuDxPkTxN6ujddP4RkEKJJouJGRRkaLGbg"],
            [new("zeta", "did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF"), new("atproto", "did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF")],
            ["at://a.test"],
            [new("atproto_pds", new PlcService("AtprotoPersonalDataServer", "https://pds.test"))]);

        var json = data.ToJson();
        var back = PlcData.FromJson(json);

        Assert.StartsWith("{\"did\":\"did:plc:ewvi7nxzyoun6zhxrhs64oiz\",\"verificationMethods\":{\"zeta\"", json, StringComparison.Ordinal);
        Assert.Equal(data.VerificationMethods.Keys, back.VerificationMethods.Keys);
        Assert.Equal(data.RotationKeys, back.RotationKeys);
        Assert.Equal(data.Services["atproto_pds"], back.Services["atproto_pds"]);
        Assert.Equal(json, back.ToJson());
    }
}
