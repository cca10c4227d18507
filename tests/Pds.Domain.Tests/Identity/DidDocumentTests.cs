using Pds.Domain.Identity;
using Pds.Domain.Tests.Interop;

namespace Pds.Domain.Tests.Identity;

public sealed class DidDocumentTests
{
    [Fact]
    public void FromPlcData_BskyAppLog_FormatsAsTheDirectoryDoes()
    {
        var entries = PlcLogEntry.ParseAuditLog(InteropFiles.ReadText("plc/audit_log/valid/log_bskyapp.json"));
        var state = PlcAuditLog.Verify(entries[0].Did, entries);

        var doc = state.ToDidDocument()!;

        const string did = "did:plc:z72i7hdynmk6r22z27h6tvur";
        Assert.Equal(
            "{\"@context\":[\"https://www.w3.org/ns/did/v1\",\"https://w3id.org/security/multikey/v1\",\"https://w3id.org/security/suites/secp256k1-2019/v1\"],"
            + $"\"id\":\"{did}\",\"alsoKnownAs\":[\"at://bsky.app\"],"
            + $"\"verificationMethod\":[{{\"id\":\"{did}#atproto\",\"type\":\"Multikey\",\"controller\":\"{did}\",\"publicKeyMultibase\":\"zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF\"}}],"
            + "\"service\":[{\"id\":\"#atproto_pds\",\"type\":\"AtprotoPersonalDataServer\",\"serviceEndpoint\":\"https://bsky.social\"}]}",
            doc.ToJson());
        Assert.Equal("did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF", doc.GetSigningKey());
        Assert.Equal("https://bsky.social", doc.GetPdsEndpoint());
        Assert.Equal("bsky.app", doc.GetHandle()?.ToString());
    }

    [Fact]
    public void FromPlcData_P256Key_AddsEcdsa2019Context()
    {
        var data = new PlcData(
            "did:plc:7iza6de2dwap2sbkpav7c6c6",
            ["did:key:zDnaedvvAsDE6H3BDdBejpx9ve2Tz95cymyCAKF66JbyMh1Lt", "did:key:zDnaeh9v2RmcMo13Du2d6pjUf5bZwtauYxj3n9dYjw4EZUAR7"],
            [new("atproto", "did:key:zDnaeh9v2RmcMo13Du2d6pjUf5bZwtauYxj3n9dYjw4EZUAR7")],
            ["at://alice.test"],
            [new("atproto_pds", new PlcService("AtprotoPersonalDataServer", "https://example.test"))]);

        var doc = data.ToDidDocument();

        Assert.Equal(["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1", "https://w3id.org/security/suites/ecdsa-2019/v1"], doc.Context);
        Assert.Equal("zDnaeh9v2RmcMo13Du2d6pjUf5bZwtauYxj3n9dYjw4EZUAR7", doc.VerificationMethods[0].PublicKeyMultibase);
        Assert.Equal("did:key:zDnaeh9v2RmcMo13Du2d6pjUf5bZwtauYxj3n9dYjw4EZUAR7", doc.GetSigningKey());
    }

    [Theory]
    [MemberData(nameof(PlcAuditLogInteropTests.ValidLogs), MemberType = typeof(PlcAuditLogInteropTests))]
    public void FromPlcData_VectorStates_RoundTripThroughJson(string file)
    {
        var entries = PlcLogEntry.ParseAuditLog(InteropFiles.ReadText(file));
        var state = PlcAuditLog.Verify(entries[0].Did, entries);
        if (state.Data is null)
        {
            Assert.Null(state.ToDidDocument());
            return;
        }

        var doc = state.Data.ToDidDocument();
        var parsed = DidDocument.Parse(doc.ToJson(), state.Did);

        Assert.Equal(doc.ToJson(), parsed.ToJson());
        Assert.Equal(state.Data.SigningKey, parsed.GetSigningKey());
        Assert.Equal(state.Data.PdsEndpoint, parsed.GetPdsEndpoint());
        Assert.Equal(state.Data.AlsoKnownAs, parsed.AlsoKnownAs);
    }

    private const string WebDoc = """
        {
          "@context": ["https://www.w3.org/ns/did/v1"],
          "id": "did:web:example.com",
          "alsoKnownAs": ["https://example.com", "at://not_a_handle", "at://Alice.Example.com", "at://second.example.com"],
          "verificationMethod": [
            "did:web:example.com#shared",
            {
              "id": "#atproto",
              "type": "EcdsaSecp256k1VerificationKey2019",
              "controller": "did:web:other.com",
              "publicKeyMultibase": "zQYEBzXeuTM9UR3rfvNag6L3RNAs5pQZyYPsomTsgQhsxLdEgCrPTLgFna8yqCnxPpNT7DBk6Ym3dgPKNu86vt9GR"
            },
            {
              "id": "#atproto",
              "type": "EcdsaSecp256k1VerificationKey2019",
              "controller": "did:web:example.com",
              "publicKeyMultibase": "zQYEBzXeuTM9UR3rfvNag6L3RNAs5pQZyYPsomTsgQhsxLdEgCrPTLgFna8yqCnxPpNT7DBk6Ym3dgPKNu86vt9GR"
            }
          ],
          "service": [
            { "id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": "https://pds.example.com/xrpc" },
            { "id": "did:web:example.com#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": { "origin": "https://x" } },
            { "id": "did:web:example.com#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": "https://pds.example.com:8443" }
          ]
        }
        """;

    [Fact]
    public void Parse_DidWebDocument_ExtractsAtprotoFields()
    {
        var doc = DidDocument.Parse(WebDoc, "did:web:example.com");

        // The legacy uncompressed key converts to the did:key form of the same key (did.md example).
        Assert.Equal("did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF", doc.GetSigningKey());
        Assert.Equal("https://pds.example.com:8443", doc.GetPdsEndpoint());
        Assert.Equal("alice.example.com", doc.GetHandle()?.ToString());
        Assert.Equal(2, doc.VerificationMethods.Count);
    }

    [Fact]
    public void Parse_IdNotTheResolvedDid_Rejected()
    {
        Assert.Throws<DidDocumentException>(() => DidDocument.Parse(WebDoc, "did:web:evil.com"));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"id": 5}""")]
    [InlineData("""{"id": "example.com"}""")]
    [InlineData("""{"id": "did:web:example.com", "alsoKnownAs": "at://a.com"}""")]
    [InlineData("""{"id": "did:web:example.com", "service": {}}""")]
    [InlineData("{")]
    public void Parse_Malformed_Rejected(string json)
    {
        Assert.Throws<DidDocumentException>(() => DidDocument.Parse(json));
    }

    [Fact]
    public void GetSigningKey_NoUsableKey_ReturnsNull()
    {
        var doc = new DidDocument(
            "did:web:example.com",
            verificationMethods: [new("#atproto", "JsonWebKey2020", "did:web:example.com", "zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF"), new("#other", "Multikey", "did:web:example.com", "zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF")]);

        Assert.Null(doc.GetSigningKey());
        Assert.Equal("did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF", doc.GetKey("other"));
        Assert.Null(doc.GetPdsEndpoint());
        Assert.Null(doc.GetHandle());
    }
}
