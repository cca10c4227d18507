using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pds.Domain.Syntax;

/// <summary>
/// (De)serializes an atproto syntax type as its canonical JSON string, including as a dictionary
/// key. Values that fail syntax validation surface as <see cref="JsonException"/>.
/// </summary>
public sealed class SyntaxJsonConverter<T> : JsonConverter<T>
    where T : IParsable<T>
{
    public override bool HandleNull => false;

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a JSON string for {typeof(T).Name}, got {reader.TokenType}.");
        }

        return ParseOrThrow(reader.GetString());
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value!.ToString());
    }

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ParseOrThrow(reader.GetString());

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(value!.ToString()!);
    }

    private static T ParseOrThrow(string? text)
    {
        try
        {
            return T.Parse(text ?? string.Empty, null);
        }
        catch (FormatException ex)
        {
            throw new JsonException(ex.Message, ex);
        }
    }
}
