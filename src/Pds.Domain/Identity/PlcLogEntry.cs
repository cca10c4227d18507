using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Pds.Domain.Data;

namespace Pds.Domain.Identity;

/// <summary>
/// One entry of a DID's audit log as the PLC directory serves it (<c>GET /{did}/log/audit</c>):
/// the operation, its CID, whether the directory considers it nullified, and when it was accepted.
/// </summary>
public sealed record PlcLogEntry(string Did, PlcOperation Operation, Cid Cid, bool Nullified, DateTimeOffset CreatedAt)
{
    /// <summary>An entry for a freshly accepted operation (its CID computed).</summary>
    public static PlcLogEntry Create(string did, PlcOperation operation, DateTimeOffset createdAt, bool nullified = false)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return new PlcLogEntry(did, operation, operation.Cid, nullified, createdAt);
    }

    /// <summary>Timestamps as the directory writes them: UTC, millisecond precision, <c>Z</c> suffix.</summary>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an audit log: a JSON array of entries.</summary>
    public static IReadOnlyList<PlcLogEntry> ParseAuditLog(string json) => ParseAuditLog(System.Text.Encoding.UTF8.GetBytes(json));

    public static IReadOnlyList<PlcLogEntry> ParseAuditLog(ReadOnlyMemory<byte> utf8Json)
    {
        using var doc = PlcJson.ParseDocument(utf8Json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new PlcValidationException(PlcValidationError.MalformedOperation, "an audit log is a JSON array");
        }

        return doc.RootElement.EnumerateArray().Select(FromJson).ToList();
    }

    /// <summary>Reads one entry (extra members such as the export stream's <c>seq</c> are ignored).</summary>
    public static PlcLogEntry FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("a log entry is a JSON object");
        }

        var did = GetString(element, "did");
        var cidText = GetString(element, "cid");
        if (!Cid.TryParse(cidText, out var cid))
        {
            throw Malformed("log entry cid is not a valid CID");
        }

        var nullified = element.TryGetProperty("nullified", out var n) && n.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? n.GetBoolean()
            : element.TryGetProperty("nullified", out _) ? throw Malformed("log entry nullified must be a boolean") : false;

        if (!element.TryGetProperty("operation", out var operation))
        {
            throw Malformed("log entry has no operation");
        }

        return new PlcLogEntry(did, PlcOperation.FromJson(operation), cid, nullified, ParseTimestamp(GetString(element, "createdAt")));
    }

    /// <summary>Parses an RFC 3339 timestamp with an explicit offset (the directory always writes <c>Z</c>).</summary>
    public static DateTimeOffset ParseTimestamp(string text)
    {
        if (text.Length < 20 || text[10] != 'T'
            || !(text.EndsWith('Z') || text[^6] is '+' or '-')
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var value))
        {
            throw Malformed($"invalid timestamp \"{text}\"");
        }

        return value;
    }

    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("did", Did);
        writer.WritePropertyName("operation");
        Operation.WriteJson(writer);
        writer.WriteString("cid", Cid.ToString());
        writer.WriteBoolean("nullified", Nullified);
        writer.WriteString("createdAt", FormatTimestamp(CreatedAt));
        writer.WriteEndObject();
    }

    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteJson(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes entries as an audit log JSON array.</summary>
    public static string ToAuditLogJson(IEnumerable<PlcLogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var entry in entries)
            {
                entry.WriteJson(writer);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw Malformed($"log entry needs a string \"{name}\"");

    private static PlcValidationException Malformed(string message) => new(PlcValidationError.MalformedOperation, message);
}
