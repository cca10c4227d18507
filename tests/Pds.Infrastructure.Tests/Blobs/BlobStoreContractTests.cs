using System.Security.Cryptography;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Data;
using Pds.Infrastructure.Blobs;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Blobs;

/// <summary>What every blob store must do, run against each backend.</summary>
public abstract class BlobStoreContractTests
{
    private const string Did = "did:plc:abcdefghijklmnopqrstuvwx";

    protected abstract IBlobStore Store { get; }

    private static byte[] Png(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        return bytes;
    }

    [Fact]
    public async Task PutTemp_HashesSizesAndSniffs_ThenPermanentIsReadableAndSeekable()
    {
        var bytes = Png(200_000);
        var temp = await Store.PutTempAsync(Did, new MemoryStream(bytes), 1_000_000);
        Assert.Equal(Cid.ForRaw(bytes).ToString(), temp.Cid);
        Assert.Equal(bytes.Length, temp.Size);
        Assert.Equal("image/png", temp.SniffedMimeType);
        Assert.Null(await Store.OpenAsync(Did, temp.Cid));

        await Store.MakePermanentAsync(Did, temp.TempKey, temp.Cid);
        await using var stream = await Store.OpenAsync(Did, temp.Cid);
        Assert.NotNull(stream);
        Assert.True(stream!.CanSeek);
        stream.Seek(150_000, SeekOrigin.Begin);
        var tail = new byte[50_000];
        await stream.ReadExactlyAsync(tail);
        Assert.Equal(bytes[150_000..], tail);
        Assert.Equal(0, await stream.ReadAsync(new byte[10]));

        // Back to the start after reading to the end: the bytes are read again from there.
        stream.Seek(0, SeekOrigin.Begin);
        var head = new byte[1000];
        await stream.ReadExactlyAsync(head);
        Assert.Equal(bytes[..1000], head);
        Assert.Equal(bytes.Length, stream.Length);

        // The same bytes uploaded again become permanent without fuss.
        var again = await Store.PutTempAsync(Did, new MemoryStream(bytes), 1_000_000);
        await Store.MakePermanentAsync(Did, again.TempKey, again.Cid);
        Assert.Equal(0, await Store.DeleteStaleTempAsync(TimeSpan.Zero - TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task PutTemp_OverTheLimit_ThrowsAndLeavesNothing()
    {
        await Assert.ThrowsAsync<BlobTooLargeException>(() => Store.PutTempAsync(Did, new MemoryStream(Png(5000)), 4096));
        Assert.Equal(0, await Store.DeleteStaleTempAsync(TimeSpan.Zero - TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task Delete_RemovesThePermanentBlob()
    {
        var bytes = Png(1000);
        var temp = await Store.PutTempAsync(Did, new MemoryStream(bytes), 10_000);
        await Store.MakePermanentAsync(Did, temp.TempKey, temp.Cid);
        await Store.DeleteAsync(Did, temp.Cid);
        Assert.Null(await Store.OpenAsync(Did, temp.Cid));
    }

    [Fact]
    public async Task DeleteTemp_RemovesThatUploadOnly()
    {
        var kept = await Store.PutTempAsync(Did, new MemoryStream(Png(100)), 10_000);
        var dropped = await Store.PutTempAsync(Did, new MemoryStream(Png(200)), 10_000);
        await Store.DeleteTempAsync(Did, dropped.TempKey);
        await Store.DeleteTempAsync(Did, dropped.TempKey);

        await Store.MakePermanentAsync(Did, kept.TempKey, kept.Cid);
        Assert.NotNull(await Store.OpenAsync(Did, kept.Cid));
        Assert.Equal(0, await Store.DeleteStaleTempAsync(TimeSpan.Zero - TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task StaleUploads_AreRemovedByAge()
    {
        var temp = await Store.PutTempAsync(Did, new MemoryStream(Png(100)), 10_000);
        Assert.Equal(0, await Store.DeleteStaleTempAsync(TimeSpan.FromHours(1)));
        Assert.True(await Store.DeleteStaleTempAsync(TimeSpan.Zero - TimeSpan.FromMinutes(5)) >= 1);
        await Assert.ThrowsAnyAsync<Exception>(() => Store.MakePermanentAsync(Did, temp.TempKey, temp.Cid));
    }
}

public sealed class DiskBlobStoreTests : BlobStoreContractTests, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pds-blobs-" + Guid.NewGuid().ToString("N"));

    public DiskBlobStoreTests()
    {
        Store = new DiskBlobStore(new BlobstoreOptions
        {
            Kind = BlobstoreKind.Disk,
            UploadLimit = 1_000_000,
            DiskLocation = Path.Combine(_root, "blocks"),
            DiskTmpLocation = Path.Combine(_root, "tmp"),
        });
    }

    protected override IBlobStore Store { get; }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

public sealed class S3BlobStoreTests : BlobStoreContractTests, IClassFixture<S3TestServer>, IDisposable
{
    private readonly string _spool = Path.Combine(Path.GetTempPath(), "pds-s3spool-" + Guid.NewGuid().ToString("N"));
    private readonly S3BlobStore _store;

    public S3BlobStoreTests(S3TestServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var bucket = server.CreateBucketAsync().GetAwaiter().GetResult();
        _store = new S3BlobStore(
            new BlobstoreOptions
            {
                Kind = BlobstoreKind.S3,
                UploadLimit = 1_000_000,
                S3Bucket = bucket,
                S3Endpoint = server.Endpoint,
                S3ForcePathStyle = true,
                S3Region = "us-east-1",
                S3AccessKeyId = S3TestServer.AccessKeyId,
                S3SecretAccessKey = S3TestServer.SecretAccessKey,
            },
            _spool);
    }

    protected override IBlobStore Store => _store;

    [Fact]
    public void Spool_HoldsNoFilesAfterUse()
    {
        Assert.True(!Directory.Exists(_spool) || Directory.GetFiles(_spool).Length == 0);
    }

    public void Dispose()
    {
        _store.Dispose();
        if (Directory.Exists(_spool))
        {
            Directory.Delete(_spool, recursive: true);
        }
    }
}
