using CsCheck;
using Pds.Domain.Identity;

namespace Pds.Domain.Tests.Identity;

public sealed class PlcSignatureTests
{
    [Fact]
    public void Encode_SixtyFourBytes_IsUnpaddedBase64UrlThatDecodesBack()
    {
        var bytes = Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 250)).ToArray();

        var text = PlcSignature.Encode(bytes);

        Assert.Equal(86, text.Length);
        Assert.DoesNotContain('=', text);
        Assert.DoesNotContain('+', text);
        Assert.DoesNotContain('/', text);
        Assert.Equal(bytes, PlcSignature.DecodeCompact(text));
    }

    private const string UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    [Fact]
    public void Encode_AnyBytes_RoundTripsAndNoOtherSpellingDecodes()
    {
        Gen.Byte.Array[1, 80].Sample(bytes =>
        {
            var text = PlcSignature.Encode(bytes);
            Assert.True(PlcSignature.TryDecode(text, out var back));
            Assert.Equal(bytes, back);

            // Setting any unused trailing bit yields a different string for the same bytes: rejected.
            var unusedBits = (text.Length % 4) switch { 2 => 0b1111, 3 => 0b11, _ => 0 };
            var last = UrlAlphabet.IndexOf(text[^1], StringComparison.Ordinal);
            for (var bit = 1; bit <= unusedBits; bit <<= 1)
            {
                Assert.False(PlcSignature.TryDecode(text[..^1] + UrlAlphabet[last | bit], out _));
            }

            Assert.False(PlcSignature.TryDecode(text + "=", out _));
        });
    }

    [Theory]
    [InlineData("AAAA\n")]
    [InlineData("AA AA")]
    [InlineData("AAA=")]
    [InlineData("AA==")]
    [InlineData("AB+/")]
    [InlineData("A")]
    [InlineData("")]
    [InlineData("AB")] // 'B' leaves a non-zero bit in the 4 unused trailing bits
    [InlineData("AAB")] // 'B' leaves a non-zero bit in the 2 unused trailing bits
    public void TryDecode_NonCanonical_Rejected(string text)
    {
        Assert.False(PlcSignature.TryDecode(text, out _));
    }

    [Theory]
    [InlineData("AA", new byte[] { 0 })]
    [InlineData("AAE", new byte[] { 0, 1 })]
    [InlineData("-_8", new byte[] { 0xfb, 0xff })]
    public void TryDecode_Canonical_Accepted(string text, byte[] expected)
    {
        Assert.True(PlcSignature.TryDecode(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void DecodeCompact_WrongLength_ReportsEncodingError()
    {
        var ex = Assert.Throws<PlcValidationException>(() => PlcSignature.DecodeCompact(PlcSignature.Encode(new byte[63])));

        Assert.Equal(PlcValidationError.InvalidSignatureEncoding, ex.Error);
    }
}
