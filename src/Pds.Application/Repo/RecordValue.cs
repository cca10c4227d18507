using System.Text.Json;
using System.Text.Json.Serialization;
using Pds.Domain.Data;

namespace Pds.Application.Repo;

/// <summary>
/// A stored record block served as the record's JSON. The block is decoded and written straight
/// into the response, without building a JSON document in between.
/// </summary>
[JsonConverter(typeof(RecordValueJsonConverter))]
public sealed class RecordValue(byte[] block)
{
    public byte[] Block { get; } = block;
}

public sealed class RecordValueJsonConverter : JsonConverter<RecordValue>
{
    public override RecordValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new RecordValue(DagCbor.Encode(LexJson.FromElement(document.RootElement)));
    }

    public override void Write(Utf8JsonWriter writer, RecordValue value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        DagCborJson.Write(writer, value.Block);
    }
}
