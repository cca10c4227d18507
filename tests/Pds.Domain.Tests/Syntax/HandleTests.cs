using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Syntax;

public sealed class HandleTests
{
    [Theory]
    [InlineData("Alice.Bsky.Social", "alice.bsky.social")]
    [InlineData("XX.LCS.MIT.EDU", "xx.lcs.mit.edu")]
    [InlineData("already.lower", "already.lower")]
    public void Parse_MixedCase_NormalizesToLowerCase(string input, string expected)
    {
        var handle = Handle.Parse(input);
        Assert.Equal(expected, handle.ToString());
        Assert.Equal(Handle.Parse(expected), handle);
        Assert.Equal(Handle.Parse(expected).GetHashCode(), handle.GetHashCode());
    }

    [Theory]
    [InlineData("laptop.local")]
    [InlineData("laptop.arpa")]
    [InlineData("handle.invalid")]
    [InlineData("my.localhost")]
    [InlineData("service.internal")]
    [InlineData("alice.example")]
    [InlineData("expyuzz4wqqyqhjn.onion")]
    [InlineData("thing.alt")]
    [InlineData("UPPER.LOCAL")]
    public void HasDisallowedTld_SpecialUseTld_IsTrueButSyntaxAccepts(string input)
    {
        Assert.True(Handle.TryParse(input, out var handle));
        Assert.True(handle.HasDisallowedTld);
        Assert.True(Handle.IsDisallowedTld(input));
    }

    [Theory]
    [InlineData("alice.bsky.social")]
    [InlineData("example.com")]
    [InlineData("local.com")]
    [InlineData("onion.net")]
    [InlineData("alice.examples")]
    public void HasDisallowedTld_OrdinaryTld_IsFalse(string input)
    {
        Assert.False(Handle.Parse(input).HasDisallowedTld);
        Assert.False(Handle.IsDisallowedTld(input));
    }

    [Fact]
    public void Invalid_IsTheProtocolPlaceholderHandle()
    {
        Assert.Equal("handle.invalid", Handle.Invalid.ToString());
        Assert.True(Handle.Invalid.HasDisallowedTld);
        Assert.Equal("invalid", Handle.Invalid.Tld);
    }

    [Fact]
    public void Parse_MaxLength_AcceptedAndOneMoreRejected()
    {
        // 4 labels of 63 characters plus 3 dots = 255; trim to exactly 253 and 254.
        var label = new string('a', 63);
        var at253 = $"{label}.{label}.{label}.{new string('a', 61)}";
        Assert.Equal(253, at253.Length);
        Assert.True(Handle.TryParse(at253, out _));
        Assert.False(Handle.TryParse(at253 + "a", out _));
    }

    [Fact]
    public void Parse_Invalid_MessageNamesTheProblem()
    {
        var ex = Assert.Throws<FormatException>(() => Handle.Parse("john.0"));
        Assert.Contains("top-level domain", ex.Message, StringComparison.Ordinal);
    }
}
