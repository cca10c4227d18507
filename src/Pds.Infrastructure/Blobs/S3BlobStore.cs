using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Data;

namespace Pds.Infrastructure.Blobs;

/// <summary>
/// Blobs in an S3-compatible bucket, laid out as the reference PDS does: uploads under
/// <c>tmp/&lt;did&gt;/&lt;key&gt;</c>, permanent blobs under <c>blocks/&lt;did&gt;/&lt;cid&gt;</c>.
/// An upload is spooled to a local file while it is hashed and its size checked (so memory holds
/// one chunk, never the blob), then sent with its length known. Making a blob permanent is a
/// server-side copy and a delete. Reads stream straight from the bucket: a seekable stream that
/// issues one ranged GET from wherever it is read, so a range request fetches only its range.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private const int ChunkSize = 64 * 1024;
    private readonly AmazonS3Client _s3;
    private readonly string _bucket;
    private readonly string _spool;

    public S3BlobStore(BlobstoreOptions options, string spoolDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _bucket = options.S3Bucket ?? throw new InvalidOperationException("No S3 bucket configured.");
        _spool = spoolDirectory;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.S3ForcePathStyle,
            AuthenticationRegion = options.S3Region ?? "us-east-1",
            // Plain requests with known lengths: every S3-compatible server understands them.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = TimeSpan.FromMinutes(5),
        };
        if (options.S3Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.S3Region ?? "us-east-1");
        }

        _s3 = options.S3AccessKeyId is { } id && options.S3SecretAccessKey is { } secret
            ? new AmazonS3Client(new BasicAWSCredentials(id, secret), config)
            : new AmazonS3Client(config);
    }

    public async Task<TempBlob> PutTempAsync(string did, Stream content, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        Directory.CreateDirectory(_spool);
        var key = Guid.NewGuid().ToString("N");
        var path = Path.Combine(_spool, "upload-" + key);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var head = new byte[64];
        var headLength = 0;
        long size = 0;
        try
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, ChunkSize, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
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

                file.Position = 0;
                await _s3.PutObjectAsync(
                    new PutObjectRequest
                    {
                        BucketName = _bucket,
                        Key = TempKey(did, key),
                        InputStream = file,
                        AutoCloseStream = false,
                        UseChunkEncoding = false,
                        DisablePayloadSigning = false,
                        Headers = { ContentLength = size },
                    },
                    cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var cid = Cid.FromSha256(Cid.RawCodec, hash.GetHashAndReset());
        return new TempBlob(key, cid.ToString(), size, MimeSniffer.Sniff(head.AsSpan(0, headLength)));
    }

    public async Task MakePermanentAsync(string did, string tempKey, string cid, CancellationToken cancellationToken = default)
    {
        var target = BlockKey(did, cid);
        var source = TempKey(did, tempKey);
        if (!await ExistsAsync(target, cancellationToken).ConfigureAwait(false))
        {
            await _s3.CopyObjectAsync(
                new CopyObjectRequest { SourceBucket = _bucket, SourceKey = source, DestinationBucket = _bucket, DestinationKey = target },
                cancellationToken).ConfigureAwait(false);
        }

        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = source }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream?> OpenAsync(string did, string cid, CancellationToken cancellationToken = default)
    {
        var key = BlockKey(did, cid);
        long length;
        try
        {
            var head = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            length = head.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return new S3RangeStream(_s3, _bucket, key, length);
    }

    public async Task DeleteAsync(string did, string cid, CancellationToken cancellationToken = default) =>
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = BlockKey(did, cid) }, cancellationToken).ConfigureAwait(false);

    public async Task DeleteTempAsync(string did, string tempKey, CancellationToken cancellationToken = default) =>
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = TempKey(did, tempKey) }, cancellationToken).ConfigureAwait(false);

    public async Task<int> DeleteStaleTempAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        var cutoff = DateTime.UtcNow - olderThan;
        var deleted = 0;

        // Local spool files a killed process left behind (open ones delete themselves on close).
        if (Directory.Exists(_spool))
        {
            foreach (var file in Directory.EnumerateFiles(_spool))
            {
                if (File.GetLastWriteTimeUtc(file) < cutoff)
                {
                    File.Delete(file);
                }
            }
        }

        string? token = null;
        do
        {
            var page = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = "tmp/", ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                if (item.LastModified is { } modified && modified.ToUniversalTime() < cutoff)
                {
                    await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = item.Key }, cancellationToken).ConfigureAwait(false);
                    deleted++;
                }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return deleted;
    }

    public void Dispose() => _s3.Dispose();

    private async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static string TempKey(string did, string key) => $"tmp/{Safe(did)}/{Safe(key)}";

    private static string BlockKey(string did, string cid) =>
        Cid.TryParse(cid, out _) ? $"blocks/{Safe(did)}/{cid}" : throw new ArgumentException("Not a CID.", nameof(cid));

    private static string Safe(string part) =>
        part.Length == 0 || part.Contains('/', StringComparison.Ordinal) || part is "." or ".."
            ? throw new ArgumentException("Unsafe key component.", nameof(part))
            : part;
}

/// <summary>
/// A read-only, seekable view of one object: its length from a HEAD, its bytes from a ranged GET
/// opened at the current position on the first read after a seek. Sequential reads use one request.
/// </summary>
internal sealed class S3RangeStream(IAmazonS3 s3, string bucket, string key, long length) : Stream
{
    private GetObjectResponse? _response;
    private Stream? _body;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target);
        if (target != _position)
        {
            CloseBody();
            _position = target;
        }

        return _position;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.Length == 0)
        {
            return 0;
        }

        if (_body is null)
        {
            _response = await s3.GetObjectAsync(
                new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange(_position, length - 1) },
                cancellationToken).ConfigureAwait(false);
            _body = _response.ResponseStream;
        }

        var read = await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseBody();
        }

        base.Dispose(disposing);
    }

    private void CloseBody()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
    }
}
