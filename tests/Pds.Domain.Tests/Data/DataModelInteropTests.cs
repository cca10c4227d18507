using System.Text.Json;
using Pds.Domain.Data;
using Pds.Domain.Tests.Interop;

namespace Pds.Domain.Tests.Data;

public sealed class DataModelInteropTests
{
    public static TheoryData<int> FixtureIndexes() => Indexes("data-model/data-model-fixtures.json");

    public static TheoryData<int> ValidIndexes() => Indexes("data-model/data-model-valid.json");

    public static TheoryData<int> InvalidIndexes() => Indexes("data-model/data-model-invalid.json");

    [Theory]
    [MemberData(nameof(FixtureIndexes))]
    public void Fixture_JsonEncodesToExpectedCborAndCid(int index)
    {
        var fixture = Load("data-model/data-model-fixtures.json")[index];
        var json = fixture.GetProperty("json").GetRawText();
        var expectedCbor = FromBase64Unpadded(fixture.GetProperty("cbor_base64").GetString()!);
        var expectedCid = fixture.GetProperty("cid").GetString();

        var value = LexJson.Parse(json);
        var (cid, bytes) = DagCbor.EncodeBlock(value);

        Assert.Equal(Convert.ToHexString(expectedCbor), Convert.ToHexString(bytes));
        Assert.Equal(expectedCid, cid.ToString());
    }

    [Theory]
    [MemberData(nameof(FixtureIndexes))]
    public void Fixture_CborDecodesToSameValueAndJson(int index)
    {
        var fixture = Load("data-model/data-model-fixtures.json")[index];
        var fromJson = LexJson.Parse(fixture.GetProperty("json").GetRawText());
        var cbor = FromBase64Unpadded(fixture.GetProperty("cbor_base64").GetString()!);

        var decoded = DagCbor.Decode(cbor);

        Assert.Equal(fromJson, decoded);
        // JSON written back from the decoded value parses to the same value (and same CBOR).
        var rewritten = LexJson.Parse(LexJson.ToUtf8Bytes(decoded));
        Assert.Equal(cbor, DagCbor.Encode(rewritten));
    }

    [Theory]
    [MemberData(nameof(FixtureIndexes))]
    public void Fixture_CborTranscodesToTheSameJsonAsTheDecodedValue(int index)
    {
        var fixture = Load("data-model/data-model-fixtures.json")[index];
        var cbor = FromBase64Unpadded(fixture.GetProperty("cbor_base64").GetString()!);

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            DagCborJson.Write(writer, cbor);
        }

        Assert.Equal(LexJson.Parse(fixture.GetProperty("json").GetRawText()), LexJson.Parse(buffer.WrittenSpan));
        Assert.Equal(Convert.ToHexString(LexJson.ToUtf8Bytes(DagCbor.Decode(cbor))), Convert.ToHexString(Relaxed(buffer.WrittenSpan)));
    }

    [Theory]
    [InlineData("f93c00")] // a half-precision float
    [InlineData("d82b4100")] // tag 43
    [InlineData("a161610101")] // trailing bytes
    [InlineData("a2616201616101")] // map keys out of canonical order
    [InlineData("d82a420102")] // a CID link without the 0x00 prefix
    public void Transcode_InvalidDagCbor_Rejected(string hex)
    {
        var writer = new Utf8JsonWriter(Stream.Null);
        Assert.Throws<DataModelException>(() => DagCborJson.Write(writer, Convert.FromHexString(hex)));
    }

    // The transcoder writes with the caller's escaping; compare with LexJson's relaxed escaping.
    private static byte[] Relaxed(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            document.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    [Theory]
    [MemberData(nameof(ValidIndexes))]
    public void Valid_ParsesAndRoundTripsThroughCbor(int index)
    {
        var json = Load("data-model/data-model-valid.json")[index].GetProperty("json").GetRawText();

        var value = LexJson.ParseObject(json);
        var cbor = DagCbor.Encode(value);

        Assert.Equal(value, DagCbor.Decode(cbor));
    }

    [Theory]
    [MemberData(nameof(InvalidIndexes))]
    public void Invalid_IsRejected(int index)
    {
        var entry = Load("data-model/data-model-invalid.json")[index];
        var json = entry.GetProperty("json").GetRawText();

        var ex = Assert.Throws<DataModelException>(() => LexJson.ParseObject(json));
        Assert.False(string.IsNullOrEmpty(ex.Message), entry.GetProperty("note").GetString());
    }

    [Fact]
    public void Valid_IntegerLikeFloatBecomesInteger()
    {
        var map = LexJson.ParseObject("""{"a": 123.0, "b": 1e3}""");
        Assert.Equal(new LexInteger(123), map["a"]);
        Assert.Equal(new LexInteger(1000), map["b"]);
    }

    private static TheoryData<int> Indexes(string file)
    {
        var data = new TheoryData<int>();
        var count = Load(file).Length;
        Assert.True(count > 0, $"{file} has no entries");
        for (var i = 0; i < count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    private static JsonElement[] Load(string file)
    {
        using var doc = JsonDocument.Parse(InteropFiles.ReadText(file));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private static byte[] FromBase64Unpadded(string s) =>
        LexJson.TryDecodeBase64(s, out var bytes) ? bytes : throw new FormatException("bad base64 in fixture");
}
