namespace Pds.Infrastructure.Http;

/// <summary>Reads an HTTP response body into memory only up to a size limit.</summary>
public static class LimitedBody
{
    /// <summary>
    /// The body's bytes, or null when it is (or announces itself) larger than <paramref name="limit"/>;
    /// reading stops as soon as the limit is passed.
    /// </summary>
    public static async Task<byte[]?> TryReadAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Content.Headers.ContentLength > limit)
        {
            return null;
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }
}
