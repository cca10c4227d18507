using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Repo.Commands.ImportRepo;
using Pds.Domain.Crypto;
using Pds.Domain.Data;
using Pds.Domain.Identity;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Syntax;

namespace Pds.Api.Tests.Xrpc.Repo;

/// <summary>Migration into this server: a deactivated account, importRepo, then the missing blobs.</summary>
public sealed class ImportRepoTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>An identity hosted "elsewhere" with a repository of posts and a profile whose avatar is a blob.</summary>
    private async Task<(string Did, string AccessJwt, byte[] Car, byte[] Avatar, Cid AvatarCid)> MigratingAccountAsync(int posts)
    {
        using var oldKey = Secp256k1Keypair.Generate();
        var (did, accessJwt) = await MigratingAccountAsync(_client, oldKey);
        var (car, avatar, avatarCid) = await RepositoryCarAsync(did, oldKey, posts);
        return (did, accessJwt, car, avatar, avatarCid);
    }

    /// <summary>
    /// An identity registered "elsewhere" (the server's own PLC directory in dev mode) with
    /// <paramref name="oldKey"/> as its repository key, and its deactivated account on the server
    /// <paramref name="client"/> talks to (its DID from describeServer).
    /// </summary>
    internal static async Task<(string Did, string AccessJwt)> MigratingAccountAsync(HttpClient client, Secp256k1Keypair oldKey)
    {
        var serviceDid = (await (await client.GetAsync("com.atproto.server.describeServer", null)).ReadOkJsonAsync()).GetProperty("did").GetString()!;
        using var rotation = Secp256k1Keypair.Generate();
        var handle = XrpcClient.NewHandle("migrant");
        var did = await client.RegisterIdentityElsewhereAsync(oldKey, rotation, handle);
        var created = await (await client.CreateMigratingAccountAsync(oldKey, did, handle, serviceDid)).ReadOkJsonAsync();
        return (did, created.GetProperty("accessJwt").GetString()!);
    }

    /// <summary>A repository CAR signed by <paramref name="key"/>: a profile whose avatar is a blob, and <paramref name="posts"/> posts.</summary>
    internal static async Task<(byte[] Car, byte[] Avatar, Cid AvatarCid)> RepositoryCarAsync(string did, Secp256k1Keypair key, int posts)
    {
        var avatar = new byte[3000];
        RandomNumberGenerator.Fill(avatar);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(avatar, 0);
        var avatarCid = Cid.ForRaw(avatar);
        var creates = new List<RepoCreate>
        {
            RepoCreate.FromRecord(Nsid.Parse("app.bsky.actor.profile"), RecordKey.Self, LexValue.Map(
                ("$type", "app.bsky.actor.profile"),
                ("displayName", "Migrant"),
                ("avatar", new BlobRef(avatarCid, "image/png", avatar.Length).ToLex()))),
        };
        for (var i = 0; i < posts; i++)
        {
            creates.Add(RepoCreate.FromRecord(Nsid.Parse("app.bsky.feed.post"), RecordKey.Parse(TidClock.Shared.Next().ToString()), LexValue.Map(
                ("$type", "app.bsky.feed.post"), ("text", $"old post {i}"), ("createdAt", "2026-01-01T00:00:00.000Z"))));
        }

        var data = await RepoWriter.CreateAsync(Did.Parse(did), key, creates, TidClock.Shared.Next());
        return (CarWriter.ToArray([data.Cid], data.NewBlocks), avatar, avatarCid);
    }

    internal static Task<HttpResponseMessage> ImportAsync(HttpClient client, string accessJwt, byte[] car)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.importRepo") { Content = new ByteArrayContent(car) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.ipld.car");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessJwt);
        return client.SendAsync(request);
    }

    private Task<HttpResponseMessage> ImportAsync(string accessJwt, byte[] car) => ImportAsync(_client, accessJwt, car);

    [Fact]
    public async Task ImportRepo_WholeRepository_IndexedAndMissingBlobsListedUntilUploaded()
    {
        var (did, access, car, avatar, avatarCid) = await MigratingAccountAsync(12);
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(access, car)).StatusCode);

        var posts = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={did}&collection=app.bsky.feed.post&limit=100", null)).ReadOkJsonAsync();
        Assert.Equal(12, posts.GetProperty("records").GetArrayLength());
        var status = await (await _client.GetAsync("com.atproto.server.checkAccountStatus", access)).ReadOkJsonAsync();
        Assert.Equal(13, status.GetProperty("indexedRecords").GetInt64());
        Assert.Equal(1, status.GetProperty("expectedBlobs").GetInt64());
        Assert.Equal(0, status.GetProperty("importedBlobs").GetInt64());

        var missing = await (await _client.GetAsync("com.atproto.repo.listMissingBlobs", access)).ReadOkJsonAsync();
        var entry = Assert.Single(missing.GetProperty("blobs").EnumerateArray());
        Assert.Equal(avatarCid.ToString(), entry.GetProperty("cid").GetString());
        Assert.Equal($"at://{did}/app.bsky.actor.profile/self", entry.GetProperty("recordUri").GetString());

        var upload = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.uploadBlob") { Content = new ByteArrayContent(avatar) };
        upload.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", access);
        await (await _client.SendAsync(upload)).ReadOkJsonAsync();

        missing = await (await _client.GetAsync("com.atproto.repo.listMissingBlobs", access)).ReadOkJsonAsync();
        Assert.Equal(0, missing.GetProperty("blobs").GetArrayLength());
        status = await (await _client.GetAsync("com.atproto.server.checkAccountStatus", access)).ReadOkJsonAsync();
        Assert.Equal(1, status.GetProperty("importedBlobs").GetInt64());
    }

    [Fact]
    public async Task ImportRepo_RecordBlocksStoredOnTheirRecordsOnly()
    {
        // ADR 0016: a record's block is on its record's row; repo_block holds the commit and the
        // tree's nodes, every one of them.
        var (did, access, car, _, _) = await MigratingAccountAsync(300);
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(access, car)).StatusCode);

        var contents = await RepoCar.ReadAsync(new MemoryStream(car));
        var recordCids = new HashSet<string>();
        await foreach (var entry in Pds.Domain.Repo.Mst.MstTree.Load(contents.Blocks, contents.Commit.Data).WalkAsync())
        {
            recordCids.Add(entry.Value.ToString());
        }

        Assert.Equal(301, recordCids.Count);
        var others = contents.Blocks.Cids.Select(c => c.ToString()).Where(c => !recordCids.Contains(c)).Order(StringComparer.Ordinal).ToList();
        Assert.Contains(contents.CommitCid.ToString(), others);
        Assert.True(others.Count > 2);

        using var scope = factory.Services.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<Pds.Infrastructure.Persistence.PdsDbContext>()
            .Set<Pds.Infrastructure.Persistence.Rows.RepoBlockRow>()
            .Where(b => b.Did == did)
            .Select(b => b.Cid)
            .ToListAsync();
        Assert.Equal(others, stored.Order(StringComparer.Ordinal));

        var status = await (await _client.GetAsync("com.atproto.server.checkAccountStatus", access)).ReadOkJsonAsync();
        Assert.Equal(contents.Blocks.Count, status.GetProperty("repoBlocks").GetInt64());
    }

    [Fact]
    public async Task ImportRepo_GarbageOrTruncated_400AndNothingHalfImported()
    {
        var (did, access, car, _, _) = await MigratingAccountAsync(20);
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(access, car)).StatusCode);

        await XrpcPipelineTests.AssertXrpcErrorAsync(await ImportAsync(access, Encoding.UTF8.GetBytes("not a car at all")), HttpStatusCode.BadRequest, "InvalidRequest");
        await XrpcPipelineTests.AssertXrpcErrorAsync(await ImportAsync(access, car[..(car.Length / 2)]), HttpStatusCode.BadRequest, "InvalidRequest");

        // A CAR missing one record block is refused whole.
        var (roots, blocks) = await CarReader.ReadAllAsync(car);
        var commit = Commit.Decode(blocks.TryGet(roots[0], out var c) ? c : throw new InvalidOperationException());
        var firstRecord = (await Pds.Domain.Repo.Mst.MstTree.Load(blocks, commit.Data).ListAsync(limit: 1))[0].Value;
        var partial = new BlockMap();
        foreach (var (cid, bytes) in blocks)
        {
            if (cid != firstRecord)
            {
                partial.Set(cid, bytes);
            }
        }

        await XrpcPipelineTests.AssertXrpcErrorAsync(await ImportAsync(access, CarWriter.ToArray(roots, partial)), HttpStatusCode.BadRequest, "InvalidRequest");

        var posts = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={did}&collection=app.bsky.feed.post&limit=100", null)).ReadOkJsonAsync();
        Assert.Equal(20, posts.GetProperty("records").GetArrayLength());
    }

    [Fact]
    public async Task ImportRepo_MalformedCarsOrCbor_400AndRepositoryUnchanged()
    {
        var (did, access, car, _, _) = await MigratingAccountAsync(5);
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(access, car)).StatusCode);
        // The account is still deactivated (migrating): its head shows in checkAccountStatus.
        var head = await (await _client.GetAsync("com.atproto.server.checkAccountStatus", access)).ReadOkJsonAsync();

        var (roots, blocks) = await CarReader.ReadAllAsync(car);
        var commitBytes = blocks.TryGet(roots[0], out var c) ? c : throw new InvalidOperationException();
        var commit = Commit.Decode(commitBytes);
        var aRecord = (await Pds.Domain.Repo.Mst.MstTree.Load(blocks, commit.Data).ListAsync(limit: 1))[0].Value;

        BlockMap With(Cid cid, ReadOnlyMemory<byte> bytes)
        {
            var copy = new BlockMap();
            foreach (var (k, v) in blocks)
            {
                copy.Set(k, k == cid ? bytes : v);
            }

            return copy;
        }

        // A block whose bytes do not hash to its CID.
        var tampered = blocks.TryGet(aRecord, out var recordBytes) ? recordBytes.ToArray() : throw new InvalidOperationException();
        tampered[^1] ^= 0x01;
        // The commit re-encoded as an indefinite-length map: valid CBOR, not DAG-CBOR.
        var indefinite = new byte[commitBytes.Length + 1];
        commitBytes.Span.CopyTo(indefinite);
        Assert.Equal(0xA0, indefinite[0] & 0xE0);
        indefinite[0] = 0xBF;
        indefinite[^1] = 0xFF;
        var indefiniteCid = Cid.ForDagCbor(indefinite);
        var indefiniteBlocks = new BlockMap();
        indefiniteBlocks.AddAll(blocks);
        indefiniteBlocks.Set(indefiniteCid, indefinite);

        var cases = new Dictionary<string, byte[]>
        {
            ["empty body"] = [],
            ["block bytes not matching their CID"] = CarWriter.ToArray(roots, With(aRecord, tampered)),
            ["commit not in canonical DAG-CBOR"] = CarWriter.ToArray([indefiniteCid], indefiniteBlocks),
            ["no root"] = CarWriter.ToArray([], blocks),
            ["root that is not a commit"] = CarWriter.ToArray([aRecord], blocks),
            ["header that is not CBOR"] = [.. new byte[] { 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, .. car[10..]],
            ["block length beyond the end"] = [.. car, 0xFF, 0xFF, 0x03],
        };
        foreach (var (name, bytes) in cases)
        {
            var response = await ImportAsync(access, bytes);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        }

        // The wrong encoding is refused before anything is read.
        var wrongType = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.importRepo") { Content = new ByteArrayContent(car) };
        wrongType.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        wrongType.Headers.Authorization = new AuthenticationHeaderValue("Bearer", access);
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.SendAsync(wrongType), HttpStatusCode.BadRequest, "InvalidRequest");

        var after = await (await _client.GetAsync("com.atproto.server.checkAccountStatus", access)).ReadOkJsonAsync();
        Assert.Equal(head.GetProperty("repoCommit").GetString(), after.GetProperty("repoCommit").GetString());
        Assert.Equal(head.GetProperty("repoRev").GetString(), after.GetProperty("repoRev").GetString());
        var posts = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={did}&collection=app.bsky.feed.post&limit=100", null)).ReadOkJsonAsync();
        Assert.Equal(5, posts.GetProperty("records").GetArrayLength());
    }

    [Fact]
    public async Task ImportRepo_RecordOutsideTheDataModel_400AndRepositoryUnchanged()
    {
        var (did, access, car, _, _) = await MigratingAccountAsync(3);
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(access, car)).StatusCode);

        // The same repository, but one post's block is well addressed and well formed CBOR that
        // holds a float ({"n": 1.0, "$type": "app.bsky.feed.post"}), which the data model forbids.
        var (roots, blocks) = await CarReader.ReadAllAsync(car);
        var commit = Commit.Decode(blocks.TryGet(roots[0], out var c) ? c : throw new InvalidOperationException());
        var tree = Pds.Domain.Repo.Mst.MstTree.Load(blocks, commit.Data);
        var post = (await tree.ListWithPrefixAsync("app.bsky.feed.post/"))[0].Key;
        var bad = Convert.FromHexString("a2616ef93c00652474797065726170702e62736b792e666565642e706f7374");
        var badCid = Cid.ForDagCbor(bad);
        var changed = await tree.UpdateAsync(post, badCid);
        using var key = Secp256k1Keypair.Generate();
        var (commitCid, commitBytes) = Commit.Sign(new UnsignedCommit(commit.Did, await changed.GetRootCidAsync(), TidClock.Shared.Next()), key).Encode();
        var all = new BlockMap();
        all.AddAll(blocks);
        all.AddAll(await changed.GetUnstoredBlocksAsync());
        all.Set(badCid, bad);
        all.Set(commitCid, commitBytes);

        await XrpcPipelineTests.AssertXrpcErrorAsync(await ImportAsync(access, CarWriter.ToArray([commitCid], all)), HttpStatusCode.BadRequest, "InvalidRequest");

        var posts = await (await _client.GetAsync($"com.atproto.repo.listRecords?repo={did}&collection=app.bsky.feed.post&limit=100", null)).ReadOkJsonAsync();
        Assert.Equal(3, posts.GetProperty("records").GetArrayLength());
    }

    [Fact]
    public async Task ImportRepo_SomeoneElsesRepository_400()
    {
        var (_, access, _, _, _) = await MigratingAccountAsync(1);
        var (_, _, otherCar, _, _) = await MigratingAccountAsync(1);
        await XrpcPipelineTests.AssertXrpcErrorAsync(await ImportAsync(access, otherCar), HttpStatusCode.BadRequest, "InvalidRequest");
    }
}

/// <summary>A server that does not take imports.</summary>
public sealed class NoImportsFactory : PdsApiFactory
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>
    {
        ["PDS_ACCEPTING_REPO_IMPORTS"] = "false",
    };
}

public sealed class ImportRepoRefusedTests(NoImportsFactory factory) : IClassFixture<NoImportsFactory>
{
    [Fact]
    public async Task ImportRepo_ServiceNotAcceptingImports_400()
    {
        var client = factory.CreateClient();
        var account = await client.CreateAccountAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.importRepo") { Content = new ByteArrayContent([1, 2, 3]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.ipld.car");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", account.AccessJwt);
        var body = await XrpcPipelineTests.AssertXrpcErrorAsync(await client.SendAsync(request), HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Contains("not accepting", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>
/// A server whose storage fails an import after its first few records (a stand-in for a database
/// that fails mid-import, which a real one cannot be made to do on cue): everything else is the
/// real actor store.
/// </summary>
public sealed class StorageFailsMidImportFactory : PdsApiFactory
{
    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.AddScoped<Pds.Application.Common.Abstractions.IActorStore>(sp =>
            new StorageFailsMidImport(ActivatorUtilities.CreateInstance<Pds.Infrastructure.Persistence.ActorStore.EfActorStore>(sp)));

    private sealed class StorageFailsMidImport(Pds.Application.Common.Abstractions.IActorStore inner) : Pds.Application.Common.Abstractions.IActorStore
    {
        public Task<T> ReadAsync<T>(string did, Func<Pds.Application.Common.Abstractions.IActorStoreReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(did, read, cancellationToken);

        public Task<T> StreamAsync<T>(string did, Func<Pds.Application.Common.Abstractions.IActorStoreReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken = default) =>
            inner.StreamAsync(did, read, cancellationToken);

        public Task<T> TransactAsync<T>(string did, Func<Pds.Application.Common.Abstractions.IActorStoreTransaction, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default) =>
            inner.TransactAsync(did, (tx, ct) => write(FailingImport.Wrap(tx), ct), cancellationToken);

        public Task<T> TransactRepeatableAsync<T>(string did, Func<Pds.Application.Common.Abstractions.IActorStoreTransaction, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default) =>
            inner.TransactRepeatableAsync(did, (tx, ct) => write(FailingImport.Wrap(tx), ct), cancellationToken);
    }

    /// <summary>The real transaction, except that the records of a replaced repository fail after the second.</summary>
    public class FailingImport : System.Reflection.DispatchProxy
    {
        private Pds.Application.Common.Abstractions.IActorStoreTransaction _inner = null!;

        public static Pds.Application.Common.Abstractions.IActorStoreTransaction Wrap(Pds.Application.Common.Abstractions.IActorStoreTransaction inner)
        {
            var proxy = Create<Pds.Application.Common.Abstractions.IActorStoreTransaction, FailingImport>();
            ((FailingImport)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(Pds.Application.Common.Abstractions.IActorStoreTransaction.ReplaceRepositoryAsync))
            {
                var replacement = (Pds.Application.Common.Abstractions.RepoReplacement)args![0]!;
                args[0] = replacement with { Records = FailAfterTwo(replacement.Records) };
            }

            return targetMethod.Invoke(_inner, args);
        }

        private static async IAsyncEnumerable<Pds.Application.Common.Abstractions.ImportedRecord> FailAfterTwo(
            IAsyncEnumerable<Pds.Application.Common.Abstractions.ImportedRecord> records,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var read = 0;
            await foreach (var record in records.WithCancellation(cancellationToken))
            {
                if (++read == 3)
                {
                    throw new InvalidOperationException("The storage failed mid-import.");
                }

                yield return record;
            }
        }
    }
}

public sealed class ImportRepoStorageFailureTests(StorageFailsMidImportFactory factory) : IClassFixture<StorageFailsMidImportFactory>
{
    /// <summary>
    /// The walk of a large repository fills the hand-over to the inserts and waits for room; when
    /// storing fails first, the request must still end, with nothing of the import kept.
    /// </summary>
    [Fact]
    public async Task ImportRepo_StorageFailsBeforeReadingEveryRecord_RequestEndsAndRepositoryUnchanged()
    {
        var client = factory.CreateClient();
        using var oldKey = Secp256k1Keypair.Generate();
        var (did, access) = await ImportRepoTests.MigratingAccountAsync(client, oldKey);

        // A profile and one post: two records, which this storage stores.
        var (small, _, _) = await ImportRepoTests.RepositoryCarAsync(did, oldKey, 1);
        Assert.Equal(HttpStatusCode.OK, (await ImportRepoTests.ImportAsync(client, access, small)).StatusCode);

        // Well over what the hand-over to the inserts holds, so that the walk waits for room.
        var posts = ImportRepoHandler.RecordsPerChunk * (ImportRepoHandler.ChunksInFlight + 4);
        var (large, _, _) = await ImportRepoTests.RepositoryCarAsync(did, oldKey, posts);
        var response = await ImportRepoTests.ImportAsync(client, access, large).WaitAsync(TimeSpan.FromSeconds(60));
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.InternalServerError, "InternalServerError");

        var list = await (await client.GetAsync($"com.atproto.repo.listRecords?repo={did}&collection=app.bsky.feed.post&limit=100", null)).ReadOkJsonAsync();
        var kept = Assert.Single(list.GetProperty("records").EnumerateArray());
        Assert.Equal("old post 0", kept.GetProperty("value").GetProperty("text").GetString());
    }
}
