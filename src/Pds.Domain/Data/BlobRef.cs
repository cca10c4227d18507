namespace Pds.Domain.Data;

/// <summary>
/// A reference to a blob: <c>{"$type":"blob","ref":&lt;raw CID link&gt;,"mimeType":...,"size":...}</c>.
/// The legacy form <c>{"cid":"...","mimeType":"..."}</c> is recognised when reading old records.
/// </summary>
public sealed record BlobRef(Cid Ref, string MimeType, long Size)
{
    public const string TypeName = "blob";

    public LexMap ToLex() => LexValue.Map(
        ("$type", TypeName),
        ("ref", new LexLink(Ref)),
        ("mimeType", MimeType),
        ("size", Size));

    /// <summary>Reads a typed blob map; returns null if the map is not a <c>$type: blob</c> map.</summary>
    /// <exception cref="DataModelException">The map says it is a blob but is malformed.</exception>
    public static BlobRef? FromMap(LexMap map)
    {
        if (map.Type != TypeName)
        {
            return null;
        }

        var reference = map.GetLink("ref") ?? throw new DataModelException("blob is missing a \"ref\" link");
        var mime = map.GetString("mimeType") ?? throw new DataModelException("blob is missing a \"mimeType\" string");
        var size = map.GetInteger("size") ?? throw new DataModelException("blob is missing an integer \"size\"");
        if (size < 0)
        {
            throw new DataModelException("blob size must not be negative");
        }

        return new BlobRef(reference, mime, size);
    }

    /// <summary>Reads the legacy untyped form (<c>cid</c> string + <c>mimeType</c>); size unknown (-1).</summary>
    public static BlobRef? FromLegacyMap(LexMap map)
    {
        if (map.Count != 2 || map.GetString("cid") is not { } cidText || map.GetString("mimeType") is not { } mime)
        {
            return null;
        }

        return Cid.TryParse(cidText, out var cid) ? new BlobRef(cid, mime, -1) : null;
    }

    /// <summary>The DAG-CBOR text string "mimeType": header 0x68 (text, eight bytes), then the bytes.</summary>
    private static ReadOnlySpan<byte> MimeTypeKey => [0x68, (byte)'m', (byte)'i', (byte)'m', (byte)'e', (byte)'T', (byte)'y', (byte)'p', (byte)'e'];

    /// <summary>
    /// Whether DAG-CBOR bytes can hold a blob reference at all, without decoding them: both the
    /// typed and the legacy form have a "mimeType" key, which DAG-CBOR always encodes as the same
    /// nine bytes. False means <see cref="FindAll"/> finds nothing in the decoded value.
    /// </summary>
    public static bool MayOccurIn(ReadOnlySpan<byte> dagCbor) => dagCbor.IndexOf(MimeTypeKey) >= 0;

    /// <summary>Every blob reference (typed or legacy) anywhere inside <paramref name="value"/>.</summary>
    public static IEnumerable<BlobRef> FindAll(LexValue value)
    {
        switch (value)
        {
            case LexMap map:
                var blob = FromMap(map) ?? FromLegacyMap(map);
                if (blob is not null)
                {
                    yield return blob;
                    yield break;
                }

                foreach (var v in map.Entries.Values)
                {
                    foreach (var b in FindAll(v))
                    {
                        yield return b;
                    }
                }

                break;
            case LexArray array:
                foreach (var v in array.Items)
                {
                    foreach (var b in FindAll(v))
                    {
                        yield return b;
                    }
                }

                break;
        }
    }
}
