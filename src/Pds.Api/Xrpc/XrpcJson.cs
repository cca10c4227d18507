using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Pds.Api.Xrpc;

/// <summary>
/// JSON answers sent with their length (<c>Content-Length</c>), in one write. ASP.NET Core's own
/// JSON results stream the body in chunked framing, and the last chunk goes out only once the
/// request's pipeline has unwound: a client had the body in one piece and its end in another,
/// and waited for the second. The body is serialized into pooled memory first (with the options
/// <c>ConfigureHttpJsonOptions</c> sets), then written.
/// </summary>
internal static class XrpcJson
{
    public const string ContentType = "application/json; charset=utf-8";

    /// <summary>A 200 answer with <paramref name="value"/> as its JSON body.</summary>
    public static Answer<T> Ok<T>(T value) => new(value);

    public static async Task WriteAsync<T>(HttpResponse response, int status, T value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var options = response.HttpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

        // As ASP.NET Core chooses: the declared type's contract, unless the value is of another
        // type that contract does not describe polymorphically.
        JsonTypeInfo typeInfo = options.GetTypeInfo(typeof(T));
        if (value is not null && value.GetType() != typeInfo.Type && typeInfo.PolymorphismOptions is null)
        {
            typeInfo = options.GetTypeInfo(value.GetType());
        }

        using var body = new PooledBuffer();
        var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = options.Encoder, Indented = options.WriteIndented, MaxDepth = options.MaxDepth, SkipValidation = true });
        await using (writer.ConfigureAwait(false))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }

        response.StatusCode = status;
        response.ContentType = ContentType;
        response.ContentLength = body.Written.Length;
        await response.Body.WriteAsync(body.Written, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A 200 JSON answer written by <see cref="WriteAsync{T}"/>.</summary>
    public sealed class Answer<T>(T value) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>, IContentTypeHttpResult, IEndpointMetadataProvider
    {
        public T Value => value;

        object? IValueHttpResult.Value => value;

        public int StatusCode => StatusCodes.Status200OK;

        int? IStatusCodeHttpResult.StatusCode => StatusCode;

        string IContentTypeHttpResult.ContentType => XrpcJson.ContentType;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            return WriteAsync(httpContext.Response, StatusCode, value, httpContext.RequestAborted);
        }

        public static void PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder)
        {
            ArgumentNullException.ThrowIfNull(builder);
            builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
        }
    }

    /// <summary>Growing memory rented from the shared pool, returned on dispose.</summary>
    private sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
    {
        private byte[] _array = ArrayPool<byte>.Shared.Rent(4096);
        private int _written;

        public ReadOnlyMemory<byte> Written => _array.AsMemory(0, _written);

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Reserve(sizeHint);
            return _array.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Reserve(sizeHint);
            return _array.AsSpan(_written);
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = [];
        }

        // Makes room for at least sizeHint bytes (one when 0) after what is written.
        private void Reserve(int sizeHint)
        {
            var needed = _written + Math.Max(sizeHint, 1);
            if (needed > _array.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
                _array.AsSpan(0, _written).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_array);
                _array = larger;
            }
        }
    }
}
