using System.Text.RegularExpressions;
using Pds.Domain.Auth;

namespace Pds.Domain.Tests.Auth;

public sealed partial class AppPasswordsTests
{
    private const string Did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";

    // Computed with Node.js: salt = hex(sha256(did)[0..16]), crypto.scryptSync(password, salt, 64).
    private const string NodeAppPasswordHash =
        "099e4ea96cd62c05a232331859d20c97:fd2bbf28c4711cd8d02ea6a9af381222ef64fa9654f065196498e87aeb668370"
        + "e1accd55a4a2cf56b303904d22367493a14af2bda8d630abaa594676edbca564";

    [GeneratedRegex("^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$")]
    private static partial Regex Format();

    [Fact]
    public void Generate_Always_UsesReferenceFormat()
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            var password = AppPasswords.Generate();
            Assert.Matches(Format(), password);
            Assert.True(AppPasswords.IsFormatted(password));
            seen.Add(password);
        }

        Assert.Equal(200, seen.Count);
    }

    [Fact]
    public void Generate_ManySamples_CoversWholeAlphabet()
    {
        var used = new HashSet<char>();
        for (var i = 0; i < 200; i++)
        {
            used.UnionWith(AppPasswords.Generate().Replace("-", "", StringComparison.Ordinal));
        }

        Assert.Equal(AppPasswords.Alphabet.ToHashSet(), used);
    }

    [Fact]
    public void Salt_Did_IsHexOfFirstHalfOfSha256()
    {
        Assert.Equal("099e4ea96cd62c05a232331859d20c97", AppPasswords.Salt(Did));
    }

    [Fact]
    public async Task HashAsync_ReferenceVector_Matches()
    {
        // A login finds an app password by this hash, so it must be the reference PDS's exactly.
        Assert.Equal(NodeAppPasswordHash, await AppPasswords.HashAsync(Did, "abcd-efgh-ijkl-mnop"));
        Assert.NotEqual(NodeAppPasswordHash, await AppPasswords.HashAsync(Did, "abcd-efgh-ijkl-mnoq"));
    }

    [Fact]
    public async Task HashAsync_SamePasswordOfAnotherAccount_Differs()
    {
        var other = await AppPasswords.HashAsync("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "abcd-efgh-ijkl-mnop");

        Assert.NotEqual(NodeAppPasswordHash, other);
        Assert.StartsWith(AppPasswords.Salt("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa") + ":", other, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abcd-efgh-ijkl-mnop", true)]
    [InlineData("abcd-efgh-ijkl-mno1", false)]
    [InlineData("ABCD-efgh-ijkl-mnop", false)]
    [InlineData("abcdefghijklmnop", false)]
    [InlineData("abcd-efgh-ijkl-mnop-", false)]
    public void IsFormatted_Candidates_MatchesShape(string password, bool expected)
    {
        Assert.Equal(expected, AppPasswords.IsFormatted(password));
    }
}
