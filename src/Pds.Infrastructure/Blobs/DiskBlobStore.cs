using System.Buffers;
using System.Security.Cryptography;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Data;

namespace Pds.Infrastructure.Blobs;

/// <summary>
/// Blobs on the local disk, content-addressed under <c>&lt;location&gt;/&lt;did&gt;/&lt;cid&gt;</c>.
/// Uploads stream into the temporary directory while SHA-256 is computed; making a blob permanent
/// flushes the file to disk and renames it into place atomically, so a reader never sees a
/// partial blob and a crash leaves either the old state or the complete blob.
/// </summary>
public sealed class DiskBlobStore(BlobstoreOptions options) : IBlobStore
{
    private const int ChunkSize = 64 * 1024;

    private string Location => options.DiskLocation ?? throw new InvalidOperationException("No blob disk location configured.");

    private string TempLocation => options.DiskTmpLocation ?? Path.Combine(Location, "tmp");

    public async Task<TempBlob> PutTempAsync(string did, Stream content, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        Directory.CreateDirectory(TempLocation);
        var key = Guid.NewGuid().ToString("N");
        var path = Path.Combine(TempLocation, key);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        long size = 0;
        var head = new byte[64];
        var headLength = 0;
        try
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, ChunkSize, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        throw new BlobTooLargeException($"The blob exceeds the upload limit of {maxBytes} bytes.");
                    }

                    if (headLength < head.Length)
                    {
                        var take = Math.Min(read, head.Length - headLength);
                        buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                        headLength += take;
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var cid = Cid.FromSha256(Cid.RawCodec, hash.GetHashAndReset());
        return new TempBlob(key, cid.ToString(), size, MimeSniffer.Sniff(head.AsSpan(0, headLength)));
    }

    public Task MakePermanentAsync(string did, string tempKey, string cid, CancellationToken cancellationToken = default)
    {
        var target = PathFor(did, cid);
        if (File.Exists(target))
        {
            File.Delete(Path.Combine(TempLocation, SafeName(tempKey)));
            return Task.CompletedTask;
        }

        var source = Path.Combine(TempLocation, SafeName(tempKey));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using (var file = new FileStream(source, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            // The bytes reach the disk before the name that makes them visible does.
            file.Flush(flushToDisk: true);
        }

        File.Move(source, target, overwrite: true);
        return Task.CompletedTask;
    }

    public Task<Stream?> OpenAsync(string did, string cid, CancellationToken cancellationToken = default)
    {
        var path = PathFor(did, cid);
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, ChunkSize, FileOptions.Asynchronous)
            : null;
        return Task.FromResult(stream);
    }

    public Task DeleteAsync(string did, string cid, CancellationToken cancellationToken = default)
    {
        File.Delete(PathFor(did, cid));
        return Task.CompletedTask;
    }

    public Task DeleteTempAsync(string did, string tempKey, CancellationToken cancellationToken = default)
    {
        File.Delete(Path.Combine(TempLocation, SafeName(tempKey)));
        return Task.CompletedTask;
    }

    public Task<int> DeleteStaleTempAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(TempLocation))
        {
            return Task.FromResult(0);
        }

        var cutoff = DateTime.UtcNow - olderThan;
        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(TempLocation))
        {
            if (File.GetLastWriteTimeUtc(file) < cutoff)
            {
                File.Delete(file);
                deleted++;
            }
        }

        return Task.FromResult(deleted);
    }

    private string PathFor(string did, string cid)
    {
        if (!Cid.TryParse(cid, out _))
        {
            throw new ArgumentException("Not a CID.", nameof(cid));
        }

        return Path.Combine(Location, SafeName(did), cid);
    }

    // DIDs contain ':' and (did:web) '%'; neither can climb out of the directory, but '/' could.
    private static string SafeName(string name) =>
        name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name is "." or ".."
            ? throw new ArgumentException("Unsafe path component.", nameof(name))
            : name.Replace(':', '_');
}

/// <summary>Recognises common media types from their first bytes.</summary>
public static class MimeSniffer
{
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return "image/webp";
        }

        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            var brand = head[8..12];
            return brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8) ? "image/avif"
                : brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) ? "image/heic"
                : brand.SequenceEqual("qt  "u8) ? "video/quicktime"
                : "video/mp4";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
        {
            return "video/webm";
        }

        return null;
    }
}
