using System.Text.RegularExpressions;
using Pds.Domain.Auth;

namespace Pds.Domain.Tests.Auth;

public sealed partial class PasswordHasherTests
{
    // RFC 7914 section 12, third vector: P = "pleaseletmein", S = "SodiumChloride", N = 16384, r = 8,
    // p = 1, dkLen = 64. These are exactly the stored format's parameters, so the salt text plays the
    // part of the hex salt.
    private const string Rfc7914Vector3 =
        "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
        + "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887";

    // Computed with Node.js crypto.scryptSync(password, salt, 64), as the reference PDS stores hashes.
    private const string NodeStoredHash =
        "0123456789abcdef0123456789abcdef:acb7ed2855fef5d44331b96c293e5b874b6205fb11b9b01e460af078d23dd6ff"
        + "2d60c25adc66078937a31c8016825a137ca22821d69e70c0aec3820b73cf1ec0";

    [GeneratedRegex("^[0-9a-f]{32}:[0-9a-f]{128}$")]
    private static partial Regex StoredFormat();

    [Fact]
    public async Task HashWithSaltAsync_Rfc7914Vector_MatchesKnownAnswer()
    {
        Assert.Equal("SodiumChloride:" + Rfc7914Vector3, await PasswordHasher.HashWithSaltAsync("pleaseletmein", "SodiumChloride"));
    }

    [Fact]
    public async Task VerifyAsync_Rfc7914VectorStoredForm_Accepts()
    {
        Assert.True(await PasswordHasher.VerifyAsync("pleaseletmein", "SodiumChloride:" + Rfc7914Vector3));
        Assert.False(await PasswordHasher.VerifyAsync("pleaseletmeIn", "SodiumChloride:" + Rfc7914Vector3));
    }

    [Fact]
    public async Task VerifyAsync_HashFromReferenceImplementation_AcceptsRightPasswordOnly()
    {
        Assert.True(await PasswordHasher.VerifyAsync("correct horse battery staple ✓", NodeStoredHash));
        Assert.False(await PasswordHasher.VerifyAsync("correct horse battery staple", NodeStoredHash));
        Assert.False(PasswordHasher.NeedsRehash(NodeStoredHash));
    }

    [Fact]
    public async Task HashAsync_NewPassword_HasStoredFormatAndVerifies()
    {
        var stored = await PasswordHasher.HashAsync("hunter2-is-not-a-good-password");

        Assert.Matches(StoredFormat(), stored);
        Assert.True(await PasswordHasher.VerifyAsync("hunter2-is-not-a-good-password", stored));
        Assert.False(await PasswordHasher.VerifyAsync("hunter2-is-not-a-good-passwore", stored));
        Assert.False(PasswordHasher.NeedsRehash(stored));
    }

    [Fact]
    public async Task HashAsync_SamePasswordTwice_UsesFreshSalts()
    {
        var a = await PasswordHasher.HashAsync("same");
        var b = await PasswordHasher.HashAsync("same");

        Assert.NotEqual(a[..32], b[..32]);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public async Task HashAsync_TooLongPassword_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => PasswordHasher.HashAsync(new string('a', PasswordHasher.NewPasswordMaxLength + 1)));
        Assert.True(PasswordHasher.IsAcceptableNewPassword(new string('a', PasswordHasher.NewPasswordMaxLength)));
        Assert.False(PasswordHasher.IsAcceptableNewPassword(new string('a', PasswordHasher.NewPasswordMaxLength + 1)));
    }

    [Fact]
    public async Task VerifyAsync_PasswordOverOldLimit_RejectedWithoutHashing()
    {
        var longPassword = new string('p', PasswordHasher.OldPasswordMaxLength + 1);
        var stored = await PasswordHasher.HashWithSaltAsync(longPassword, "0123456789abcdef0123456789abcdef");

        Assert.False(await PasswordHasher.VerifyAsync(longPassword, stored));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no-colon")]
    [InlineData(":" + Rfc7914Vector3)]
    [InlineData("SodiumChloride:" + "7023bdcb")]
    [InlineData("SodiumChloride:" + Rfc7914Vector3 + "00")]
    [InlineData("SodiumChloride:zz23bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887")]
    [InlineData("a:b:" + Rfc7914Vector3)]
    public async Task VerifyAsync_MalformedStoredValue_ReturnsFalse(string? stored)
    {
        Assert.False(await PasswordHasher.VerifyAsync("pleaseletmein", stored));
        Assert.True(PasswordHasher.NeedsRehash(stored));
    }

    [Fact]
    public void NeedsRehash_NonCanonicalButValidForms_True()
    {
        Assert.True(PasswordHasher.NeedsRehash("SodiumChloride:" + Rfc7914Vector3));
        Assert.True(PasswordHasher.NeedsRehash(NodeStoredHash.ToUpperInvariant()));
    }
}
