using System.Text.Json;
using Pds.Domain.Data;
using Pds.Domain.Tests.Interop;

namespace Pds.Domain.Tests.Data;

/// <summary><see cref="DagCbor.CheckMap"/> accepts exactly what <see cref="DagCbor.DecodeMap"/> accepts.</summary>
public sealed class DagCborCheckMapTests
{
    private static bool Decodes(byte[] bytes)
    {
        try
        {
            DagCbor.DecodeMap(bytes);
            return true;
        }
        catch (DataModelException)
        {
            return false;
        }
    }

    private static bool Checks(byte[] bytes)
    {
        try
        {
            DagCbor.CheckMap(bytes);
            return true;
        }
        catch (DataModelException)
        {
            return false;
        }
    }

    private static byte[] Cbor(string json) => DagCbor.Encode(LexJson.Parse(json));

    private static IEnumerable<byte[]> Samples()
    {
        using var doc = JsonDocument.Parse(InteropFiles.ReadText("data-model/data-model-fixtures.json"));
        foreach (var fixture in doc.RootElement.EnumerateArray())
        {
            yield return LexJson.TryDecodeBase64(fixture.GetProperty("cbor_base64").GetString()!, out var bytes) ? bytes : throw new FormatException("bad base64 in fixture");
        }

        yield return Cbor("""{"$type":"app.bsky.feed.post","text":"héllo ✨","createdAt":"2026-12-06T00:00:00Z","langs":["en"],"reply":null,"n":-7}""");
        yield return Cbor("""{"$type":"app.bsky.feed.post","embed":{"$type":"app.bsky.embed.images","images":[{"alt":"","image":{"$type":"blob","ref":{"$link":"bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"},"mimeType":"image/png","size":10000}}]}}""");
        yield return Cbor("""{"a":{"$bytes":"AAECAw"},"l":{"$link":"bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"},"deep":[[[{"x":[1,2,3]}]]]}""");
    }

    [Fact]
    public void ValidBlocks_AreAcceptedByBoth()
    {
        foreach (var bytes in Samples())
        {
            Assert.Equal(Decodes(bytes), Checks(bytes));
        }
    }

    [Fact]
    public void MutatedBlocks_AreAcceptedOrRefusedAlike()
    {
        var random = new Random(20261206);
        var refused = 0;
        foreach (var original in Samples())
        {
            for (var round = 0; round < 300; round++)
            {
                var bytes = (byte[])original.Clone();
                switch (round % 4)
                {
                    case 0:
                        bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1:
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                        break;
                    case 2:
                        bytes = bytes[..random.Next(bytes.Length)];
                        break;
                    default:
                        var at = random.Next(bytes.Length + 1);
                        bytes = [.. bytes[..at], (byte)random.Next(256), .. bytes[at..]];
                        break;
                }

                var decodes = Decodes(bytes);
                Assert.True(decodes == Checks(bytes), $"{Convert.ToHexString(bytes)}: DecodeMap {(decodes ? "accepts" : "refuses")}, CheckMap does not");
                refused += decodes ? 0 : 1;
            }
        }

        Assert.True(refused > 100, "the mutations should produce many invalid blocks");
    }

    [Theory]
    [InlineData("a16524747970650a")] // {"$type": 10}
    [InlineData("a1652474797065 60")] // {"$type": ""}
    [InlineData("a16178a1652474797065 64626c6f62")] // {"x": {"$type": "blob"}}: a blob without ref, mimeType or size
    [InlineData("a16178f93c00")] // a half-precision float
    [InlineData("a16178d82b4100")] // tag 43
    [InlineData("a16178d82a4100")] // tag 42 without the 0x00 prefix's CID
    [InlineData("a1617801 00")] // trailing bytes
    [InlineData("8101")] // an array, not a map
    [InlineData("a2616201616101")] // keys out of canonical order
    [InlineData("bf616101ff")] // an indefinite-length map
    [InlineData("a16178 62c328")] // invalid UTF-8 in a string
    public void KnownInvalidBlocks_AreRefusedByBoth(string hex)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        Assert.False(Decodes(bytes));
        Assert.False(Checks(bytes));
    }

    [Fact]
    public void DeepNesting_IsRefusedByBoth()
    {
        // 200 maps, each {"a": <the next>}, around a 1.
        var bytes = Convert.FromHexString(string.Concat(Enumerable.Repeat("a16161", 200)) + "01");
        Assert.Equal(Decodes(bytes), Checks(bytes));
        Assert.False(Checks(bytes));
    }
}
