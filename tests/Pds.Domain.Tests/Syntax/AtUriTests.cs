using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Syntax;

public sealed class AtUriTests
{
    [Fact]
    public void Parse_FullRecordUri_ExposesParts()
    {
        var uri = AtUri.Parse("at://did:plc:vwzwgnygau7ed7b7wt5ux7y2/app.bsky.feed.post/3k5nobkf2w72g");
        Assert.Equal(Did.Parse("did:plc:vwzwgnygau7ed7b7wt5ux7y2"), uri.Authority.AsDid);
        Assert.Equal(Nsid.Parse("app.bsky.feed.post"), uri.Collection);
        Assert.Equal(RecordKey.Parse("3k5nobkf2w72g"), uri.RecordKey);
        Assert.Null(uri.Fragment);
    }

    [Fact]
    public void Parse_AuthorityOnly_HasNoCollectionOrKey()
    {
        var uri = AtUri.Parse("at://retr0.id");
        Assert.True(uri.Authority.IsHandle);
        Assert.Null(uri.Collection);
        Assert.Null(uri.RecordKey);
    }

    [Fact]
    public void Parse_Fragment_IsKept()
    {
        var uri = AtUri.Parse("at://did:plc:asdf123/com.atproto.feed.post/record#/frag/0");
        Assert.Equal("/frag/0", uri.Fragment);
        Assert.Equal(RecordKey.Parse("record"), uri.RecordKey);
        Assert.Equal("at://did:plc:asdf123/com.atproto.feed.post/record#/frag/0", uri.ToString());
    }

    [Fact]
    public void Parse_UpperCaseHandleAuthority_CanonicalFormIsLowerCase()
    {
        var uri = AtUri.Parse("at://Alice.Test/com.example.fooBar/Key");
        Assert.Equal("at://alice.test/com.example.fooBar/Key", uri.ToString());
        Assert.Equal(AtUri.Parse("at://alice.test/com.example.fooBar/Key"), uri);
    }

    [Fact]
    public void Create_AllParts_ProducesCanonicalString()
    {
        var uri = AtUri.Create(Did.Parse("did:plc:abc"), Nsid.Parse("app.bsky.feed.like"), RecordKey.Parse("3jzfcijpj2z2a"));
        Assert.Equal("at://did:plc:abc/app.bsky.feed.like/3jzfcijpj2z2a", uri.ToString());
        Assert.Equal(AtUri.Parse(uri.ToString()), uri);
    }

    [Fact]
    public void Create_AuthorityAndCollection_OmitsKey()
    {
        var uri = AtUri.Create(Handle.Parse("Bob.Test"), Nsid.Parse("app.bsky.feed.post"));
        Assert.Equal("at://bob.test/app.bsky.feed.post", uri.ToString());
        Assert.Equal("at://bob.test", AtUri.Create(Handle.Parse("bob.test")).ToString());
    }

    [Fact]
    public void Create_KeyWithoutCollection_Throws()
    {
        Assert.Throws<ArgumentException>(() => AtUri.Create(Did.Parse("did:plc:abc"), null, RecordKey.Self));
    }

    [Theory]
    [InlineData("at://did:plc:abc/app.bsky.feed.post/", "slash")]
    [InlineData("at://did:plc:abc?x=1", "query")]
    [InlineData("https://did:plc:abc", "at://")]
    [InlineData("at://did:plc:abc/app.bsky.feed.post/a/b", "segments")]
    public void Parse_Invalid_MessageExplains(string input, string expectedFragment)
    {
        var ex = Assert.Throws<FormatException>(() => AtUri.Parse(input));
        Assert.Contains(expectedFragment, ex.Message, StringComparison.Ordinal);
    }
}
