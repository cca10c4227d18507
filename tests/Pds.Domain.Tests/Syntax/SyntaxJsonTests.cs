using System.Text.Json;
using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Syntax;

public sealed class SyntaxJsonTests
{
    private sealed record Sample(Did Did, Handle Handle, AtUri Uri, Tid Tid, Datetime CreatedAt, Nsid Type, AtIdentifier Repo, RecordKey Rkey, LanguageTag Lang);

    [Fact]
    public void Serialize_SyntaxTypes_AreJsonStringsAndRoundTrip()
    {
        var sample = new Sample(
            Did.Parse("did:plc:abc123"),
            Handle.Parse("alice.test"),
            AtUri.Parse("at://did:plc:abc123/app.bsky.feed.post/3jzfcijpj2z2a"),
            Tid.Parse("3jzfcijpj2z2a"),
            Datetime.Parse("1985-04-12T23:20:50.123Z"),
            Nsid.Parse("app.bsky.feed.post"),
            AtIdentifier.Parse("bob.test"),
            RecordKey.Parse("self"),
            LanguageTag.Parse("pt-BR"));

        var json = JsonSerializer.Serialize(sample);

        using (var doc = JsonDocument.Parse(json))
        {
            Assert.Equal("did:plc:abc123", doc.RootElement.GetProperty("Did").GetString());
            Assert.Equal("3jzfcijpj2z2a", doc.RootElement.GetProperty("Tid").GetString());
            Assert.Equal("at://did:plc:abc123/app.bsky.feed.post/3jzfcijpj2z2a", doc.RootElement.GetProperty("Uri").GetString());
            Assert.Equal("bob.test", doc.RootElement.GetProperty("Repo").GetString());
        }

        var back = JsonSerializer.Deserialize<Sample>(json);
        Assert.Equal(sample, back);
    }

    [Fact]
    public void Deserialize_HandleInMixedCase_IsNormalized()
    {
        Assert.Equal(Handle.Parse("alice.test"), JsonSerializer.Deserialize<Handle>("\"Alice.Test\""));
    }

    [Theory]
    [InlineData("\"not a did\"")]
    [InlineData("42")]
    public void Deserialize_InvalidDid_ThrowsJsonException(string json)
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Did>(json));
    }

    [Fact]
    public void Deserialize_InvalidTid_ThrowsJsonExceptionWithReason()
    {
        var ex = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Tid>("\"zzzzzzzzzzzzz\""));
        Assert.Contains("TID", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_AsDictionaryKey_UsesCanonicalString()
    {
        var map = new Dictionary<Did, int> { [Did.Parse("did:plc:abc")] = 1 };
        var json = JsonSerializer.Serialize(map);
        Assert.Equal("{\"did:plc:abc\":1}", json);
        Assert.Equal(1, JsonSerializer.Deserialize<Dictionary<Did, int>>(json)![Did.Parse("did:plc:abc")]);
    }

    [Fact]
    public void Deserialize_NullForReferenceType_IsNull()
    {
        Assert.Null(JsonSerializer.Deserialize<Did>("null"));
    }
}
