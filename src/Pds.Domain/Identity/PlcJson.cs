using System.Text.Json;
using Pds.Domain.Data;

namespace Pds.Domain.Identity;

/// <summary>
/// Plain JSON to data-model conversion for PLC objects. Unlike <see cref="LexJson"/>, no object
/// is given a special meaning (<c>$link</c>, <c>$bytes</c>, blobs): PLC operations are plain JSON,
/// and their CIDs are computed over exactly these strings, arrays and maps. Object key order is kept.
/// </summary>
internal static class PlcJson
{
    private const int MaxDepth = 16;

    public static LexValue ToLex(JsonElement element) => ToLex(element, MaxDepth);

    private static LexValue ToLex(JsonElement element, int depth)
    {
        if (depth <= 0)
        {
            throw new PlcValidationException(PlcValidationError.MalformedOperation, "JSON nesting too deep");
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                return LexNull.Instance;
            case JsonValueKind.String:
                return new LexString(element.GetString()!);
            case JsonValueKind.True:
                return LexBoolean.True;
            case JsonValueKind.False:
                return LexBoolean.False;
            case JsonValueKind.Number when element.TryGetInt64(out var n):
                return new LexInteger(n);
            case JsonValueKind.Array:
            {
                var items = new List<LexValue>(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    items.Add(ToLex(item, depth - 1));
                }

                return new LexArray(items);
            }

            case JsonValueKind.Object:
            {
                var entries = new OrderedDictionary<string, LexValue>(StringComparer.Ordinal);
                foreach (var p in element.EnumerateObject())
                {
                    if (!entries.TryAdd(p.Name, ToLex(p.Value, depth - 1)))
                    {
                        throw new PlcValidationException(PlcValidationError.MalformedOperation, $"duplicate JSON key \"{p.Name}\"");
                    }
                }

                return new LexMap(entries);
            }

            default:
                throw new PlcValidationException(PlcValidationError.MalformedOperation, $"unsupported JSON value {element.ValueKind}");
        }
    }

    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8Json)
    {
        try
        {
            return JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new PlcValidationException(PlcValidationError.MalformedOperation, $"malformed JSON: {e.Message}", e);
        }
    }
}
