using Pds.Domain.Data;

namespace Pds.Domain.Tests.Data;

public sealed class DagCborStrictnessTests
{
    [Theory]
    [InlineData("A2616201616100", "map keys out of order")]
    [InlineData("A2616101616101", "duplicate key")]
    [InlineData("A262626201616100", "longer key before shorter")]
    [InlineData("1801", "non-minimal integer")]
    [InlineData("190001", "non-minimal 16-bit integer")]
    [InlineData("9F01FF", "indefinite-length array")]
    [InlineData("BF616101FF", "indefinite-length map")]
    [InlineData("7F616161FF", "indefinite-length string")]
    [InlineData("F93C00", "half float")]
    [InlineData("FA3F800000", "single float")]
    [InlineData("FB3FF0000000000000", "double float")]
    [InlineData("F7", "undefined")]
    [InlineData("F0", "simple value 16")]
    [InlineData("C11A514B67B0", "tag 1 (epoch time)")]
    [InlineData("D82A4401711220", "CID link without 0x00 prefix")]
    [InlineData("D82A6161", "tag 42 over a text string")]
    [InlineData("A10101", "integer map key")]
    [InlineData("1BFFFFFFFFFFFFFFFF", "unsigned integer above int64 range")]
    [InlineData("3BFFFFFFFFFFFFFFFF", "negative integer below int64 range")]
    [InlineData("62C328", "invalid UTF-8 text")]
    [InlineData("0101", "trailing bytes")]
    [InlineData("A1", "truncated map")]
    [InlineData("5A00010000", "byte string length beyond input")]
    [InlineData("", "empty input")]
    [InlineData("A165247479706560", "empty $type")]
    [InlineData("A1652474797065F6", "null $type")]
    public void Decode_NonCanonicalOrOutsideModel_Throws(string hex, string why)
    {
        var ex = Assert.Throws<DataModelException>(() => DagCbor.Decode(Convert.FromHexString(hex)));
        Assert.NotNull(ex.Message);
        Assert.NotNull(why);
    }

    [Fact]
    public void Decode_DeepNesting_ThrowsInsteadOfOverflowing()
    {
        var bytes = Enumerable.Repeat((byte)0x81, 100_000).Append((byte)0x01).ToArray();
        Assert.Throws<DataModelException>(() => DagCbor.Decode(bytes));
    }

    [Fact]
    public void Decode_NestingWithinLimit_Succeeds()
    {
        var bytes = Enumerable.Repeat((byte)0x81, DagCbor.DefaultMaxDepth - 1).Append((byte)0x01).ToArray();
        Assert.IsType<LexArray>(DagCbor.Decode(bytes));
    }

    [Fact]
    public void Decode_HugeDeclaredLengthInTinyInput_FailsFast()
    {
        // An array that claims 2^32-1 items but has none must not allocate for them.
        var bytes = Convert.FromHexString("9AFFFFFFFF");
        Assert.Throws<DataModelException>(() => DagCbor.Decode(bytes));
    }

    [Fact]
    public void Encode_SortsKeysLengthFirstThenBytewise()
    {
        var map = LexValue.Map(("bb", 1L), ("a", 2L), ("ab", 3L), ("c", 4L));

        var bytes = DagCbor.Encode(map);

        // {"a":2,"c":4,"ab":3,"bb":1}
        Assert.Equal("A46161026163046261620362626201", Convert.ToHexString(bytes));
    }

    [Fact]
    public void Encode_IntegersUseShortestForm()
    {
        Assert.Equal("17", Convert.ToHexString(DagCbor.Encode(23L)));
        Assert.Equal("1818", Convert.ToHexString(DagCbor.Encode(24L)));
        Assert.Equal("20", Convert.ToHexString(DagCbor.Encode(-1L)));
        Assert.Equal("3B7FFFFFFFFFFFFFFF", Convert.ToHexString(DagCbor.Encode(long.MinValue)));
        Assert.Equal(new LexInteger(long.MinValue), DagCbor.Decode(DagCbor.Encode(long.MinValue)));
        Assert.Equal(new LexInteger(long.MaxValue), DagCbor.Decode(DagCbor.Encode(long.MaxValue)));
    }

    [Fact]
    public void Encode_CidLinkUsesTag42WithZeroPrefix()
    {
        var cid = Cid.ForDagCbor([0xa0]);
        var bytes = DagCbor.Encode(new LexLink(cid));

        Assert.Equal("D82A5825" + "00" + Convert.ToHexString(cid.Bytes), Convert.ToHexString(bytes));
        Assert.Equal(new LexLink(cid), DagCbor.Decode(bytes));
    }

    [Fact]
    public void Decode_BlobWithWrongShape_Throws()
    {
        var blob = LexValue.Map(("$type", "blob"), ("mimeType", "image/png"), ("size", "12"));
        var bytes = DagCbor.Encode(blob);
        Assert.Throws<DataModelException>(() => DagCbor.Decode(bytes));
    }

    [Fact]
    public void BlobRef_FindAll_FindsTypedAndLegacyBlobsAnywhere()
    {
        var raw = Cid.ForRaw([1, 2, 3]);
        var typed = new BlobRef(raw, "image/png", 3).ToLex();
        var legacy = LexValue.Map(("cid", raw.ToString()), ("mimeType", "image/jpeg"));
        var record = LexValue.Map(("$type", "app.bsky.feed.post"), ("embed", LexValue.Map(("images", LexValue.Array(LexValue.Map(("image", typed)), legacy)))));

        var found = BlobRef.FindAll(DagCbor.Decode(DagCbor.Encode(record))).ToList();

        Assert.Equal(2, found.Count);
        Assert.Contains(found, b => b.MimeType == "image/png" && b.Size == 3 && b.Ref == raw);
        Assert.Contains(found, b => b.MimeType == "image/jpeg" && b.Ref == raw);
    }

    [Fact]
    public void BlobRef_MayOccurIn_TrueWhereverFindAllFindsOne()
    {
        var raw = Cid.ForRaw([1, 2, 3]);
        var typed = new BlobRef(raw, "image/png", 3).ToLex();
        var legacy = LexValue.Map(("cid", raw.ToString()), ("mimeType", "image/jpeg"));
        LexValue[] records =
        [
            LexValue.Map(("$type", "app.bsky.feed.post"), ("text", "no blob here"), ("createdAt", "2026-12-06T00:00:00Z")),
            LexValue.Map(("$type", "app.bsky.actor.profile"), ("avatar", typed)),
            LexValue.Map(("$type", "app.bsky.feed.post"), ("embed", LexValue.Map(("images", LexValue.Array(LexValue.Map(("image", legacy))))))),
            // The same nine bytes as a text value: the check may say yes where there is no blob,
            // never no where there is one.
            LexValue.Map(("text", "mimeType"), ("mimetype", "x")),
        ];

        var answers = records.Select(r => DagCbor.Encode(r)).Select(b => (May: BlobRef.MayOccurIn(b), Found: BlobRef.FindAll(DagCbor.Decode(b)).Any())).ToList();

        Assert.Equal([(false, false), (true, true), (true, true), (true, false)], answers);
    }
}
