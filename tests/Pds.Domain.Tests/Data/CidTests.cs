using CsCheck;
using Pds.Domain.Data;
using Pds.Domain.Tests.Interop;

namespace Pds.Domain.Tests.Data;

public sealed class CidTests
{
    [Fact]
    public void SyntaxVectors_ValidAccepted()
    {
        var lines = InteropFiles.ReadVectorLines("syntax/cid_syntax_valid.txt").ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.True(Cid.IsValidSyntax(l), l));
    }

    [Fact]
    public void SyntaxVectors_InvalidRejected()
    {
        var lines = InteropFiles.ReadVectorLines("syntax/cid_syntax_invalid.txt").ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.False(Cid.IsValidSyntax(l), l));
    }

    [Theory]
    [InlineData("bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a", 0x71ul)]
    [InlineData("bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity", 0x55ul)]
    public void Parse_BlessedCid_RoundTrips(string text, ulong codec)
    {
        var cid = Cid.Parse(text);

        Assert.Equal(codec, cid.Codec);
        Assert.Equal(Cid.Sha256Code, cid.MultihashCode);
        Assert.True(cid.IsBlessed);
        Assert.Equal(Cid.BlessedLength, cid.ByteLength);
        Assert.Equal(text, cid.ToString());
        Assert.Equal(cid, Cid.FromBytes(cid.Bytes));
    }

    [Theory]
    [InlineData("QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR")]
    [InlineData("bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2")]
    [InlineData("Bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a")]
    [InlineData("bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a ")]
    [InlineData("b")]
    [InlineData("")]
    public void TryParse_Malformed_ReturnsFalse(string text)
    {
        Assert.False(Cid.TryParse(text, out _));
    }

    [Theory]
    [InlineData("bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a")]
    [InlineData("bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity")]
    public void TryDecodeString_ValidCid_WritesItsBinaryForm(string text)
    {
        var destination = new byte[64];

        Assert.True(Cid.TryDecodeString(text, destination, out var written));

        Assert.Equal(Cid.Parse(text).Bytes.ToArray(), destination[..written]);
    }

    [Theory]
    [InlineData("QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR")]
    [InlineData("bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2")]
    [InlineData("Bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a")]
    [InlineData("bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a ")]
    [InlineData("bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2aaa")]
    [InlineData("b")]
    [InlineData("")]
    public void TryDecodeString_Malformed_ReturnsFalse(string text)
    {
        Assert.False(Cid.TryDecodeString(text, new byte[64], out _));
    }

    [Fact]
    public void TryDecodeString_DestinationTooSmall_ReturnsFalse()
    {
        Assert.False(Cid.TryDecodeString("bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a", new byte[35], out _));
    }

    [Fact]
    public void ForDagCbor_HashesContent()
    {
        byte[] block = [0xa1, 0x61, 0x61, 0x01];
        var cid = Cid.ForDagCbor(block);

        Assert.True(cid.Matches(block));
        Assert.False(cid.Matches([0xa0]));
        Assert.Equal(cid, Cid.Parse(cid.ToString()));
    }

    [Fact]
    public void Base32_RoundTripsAnyBytes()
    {
        Gen.Byte.Array[0, 80].Sample(bytes =>
        {
            var text = Base32.Encode(bytes);
            var back = new byte[Base32.DecodedLength(text.Length)];
            return Base32.TryDecode(text, back) && back.AsSpan().SequenceEqual(bytes);
        });
    }

    [Fact]
    public void Varint_RejectsNonMinimalAndTruncated()
    {
        Assert.False(Varint.TryRead([0x81, 0x00], out _, out _));
        Assert.False(Varint.TryRead([0x80], out _, out _));
        Assert.True(Varint.TryRead([0xac, 0x02], out var v, out var n));
        Assert.Equal(300ul, v);
        Assert.Equal(2, n);
    }
}
