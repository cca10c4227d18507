using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Syntax;

public sealed class IdentifierTests
{
    [Fact]
    public void Did_Parse_ExposesMethodAndIdentifier()
    {
        var did = Did.Parse("did:plc:7iza6de2dwap2sbkpav7c6c6");
        Assert.Equal("plc", did.Method);
        Assert.Equal("7iza6de2dwap2sbkpav7c6c6", did.Identifier);
        Assert.True(did.IsPlc);
        Assert.False(did.IsWeb);

        var web = Did.Parse("did:web:localhost%3A1234");
        Assert.Equal("web", web.Method);
        Assert.Equal("localhost%3A1234", web.Identifier);
        Assert.True(web.IsWeb);
    }

    [Fact]
    public void Did_Parse_LengthLimitIs2048()
    {
        var at2048 = "did:plc:" + new string('a', 2040);
        Assert.True(Did.TryParse(at2048, out _));
        var ex = Assert.Throws<FormatException>(() => Did.Parse(at2048 + "a"));
        Assert.Contains("2048", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Did_Equality_IsCaseSensitiveOrdinal()
    {
        Assert.Equal(Did.Parse("did:method:val"), Did.Parse("did:method:val"));
        Assert.NotEqual(Did.Parse("did:method:val"), Did.Parse("did:method:VAL"));
        Assert.True(Did.Parse("did:a:b") == Did.Parse("did:a:b"));
    }

    [Fact]
    public void Nsid_Parse_ExposesAuthorityNameAndSegments()
    {
        var nsid = Nsid.Parse("com.atproto.repo.createRecord");
        Assert.Equal("repo.atproto.com", nsid.Authority);
        Assert.Equal("createRecord", nsid.Name);
        Assert.Equal(["com", "atproto", "repo", "createRecord"], nsid.Segments);
    }

    [Fact]
    public void Nsid_Create_ReversesAuthority()
    {
        var nsid = Nsid.Create("example.com", "fooBar");
        Assert.Equal("com.example.fooBar", nsid.ToString());
        Assert.Equal("example.com", nsid.Authority);
    }

    [Fact]
    public void Nsid_Parse_NameIsCaseSensitiveAndNotNormalized()
    {
        Assert.Equal("com.example.FooBar", Nsid.Parse("com.example.FooBar").ToString());
        Assert.NotEqual(Nsid.Parse("com.example.fooBar"), Nsid.Parse("com.example.foobar"));
    }

    [Fact]
    public void AtIdentifier_Did_IsDidAndAsHandleThrows()
    {
        var id = AtIdentifier.Parse("did:plc:abc123");
        Assert.True(id.IsDid);
        Assert.False(id.IsHandle);
        Assert.Equal(Did.Parse("did:plc:abc123"), id.AsDid);
        Assert.Throws<InvalidOperationException>(() => id.AsHandle);
        Assert.True(id.TryGetDid(out var did));
        Assert.Equal("did:plc:abc123", did.ToString());
    }

    [Fact]
    public void AtIdentifier_Handle_IsHandleNormalizedAndAsDidThrows()
    {
        var id = AtIdentifier.Parse("Alice.Test");
        Assert.False(id.IsDid);
        Assert.Equal(Handle.Parse("alice.test"), id.AsHandle);
        Assert.Equal("alice.test", id.ToString());
        Assert.Throws<InvalidOperationException>(() => id.AsDid);
        Assert.Equal(AtIdentifier.Parse("alice.test"), id);
    }

    [Fact]
    public void AtIdentifier_DidPrefix_NeverFallsBackToHandle()
    {
        Assert.False(AtIdentifier.TryParse("did:thing.test", out _));
        var ex = Assert.Throws<FormatException>(() => AtIdentifier.Parse("did:thing"));
        Assert.Contains("DID", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordKey_Parse_DotAndDoubleDotRejectedButTripleDotAllowed()
    {
        Assert.False(RecordKey.TryParse(".", out _));
        Assert.False(RecordKey.TryParse("..", out _));
        Assert.True(RecordKey.TryParse("...", out _));
        Assert.Equal("self", RecordKey.Self.ToString());
    }

    [Fact]
    public void LanguageTag_Equality_IsCaseInsensitive()
    {
        Assert.Equal(LanguageTag.Parse("pt-BR"), LanguageTag.Parse("pt-br"));
        Assert.Equal("pt", LanguageTag.Parse("pt-BR").Language);
        Assert.Equal("pt-BR", LanguageTag.Parse("pt-BR").ToString());
    }

    [Theory]
    [InlineData("de-DE-1901-1901")]
    [InlineData("en-a-foo-a-bar")]
    public void LanguageTag_RepeatedSubtag_WellFormedButNotValid(string tag)
    {
        Assert.True(LanguageTag.IsWellFormed(tag));
        Assert.False(LanguageTag.IsValid(tag));
        var ex = Assert.Throws<FormatException>(() => LanguageTag.Parse(tag));
        Assert.Contains("repeated", ex.Message, StringComparison.Ordinal);
    }
}
