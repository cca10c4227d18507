using Pds.Domain.Auth;

namespace Pds.Domain.Tests.Auth;

public sealed class ConstantTimeTests
{
    [Theory]
    [InlineData("admin-secret", "admin-secret", true)]
    [InlineData("admin-secret", "admin-secreT", false)]
    [InlineData("admin-secret", "admin-secret ", false)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("pässwörd", "pässwörd", true)]
    [InlineData(null, "x", false)]
    [InlineData("x", null, false)]
    [InlineData(null, null, false)]
    public void SecretEquals_Strings_ComparesValues(string? provided, string? expected, bool equal)
    {
        Assert.Equal(equal, ConstantTime.SecretEquals(provided, expected));
    }

    [Fact]
    public void SecretEquals_LongStrings_ComparesWholeValue()
    {
        var a = new string('z', 5000) + "a";
        var b = new string('z', 5000) + "b";

        Assert.True(ConstantTime.SecretEquals(a, new string(a)));
        Assert.False(ConstantTime.SecretEquals(a, b));
    }

    [Fact]
    public void SecretEquals_Bytes_ComparesValuesAndLengths()
    {
        Assert.True(ConstantTime.SecretEquals([1, 2, 3], [1, 2, 3]));
        Assert.False(ConstantTime.SecretEquals([1, 2, 3], [1, 2, 4]));
        Assert.False(ConstantTime.SecretEquals([1, 2, 3], [1, 2]));
    }
}
