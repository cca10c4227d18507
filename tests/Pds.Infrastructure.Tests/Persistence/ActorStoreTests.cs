using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Infrastructure.Persistence;
using Pds.Infrastructure.Persistence.ActorStore;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Persistence;

public sealed class ActorStoreTests : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly TestDatabase _db;
    private ServiceProvider _services = null!;

    public ActorStoreTests(TestDatabase db)
    {
        _db = db;
    }

    public async Task InitializeAsync()
    {
        await _db.MigrateAsync();
        _services = _db.CreateServices();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task TransactAsync_Commit_RootBlockRecordAndEventStoredTogether()
    {
        var did = NewDid();
        var seq = await WithStoreAsync((store, sp) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.PutBlockAsync("bafyblock1", new byte[] { 1, 2, 3 }, "rev1", ct);
            await tx.PutRecordAsync("app.bsky.feed.post", "3k1", $"at://{did}/app.bsky.feed.post/3k1", "bafyrecord", "rev1", ct);
            await tx.SetRootAsync("bafycommit1", "rev1", ct);
            return await sp.GetRequiredService<ISequencer>().AppendAsync(did, "commit", new byte[] { 9 }, ct);
        }));

        await WithStoreAsync(async (store, sp) =>
        {
            await store.ReadAsync(did, async (reader, ct) =>
            {
                Assert.Equal(new byte[] { 1, 2, 3 }, await reader.GetBlockAsync("bafyblock1", ct));
                Assert.Equal("bafyrecord", (await reader.GetRecordAsync("app.bsky.feed.post", "3k1", ct))?.Cid);
                var root = await reader.GetRootAsync(ct);
                Assert.Equal(("bafycommit1", "rev1"), (root?.Cid, root?.Rev));
                Assert.Single(await reader.ListRecordsAsync("app.bsky.feed.post", 10, ct));
                return 0;
            });
            Assert.Contains(await sp.GetRequiredService<ISequencer>().ReadAfterAsync(seq - 1, 1), e => e.Seq == seq && e.Did == did);
            return 0;
        });
    }

    [Fact]
    public async Task TransactAsync_Throws_NothingStored()
    {
        var did = NewDid();
        await Assert.ThrowsAsync<InvalidOperationException>(() => WithStoreAsync((store, sp) => store.TransactAsync<int>(did, async (tx, ct) =>
        {
            await tx.PutBlockAsync("bafyblock1", new byte[] { 1 }, "rev1", ct);
            await tx.SetRootAsync("bafycommit1", "rev1", ct);
            await sp.GetRequiredService<ISequencer>().AppendAsync(did, "commit", new byte[] { 9 }, ct);
            throw new InvalidOperationException("signing failed");
        })));

        await WithStoreAsync(async (store, sp) =>
        {
            await store.ReadAsync(did, async (reader, ct) =>
            {
                Assert.Null(await reader.GetRootAsync(ct));
                Assert.Null(await reader.GetBlockAsync("bafyblock1", ct));
                return 0;
            });
            Assert.DoesNotContain(await sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000), e => e.Did == did);
            return 0;
        });
    }

    [Fact]
    public async Task TransactAsync_ParallelWritersOfOneAccount_NoLostUpdatesAndNoLockErrors()
    {
        var did = NewDid();
        const int writers = 50;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(() => WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            // Read-modify-write of the root: only correct if writers of one DID are serialized.
            var root = await tx.GetRootAsync(ct);
            var next = root is null ? 1 : int.Parse(root.Rev, System.Globalization.CultureInfo.InvariantCulture) + 1;
            await tx.PutRecordAsync("app.bsky.feed.like", "k" + i, $"at://{did}/app.bsky.feed.like/k{i}", "bafy" + i, next.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
            await tx.SetRootAsync("bafycommit" + next, next.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
            return next;
        })))));

        var (rev, count) = await WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) =>
            ((await reader.GetRootAsync(ct))?.Rev, (await reader.ListRecordsAsync("app.bsky.feed.like", 1000, ct)).Count)));
        Assert.Equal(writers.ToString(System.Globalization.CultureInfo.InvariantCulture), rev);
        Assert.Equal(writers, count);
    }

    [Fact]
    public async Task ReplaceRepositoryAsync_ManyRows_OldContentsGoneNewStoredBlobsKept()
    {
        var did = NewDid();
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.PutBlockAsync("bafyold", new byte[] { 7 }, "rev1", ct);
            await tx.PutRecordAsync("app.bsky.feed.post", "old", $"at://{did}/app.bsky.feed.post/old", "bafyold", "rev1", ct);
            await tx.AssociateBlobsAsync($"at://{did}/app.bsky.feed.post/old", ["bafyblobold"], ct);
            await tx.PutBlobAsync(new BlobInfo("bafyblobold", "image/png", 3, null, DateTime.UtcNow), ct);
            await tx.SetRootAsync("bafycommit1", "rev1", ct);
            return 0;
        }));

        // More rows than one statement or COPY buffer would hold, with bytes of every value.
        const int count = 3000;
        var recordBlocks = Enumerable.Range(0, count).Select(i => (ReadOnlyMemory<byte>)new byte[] { (byte)i, (byte)(i >> 8), 0, 255 }).ToList();
        var nodes = Enumerable.Range(0, count).Select(i => KeyValuePair.Create("bafynode" + i, (ReadOnlyMemory<byte>)new byte[] { 0xa2, (byte)i, (byte)(i >> 8) })).ToList();
        var records = Enumerable.Range(0, count).Select(i => new ImportedRecord(
            "app.bsky.feed.post", "r" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), $"at://{did}/app.bsky.feed.post/r{i:D5}", "bafyblock" + i, i % 1000 == 0 ? ["bafyblobnew", "bafyblobold"] : [], recordBlocks[i])).ToList();
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ReplaceRepositoryAsync(new RepoReplacement("bafycommit2", "rev2", nodes, records.ToAsyncEnumerable()), ct);
            return 0;
        }));

        // The records' blocks are on their rows; repo_block holds the others.
        Assert.Equal(nodes.Select(n => n.Key).Order(StringComparer.Ordinal), await BlockRowCidsAsync(did));

        await WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) =>
        {
            var root = await reader.GetRootAsync(ct);
            Assert.Equal(("bafycommit2", "rev2"), (root?.Cid, root?.Rev));
            Assert.Null(await reader.GetBlockAsync("bafyold", ct));
            Assert.Null(await reader.GetRecordAsync("app.bsky.feed.post", "old", ct));
            Assert.Equal(new byte[] { 0xB7, 0x0B, 0, 255 }, await reader.GetBlockAsync("bafyblock2999", ct));
            Assert.Equal(new byte[] { 0xa2, 0xB7, 0x0B }, await reader.GetBlockAsync("bafynode2999", ct));
            var (_, record) = await reader.GetRecordWithBlockAsync("app.bsky.feed.post", "r01234", false, ct);
            Assert.Equal("bafyblock1234", record?.Cid);
            Assert.Equal(new byte[] { 0xD2, 0x04, 0, 255 }, record?.Block);
            Assert.Equal("rev2", (await reader.GetRecordAsync("app.bsky.feed.post", "r01234", ct))?.Rev);
            var stats = await reader.GetStatsAsync(ct);
            Assert.Equal((2 * count, count), (stats.Blocks, stats.Records));

            // Three records reference each blob; the old blob row survives the replacement and counts as imported.
            Assert.Equal((2, 1), (stats.ExpectedBlobs, stats.ImportedBlobs));
            Assert.NotNull(await reader.GetBlobAsync("bafyblobold", ct));
            var missing = await reader.ListMissingBlobsAsync(null, 10, ct);
            Assert.Equal(3, missing.Count);
            Assert.All(missing, m => Assert.Equal("bafyblobnew", m.Cid));
            return 0;
        }));
    }

    [Fact]
    public async Task ReplaceRepositoryAsync_RecordsStillComing_StoredAsTheyCome_BlocksWaitForThem_AndTheirFailureRollsAllBack()
    {
        var did = NewDid();
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.PutBlockAsync("bafyold", new byte[] { 7 }, "rev1", ct);
            await tx.PutRecordAsync("app.bsky.feed.post", "old", $"at://{did}/app.bsky.feed.post/old", "bafyold", "rev1", ct);
            await tx.SetRootAsync("bafycommit1", "rev1", ct);
            return 0;
        }));

        // The records are stored as they come; the other blocks wait for the last of them: only
        // then can the caller tell which blocks are records' (ADR 0016).
        var blocks = Enumerable.Range(0, 500).Select(i => KeyValuePair.Create("bafyblock" + i, (ReadOnlyMemory<byte>)new byte[] { (byte)i }));
        var records = System.Threading.Channels.Channel.CreateUnbounded<ImportedRecord>();
        var enumerated = 0;
        var counted = blocks.Select(b =>
        {
            enumerated++;
            return b;
        });
        var taken = 0;
        async IAsyncEnumerable<ImportedRecord> Counted([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
        {
            await foreach (var record in records.Reader.ReadAllAsync(ct))
            {
                yield return record;
                Interlocked.Increment(ref taken);
            }
        }

        var failure = await Assert.ThrowsAsync<InvalidDataException>(() => WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            var replacing = tx.ReplaceRepositoryAsync(new RepoReplacement("bafycommit2", "rev2", counted, Counted()), ct);
            for (var i = 0; i < 3; i++)
            {
                var rkey = "r" + i;
                records.Writer.TryWrite(new ImportedRecord("app.bsky.feed.post", rkey, $"at://{did}/app.bsky.feed.post/{rkey}", "bafyrec" + i, [], new byte[] { (byte)i }));
            }

            // Each record is taken as it comes, while more may follow.
            var waited = 0;
            while (Volatile.Read(ref taken) < 3 && !replacing.IsCompleted && waited++ < 500)
            {
                await Task.Delay(10, ct);
            }

            Assert.Equal(3, Volatile.Read(ref taken));
            Assert.False(replacing.IsCompleted);
            Assert.Equal(0, enumerated);
            records.Writer.Complete(new InvalidDataException("a record is malformed"));
            await replacing;
            return 0;
        })));
        Assert.Equal("a record is malformed", failure.Message);
        Assert.Equal(0, enumerated);

        // Nothing of the replacement stayed.
        await WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) =>
        {
            Assert.Equal(("bafycommit1", "rev1"), ((await reader.GetRootAsync(ct))?.Cid, (await reader.GetRootAsync(ct))?.Rev));
            Assert.Equal(new byte[] { 7 }, await reader.GetBlockAsync("bafyold", ct));
            Assert.Null(await reader.GetBlockAsync("bafyblock1", ct));
            Assert.NotNull(await reader.GetRecordAsync("app.bsky.feed.post", "old", ct));
            return 0;
        }));
    }

    [Fact]
    public async Task Reads_OpenTheContextsConnectionOnlyWhenAStatementRunsOnIt()
    {
        // On SQLite getRecord and listRecords run on kept connections (ADR 0018): a read that only
        // makes them leaves the context's connection closed; the first statement on it opens it,
        // for the rest of the read. PostgreSQL opens it for the whole read.
        var did = NewDid();
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.SetRootAsync("bafycommit1", "rev1", ct);
            await tx.PutBlockAsync("bafy3ka", new byte[] { 0xa0 }, "rev1", ct);
            await tx.PutRecordAsync("app.bsky.feed.post", "3ka", $"at://{did}/app.bsky.feed.post/3ka", "bafy3ka", "rev1", ct);
            return 0;
        }));

        var sqlite = _db.Provider == DatabaseProvider.Sqlite;
        await WithStoreAsync(async (store, sp) =>
        {
            var connection = sp.GetRequiredService<PdsDbContext>().Database.GetDbConnection();
            var cids = await store.ReadAsync(did, async (reader, ct) =>
            {
                var (_, record) = await reader.GetRecordWithBlockAsync("app.bsky.feed.post", "3ka", false, ct);
                var (_, listed) = await reader.ListRecordsWithBlocksAsync("app.bsky.feed.post", 10, null, false, false, ct);
                Assert.Equal(sqlite ? System.Data.ConnectionState.Closed : System.Data.ConnectionState.Open, connection.State);
                var root = await reader.GetRootAsync(ct);
                Assert.Equal(System.Data.ConnectionState.Open, connection.State);
                var block = await reader.GetBlockAsync("bafy3ka", ct);
                Assert.Equal(System.Data.ConnectionState.Open, connection.State);
                return (record?.Cid, Assert.Single(listed).Cid, root?.Cid, block);
            });
            Assert.Equal(("bafy3ka", "bafy3ka", "bafycommit1"), (cids.Item1, cids.Item2, cids.Item3));
            Assert.Equal(new byte[] { 0xa0 }, cids.block);
            Assert.Equal(System.Data.ConnectionState.Closed, connection.State);
            return 0;
        });
    }

    [Fact]
    public async Task RecordReads_WithAccount_ReadTheAccountAsTheAccountStoreDoes()
    {
        var did = NewDid();
        var handle = $"h{Guid.NewGuid():N}"[..20] + ".test";
        await WithStoreAsync(async (_, sp) =>
        {
            var accounts = sp.GetRequiredService<IAccountStore>();
            await accounts.CreateAsync(new NewAccount(did, handle, handle + "@mail.test", null, DateTime.UtcNow, true));
            await accounts.SetTakedownAsync(did, "mod-7");
            return 0;
        });
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.SetRootAsync("bafycommit1", "rev1", ct);
            foreach (var rkey in new[] { "3ka", "3kb" })
            {
                await tx.PutBlockAsync("bafy" + rkey, new byte[] { 0xa0 }, "rev1", ct);
                await tx.PutRecordAsync("app.bsky.feed.post", rkey, $"at://{did}/app.bsky.feed.post/{rkey}", "bafy" + rkey, "rev1", ct);
            }

            return 0;
        }));

        var expected = await WithStoreAsync((_, sp) => sp.GetRequiredService<IAccountStore>().GetByDidAsync(did));
        Assert.NotNull(expected);
        Assert.True(expected.IsTakendown);
        await WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) =>
        {
            var (account, record) = await reader.GetRecordWithBlockAsync("app.bsky.feed.post", "3kb", true, ct);
            Assert.Equal(expected, account);
            Assert.Equal(DateTimeKind.Utc, account!.CreatedAt.Kind);
            Assert.Equal(new byte[] { 0xa0 }, record?.Block);

            var (listedAccount, listed) = await reader.ListRecordsWithBlocksAsync("app.bsky.feed.post", 10, null, false, true, ct);
            Assert.Equal(expected, listedAccount);
            Assert.Equal(["3kb", "3ka"], listed.Select(r => r.Rkey));

            // Without the account, or of a missing record, the rest is read as before.
            var (without, same) = await reader.GetRecordWithBlockAsync("app.bsky.feed.post", "3kb", false, ct);
            Assert.Null(without);
            Assert.Equal(record!.Rkey, same?.Rkey);
            Assert.Equal(record.Block, same!.Block);
            Assert.Equal((expected, null), await reader.GetRecordWithBlockAsync("app.bsky.feed.post", "3kz", true, ct));
            var (noAccount, page) = await reader.ListRecordsWithBlocksAsync("app.bsky.feed.post", 10, "3kb", false, false, ct);
            Assert.Null(noAccount);
            Assert.Equal(["3ka"], page.Select(r => r.Rkey));
            return 0;
        }));

        // A repository without an account row reads as no account.
        var orphan = NewDid();
        await CreateRepositoryAsync(orphan);
        Assert.Null(await WithStoreAsync((store, _) => store.ReadAsync(orphan, async (reader, ct) => (await reader.ListRecordsWithBlocksAsync("app.bsky.feed.post", 10, null, false, true, ct)).Account)));
    }

    [Fact]
    public async Task WriteBlocksAsync_CopiesEveryBlockButTheSkippedOneIntoTheCar()
    {
        var did = NewDid();
        // Small blocks that fill the CAR's buffer three times over (each fill is written out and
        // the row that did not fit is tried again), one larger than the buffer (it bypasses the
        // buffer), and the head to skip.
        var random = new Random(3);
        var small = Enumerable.Range(0, 300).Select(i =>
        {
            var bytes = new byte[600 + (i % 7)];
            random.NextBytes(bytes);
            return bytes;
        }).ToList();
        var big = new byte[CarWriter.DefaultBufferSize + 1000];
        random.NextBytes(big);
        var head = new byte[] { 0xa1, 0x61, 0x68, 0x01 };
        var all = small.Select(b => (Cid: Cid.ForRaw(b), Bytes: b)).Append((Cid: Cid.ForRaw(big), Bytes: big)).ToList();
        var headCid = Cid.ForDagCbor(head);
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            foreach (var (cid, bytes) in all.Take(200))
            {
                await tx.PutBlockAsync(cid.ToString(), bytes, "rev1", ct);
            }

            await tx.PutBlockAsync(headCid.ToString(), head, "rev1", ct);
            await tx.SetRootAsync(headCid.ToString(), "rev1", ct);
            return 0;
        }));
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            foreach (var (cid, bytes) in all.Skip(200))
            {
                await tx.PutBlockAsync(cid.ToString(), bytes, "rev2", ct);
            }

            await tx.SetRootAsync(headCid.ToString(), "rev2", ct);
            return 0;
        }));

        Task<BlockMap> ExportAsync(string? since) =>
            WithStoreAsync((store, _) => store.ReadAsync(did, (reader, ct) => ExportBlocksAsync(reader, since, ct, skip: headCid)));

        var full = await ExportAsync(null);
        Assert.Equal(all.Count, full.Count);
        Assert.False(full.TryGet(headCid, out _));
        Assert.All(all, b => Assert.True(full.TryGet(b.Cid, out var got) && got.Span.SequenceEqual(b.Bytes)));

        var since = await ExportAsync("rev1");
        Assert.Equal(all.Skip(200).Select(b => b.Cid).OrderBy(c => c), since.Cids.OrderBy(c => c));
    }

    [Fact]
    public async Task ReplaceRepositoryAsync_NoSuchRepository_ThrowsAndStoresNothing()
    {
        var did = NewDid();
        var blocks = new[] { KeyValuePair.Create("bafyblock", (ReadOnlyMemory<byte>)new byte[] { 1 }) };
        await Assert.ThrowsAsync<InvalidOperationException>(() => WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ReplaceRepositoryAsync(new RepoReplacement("bafycommit", "rev1", blocks, AsyncEnumerable.Empty<ImportedRecord>()), ct);
            return 0;
        })));
        Assert.Null(await WithStoreAsync((store, _) => store.ReadAsync(did, (reader, ct) => reader.GetBlockAsync("bafyblock", ct))));
    }

    [Fact]
    public async Task ApplyCommitAsync_WithEvent_ChangesAndEventStoredTogether()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);

        var changes = new RepoCommitChanges(
            "bafycommit2",
            "rev2",
            [KeyValuePair.Create("bafynode", (ReadOnlyMemory<byte>)new byte[] { 4, 5 })],
            [new RecordPut("app.bsky.feed.post", "k1", $"at://{did}/app.bsky.feed.post/k1", "bafyrec", new byte[] { 9 })],
            [],
            [],
            [],
            new PendingEvent("commit", new byte[] { 0xA0 }));
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            // The root read in the lock's round trip (PostgreSQL) is the committed one.
            Assert.Equal("bafycommit1", (await tx.GetRootAsync(ct))?.Cid);
            await tx.ApplyCommitAsync(changes, ct);
            Assert.Equal("bafycommit2", (await tx.GetRootAsync(ct))?.Cid);
            return 0;
        }));

        await WithStoreAsync(async (store, sp) =>
        {
            var events = (await sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000)).Where(e => e.Did == did).ToList();
            var only = Assert.Single(events);
            Assert.Equal("commit", only.EventType);
            Assert.Equal(new byte[] { 0xA0 }, only.Event);
            return await store.ReadAsync(did, async (reader, ct) =>
            {
                Assert.Equal(("bafycommit2", "rev2"), ((await reader.GetRootAsync(ct))?.Cid, (await reader.GetRootAsync(ct))?.Rev));
                Assert.Equal("bafyrec", (await reader.GetRecordAsync("app.bsky.feed.post", "k1", ct))?.Cid);
                Assert.Equal(new byte[] { 4, 5 }, await reader.GetBlockAsync("bafynode", ct));
                return 0;
            });
        });
    }

    [Fact]
    public async Task ApplyCommitAsync_RecordRowHoldsItsBlock_AnUpdateReplacesIt_ARowWithoutFallsBackToTheBlock()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);
        RepoCommitChanges Commit(string root, string rev, string cid, byte[] block) => new(
            root, rev, [KeyValuePair.Create(cid, (ReadOnlyMemory<byte>)block)],
            [new RecordPut("app.bsky.feed.post", "k1", $"at://{did}/app.bsky.feed.post/k1", cid, block)], [], [], [], null);
        // The block as getRecord and as listRecords read it (they must agree).
        async Task<byte[]?> ReadAsync() => await WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) =>
        {
            var (_, got) = await reader.GetRecordWithBlockAsync("app.bsky.feed.post", "k1", false, ct);
            var (_, listed) = await reader.ListRecordsWithBlocksAsync("app.bsky.feed.post", 10, null, false, false, ct);
            Assert.Equal(got?.Block, Assert.Single(listed).Block);
            return got?.Block;
        }));

        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(Commit("bafycommit2", "rev2", "bafyrec1", [1, 2]), ct);
            return 0;
        }));

        // Read from the record's row, the only place its block is stored.
        Assert.Empty(await BlockRowCidsAsync(did));
        Assert.Equal(new byte[] { 1, 2 }, await ReadAsync());

        // An update brings the new bytes to the row.
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(Commit("bafycommit3", "rev3", "bafyrec2", [3]), ct);
            return 0;
        }));
        Assert.Empty(await BlockRowCidsAsync(did));
        Assert.Equal(new byte[] { 3 }, await ReadAsync());

        // A row written without its block (as before the column existed) reads it from repo_block.
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.PutBlockAsync("bafyrec3", new byte[] { 4 }, "rev4", ct);
            await tx.PutRecordAsync("app.bsky.feed.post", "k1", $"at://{did}/app.bsky.feed.post/k1", "bafyrec3", "rev4", ct);
            return 0;
        }));
        await WithStoreAsync((_, sp) => sp.GetRequiredService<PdsDbContext>().Records.Where(r => r.Did == did).ExecuteUpdateAsync(u => u.SetProperty(r => r.Content, (byte[]?)null)));
        Assert.Equal(new byte[] { 4 }, await ReadAsync());
    }

    [Fact]
    public async Task ApplyCommitAsync_RecordBlocksStoredOnce_EveryBlockReaderFindsThem()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);
        byte[] shared = [0xa1, 0x61, 0x73, 0x01], own = [0xa1, 0x61, 0x6f, 0x02], node = [0xa2, 0x01];
        var sharedCid = Cid.ForDagCbor(shared).ToString();
        var ownCid = Cid.ForDagCbor(own).ToString();
        var nodeCid = Cid.ForDagCbor(node).ToString();
        RecordPut Put(string rkey, string cid, byte[] block) => new("app.bsky.feed.post", rkey, $"at://{did}/app.bsky.feed.post/{rkey}", cid, block);

        // Two records with the same content, one of its own, and a tree node, as a commit brings them.
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(
                new RepoCommitChanges(
                    "bafycommit2", "rev2",
                    [KeyValuePair.Create(sharedCid, (ReadOnlyMemory<byte>)shared), KeyValuePair.Create(ownCid, (ReadOnlyMemory<byte>)own), KeyValuePair.Create(nodeCid, (ReadOnlyMemory<byte>)node)],
                    [Put("a", sharedCid, shared), Put("b", sharedCid, shared), Put("c", ownCid, own)], [], [], [], null),
                ct);
            return 0;
        }));
        Assert.Equal([nodeCid], await BlockRowCidsAsync(did));

        await WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) =>
        {
            Assert.Equal(shared, await reader.GetBlockAsync(sharedCid, ct));
            Assert.Equal(node, await reader.GetBlockAsync(nodeCid, ct));
            var many = await reader.GetBlocksAsync([sharedCid, ownCid, nodeCid, "bafymissing"], ct);
            Assert.Equal(new[] { nodeCid, ownCid, sharedCid }.Order(StringComparer.Ordinal), many.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(own, many[ownCid]);
            Assert.Equal(3, (await reader.GetStatsAsync(ct)).Blocks);

            // The export holds every block, whole and since the revision before (a shared CID may come twice).
            foreach (var since in new[] { null, "rev1" })
            {
                var exported = await ExportBlocksAsync(reader, since, ct);
                Assert.Equal(new[] { nodeCid, ownCid, sharedCid }.Order(StringComparer.Ordinal), exported.Cids.Select(c => c.ToString()).Order(StringComparer.Ordinal));
            }

            Assert.Empty((await ExportBlocksAsync(reader, "rev2", ct)).Cids);
            return 0;
        }));

        // One of the two records with the shared content goes: the other still has the block.
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(new RepoCommitChanges("bafycommit3", "rev3", [], [], [("app.bsky.feed.post", "a")], [], [sharedCid], null), ct);
            return 0;
        }));
        Assert.Equal(shared, await WithStoreAsync((store, _) => store.ReadAsync(did, (reader, ct) => reader.GetBlockAsync(sharedCid, ct))));

        // Then the other: the block goes with it.
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(new RepoCommitChanges("bafycommit4", "rev4", [], [], [("app.bsky.feed.post", "b")], [], [sharedCid], null), ct);
            return 0;
        }));
        await WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) =>
        {
            Assert.Null(await reader.GetBlockAsync(sharedCid, ct));
            Assert.Equal([ownCid], (await reader.GetBlocksAsync([sharedCid, ownCid], ct)).Keys);
            Assert.Equal(2, (await reader.GetStatsAsync(ct)).Blocks);
            Assert.Equal(new[] { nodeCid, ownCid }.Order(StringComparer.Ordinal), (await ExportBlocksAsync(reader, null, ct)).Cids.Select(c => c.ToString()).Order(StringComparer.Ordinal));
            return 0;
        }));
    }

    [Fact]
    public async Task ApplyCommitAsync_ThenImmediateAppend_EventsNumberedInTheOrderAdded()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);

        var changes = new RepoCommitChanges("bafycommit2", "rev2", [], [], [], [], [], new PendingEvent("commit", new byte[] { 0xA1 }));
        var accountSeq = await WithStoreAsync((store, sp) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(changes, ct);
            return await sp.GetRequiredService<ISequencer>().AppendAsync(did, "account", new byte[] { 0xA2 }, ct);
        }));

        var events = await WithStoreAsync((_, sp) => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000));
        var mine = events.Where(e => e.Did == did).ToList();
        Assert.Equal(["commit", "account"], mine.Select(e => e.EventType));
        Assert.Equal(accountSeq, mine[1].Seq);
        Assert.True(mine[0].Seq < mine[1].Seq);
    }

    [Fact]
    public async Task ApplyCommitAsync_WorkFailsAfterIt_NothingStoredAndNoEvent()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);

        var changes = new RepoCommitChanges("bafycommit2", "rev2", [KeyValuePair.Create("bafynode2", (ReadOnlyMemory<byte>)new byte[] { 2 })], [], [], [], [], new PendingEvent("commit", new byte[] { 0xA0 }));
        await Assert.ThrowsAsync<InvalidOperationException>(() => WithStoreAsync((store, _) => store.TransactAsync<int>(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(changes, ct);
            throw new InvalidOperationException("fails after the commit's statements");
        })));

        await WithStoreAsync(async (store, sp) =>
        {
            Assert.DoesNotContain(await sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000), e => e.Did == did);
            return await store.ReadAsync(did, async (reader, ct) =>
            {
                Assert.Equal("bafycommit1", (await reader.GetRootAsync(ct))?.Cid);
                Assert.Null(await reader.GetBlockAsync("bafynode2", ct));
                return 0;
            });
        });

        // The connection went back to the pool in a usable state: the next write commits.
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(changes, ct);
            return 0;
        }));
        Assert.Equal("bafycommit2", await WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) => (await reader.GetRootAsync(ct))?.Cid)));
    }

    [Fact]
    public async Task ApplyCommitAsync_Postgres_SequencerFreeUntilTheCommit()
    {
        if (_db.Provider != DatabaseProvider.Postgres)
        {
            // SQLite's writers take turns in the write gate: there is no second writer to let through.
            return;
        }

        var did = NewDid();
        var other = NewDid();
        await CreateRepositoryAsync(did);

        var changes = new RepoCommitChanges("bafycommit2", "rev2", [], [], [], [], [], new PendingEvent("commit", new byte[] { 0xA0 }));
        long otherSeq = 0;
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(changes, ct);

            // While this transaction is still open, another writer sequences an event: the counter
            // row is not yet locked by this one, so it does not wait for this commit.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            otherSeq = await WithStoreAsync((otherStore, sp) => otherStore.TransactAsync(other, (_, innerCt) =>
                sp.GetRequiredService<ISequencer>().AppendAsync(other, "account", new byte[] { 1 }, innerCt), timeout.Token));
            return 0;
        }));

        var events = await WithStoreAsync((_, sp) => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000));
        var commit = Assert.Single(events, e => e.Did == did);

        // Numbers follow commit order: the other writer committed first.
        Assert.True(otherSeq < commit.Seq);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task ListRecordsWithBlocksSql_PostgresGenericPlan_ReadsOneBlockPerListedRecord(bool cursor, bool reverse)
    {
        if (_db.Provider != DatabaseProvider.Postgres)
        {
            // SQLite keeps no plan across parameter values: there is no generic plan to go wrong.
            return;
        }

        // Many small repositories and one of 300 records and as many other blocks, with fresh
        // statistics: the state in which PostgreSQL's generic plan for a join read all of the large
        // repository's blocks for every page (it expects a repository to hold a few blocks).
        for (var n = 0; n < 60; n++)
        {
            var small = NewDid();
            await WithStoreAsync((store, _) => store.TransactAsync(small, async (tx, ct) =>
            {
                await tx.SetRootAsync("bafycommit1", "rev1", ct);
                await tx.PutBlockAsync("bafyrecord", new byte[] { 1 }, "rev1", ct);
                await tx.PutRecordAsync("app.bsky.feed.post", "3k0000", $"at://{small}/app.bsky.feed.post/3k0000", "bafyrecord", "rev1", ct);
                return 0;
            }));
        }

        var did = NewDid();
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.SetRootAsync("bafycommit1", "rev1", ct);
            for (var i = 0; i < 300; i++)
            {
                var rkey = $"3k{i:D4}";
                await tx.PutBlockAsync($"bafyrecord{i:D4}", new byte[] { 1, (byte)i }, "rev1", ct);
                await tx.PutBlockAsync($"bafynode{i:D4}", new byte[] { 2, (byte)i }, "rev1", ct);
                await tx.PutRecordAsync("app.bsky.feed.post", rkey, $"at://{did}/app.bsky.feed.post/{rkey}", $"bafyrecord{i:D4}", "rev1", ct);
            }

            return 0;
        }));

        await using var connection = await OpenUnpooledPostgresAsync();
        var sql = EfActorStore.ListRecordsWithBlocksSql(cursor, reverse)
            .Replace("@did", "$1", StringComparison.Ordinal)
            .Replace("@collection", "$2", StringComparison.Ordinal)
            .Replace("@limit", "$3", StringComparison.Ordinal)
            .Replace("@cursor", "$4", StringComparison.Ordinal);
        await ExecuteAsync(connection, "ANALYZE record; ANALYZE repo_block; SET plan_cache_mode = force_generic_plan");
        await ExecuteAsync(connection, $"PREPARE listing(text, text, int, text) AS {sql}");
        var plan = await ExplainAsync(connection, $"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE listing('{did}', 'app.bsky.feed.post', 10, '{(reverse ? "3k0100" : "3k0200")}')");

        Assert.Equal(10, plan.GetProperty("Actual Rows").GetInt32());
        var blockRowsRead = PlanNodes(plan, "repo_block").Sum(n => (long)n.GetProperty("Actual Rows").GetDouble() * n.GetProperty("Actual Loops").GetInt64());
        Assert.Equal(10, blockRowsRead);
    }

    [Fact]
    public async Task ReleaseRecordBlockSql_OtherRecordsCheck_LooksUpTheCidInAnIndex()
    {
        // The check runs for every record a commit updates or deletes; reading the repository's
        // (or the table's) records one by one instead would cost in proportion to their number.
        var sql = EfActorStore.ReleaseRecordBlockSql("'did:plc:abc'", "'bafyrecord'");
        if (_db.Provider == DatabaseProvider.Postgres)
        {
            await using var connection = await OpenUnpooledPostgresAsync();

            // The plan is asked for a repository of 2,000 records, with statistics that say so,
            // inside a transaction rolled back afterwards. Whatever the shared database's
            // statistics say about a DID without records (none, say, so any index would do),
            // a repository's many records must not be read one by one.
            await using var transaction = await connection.BeginTransactionAsync();
            await ExecuteAsync(connection,
                "INSERT INTO record (did, collection, rkey, uri, cid, repo_rev, indexed_at, content) " +
                "SELECT 'did:plc:abc', 'app.bsky.feed.post', 'k' || g, 'at://did:plc:abc/app.bsky.feed.post/k' || g, " +
                "'bafy' || g, 'rev' || (g / 10), now(), '\\x01' FROM generate_series(1, 2000) g");
            await ExecuteAsync(connection, "ANALYZE record");

            // The tables are small here: without this the planner would rightly scan them whole.
            await ExecuteAsync(connection, "SET LOCAL enable_seqscan = off");
            var plan = await ExplainAsync(connection, $"EXPLAIN (FORMAT JSON) {sql}");
            await transaction.RollbackAsync();
            var recordScans = PlanNodes(plan, "record").ToList();
            Assert.NotEmpty(recordScans);
            Assert.All(recordScans, n => Assert.Contains("cid", IndexCondition(n), StringComparison.Ordinal));
        }
        else
        {
            await using var context = _db.CreateContext();
            var connection = context.Database.GetDbConnection();
            await connection.OpenAsync();
            using var explain = connection.CreateCommand();
            explain.CommandText = $"EXPLAIN QUERY PLAN {sql}";
            var details = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    details.Add(reader.GetString(3));
                }
            }

            var recordSteps = details.Where(d => d.Contains(" record ", StringComparison.Ordinal) || d.EndsWith(" record", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(recordSteps);
            Assert.All(recordSteps, d => Assert.Contains("cid=?", d, StringComparison.Ordinal));
        }

        // An index scan's condition, or a bitmap heap scan's (its bitmap index scan beneath).
        static string IndexCondition(System.Text.Json.JsonElement node) =>
            node.TryGetProperty("Index Cond", out var cond) || node.TryGetProperty("Recheck Cond", out cond) ? cond.GetString() ?? "" : "";
    }

    /// <summary>A PostgreSQL connection of its own, not from the pool: session settings made on it end with the test.</summary>
    private async Task<Npgsql.NpgsqlConnection> OpenUnpooledPostgresAsync()
    {
        var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(_db.Options.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(Npgsql.NpgsqlConnection connection, string sql)
    {
        using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The root node of an <c>EXPLAIN (FORMAT JSON)</c> statement's plan.</summary>
    private static async Task<System.Text.Json.JsonElement> ExplainAsync(Npgsql.NpgsqlConnection connection, string explain)
    {
        using var command = new Npgsql.NpgsqlCommand(explain, connection);
        return System.Text.Json.JsonDocument.Parse((string)(await command.ExecuteScalarAsync())!).RootElement[0].GetProperty("Plan");
    }

    /// <summary>The nodes of a plan, subplans included, that read <paramref name="relation"/>.</summary>
    private static IEnumerable<System.Text.Json.JsonElement> PlanNodes(System.Text.Json.JsonElement node, string relation)
    {
        if (node.TryGetProperty("Relation Name", out var name) && name.GetString() == relation)
        {
            yield return node;
        }

        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray().SelectMany(c => PlanNodes(c, relation)))
            {
                yield return child;
            }
        }
    }

    [Fact]
    public async Task ApplyCommitAsync_Postgres_CommitIsTwoRoundTrips()
    {
        if (_db.Provider != DatabaseProvider.Postgres)
        {
            // SQLite runs in the process: there are no round trips to save.
            return;
        }

        var did = NewDid();
        await CreateRepositoryAsync(did);
        var changes = new RepoCommitChanges(
            "bafycommit2", "rev2", [KeyValuePair.Create("bafynode2", (ReadOnlyMemory<byte>)new byte[] { 2 })],
            [new RecordPut("app.bsky.feed.post", "3k1", $"at://{did}/app.bsky.feed.post/3k1", "bafynode2", new byte[] { 2 })], [], [], [], new PendingEvent("commit", new byte[] { 0xA0 }));

        var commands = await NpgsqlCommands.SentAsync(() => WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            var root = await tx.GetRootAsync(ct);
            Assert.Equal("bafycommit1", root?.Cid);
            await tx.ApplyCommitAsync(changes, ct);
            return 0;
        })));

        // The lock with the root, then the commit's statements with its event and COMMIT.
        Assert.True(commands.Count == 2, "commands sent: " + string.Join(" | ", commands));
        Assert.Equal("bafycommit2", await WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) => (await reader.GetRootAsync(ct))?.Cid)));
        Assert.Equal(new byte[] { 2 }, await WithStoreAsync((store, _) => store.ReadAsync(did, (reader, ct) => reader.GetBlockAsync("bafynode2", ct))));
        Assert.Contains(await WithStoreAsync((_, sp) => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000)), e => e.Did == did);
    }

    [Fact]
    public async Task ApplyCommitAsync_ManyTreeNodesReplaced_RemovesAndStoresEach_NewOnesInOneStatementOnPostgres()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);
        byte[][] old = [[0xa1, 0x01], [0xa1, 0x02], [0xa1, 0x03], [0xa1, 0x04]];
        byte[][] fresh = [[0xa2, 0x05], [0xa2, 0x06], [0xa2, 0x07]];
        byte[] record = [0xa1, 0x61, 0x72, 0x08];
        var oldCids = old.Select(b => Cid.ForDagCbor(b).ToString()).ToArray();
        var freshCids = fresh.Select(b => Cid.ForDagCbor(b).ToString()).ToArray();
        var recordCid = Cid.ForDagCbor(record).ToString();
        static List<KeyValuePair<string, ReadOnlyMemory<byte>>> Blocks(string[] cids, byte[][] blocks) =>
            cids.Zip(blocks, (c, b) => KeyValuePair.Create(c, (ReadOnlyMemory<byte>)b)).ToList();

        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(new RepoCommitChanges("bafycommit2", "rev2", Blocks(oldCids, old), [], [], [], [], null), ct);
            return 0;
        }));

        // A commit as a write deep in a tree brings it: a node replaced on every level, one node
        // of the old tree kept, the new record's block with them.
        var blocks = Blocks(freshCids, fresh);
        blocks.Insert(1, KeyValuePair.Create(recordCid, (ReadOnlyMemory<byte>)record));
        var changes = new RepoCommitChanges(
            "bafycommit3", "rev3", blocks,
            [new RecordPut("app.bsky.feed.post", "3k1", $"at://{did}/app.bsky.feed.post/3k1", recordCid, record)],
            [], oldCids[..3], [], new PendingEvent("commit", new byte[] { 0xA0 }));
        var commands = await NpgsqlCommands.SentAsync(() => WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(changes, ct);
            return 0;
        })));

        Assert.Equal(new[] { oldCids[3] }.Concat(freshCids).Order(StringComparer.Ordinal), await BlockRowCidsAsync(did));
        await WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) =>
        {
            var stored = await reader.GetBlocksAsync([.. oldCids, .. freshCids, recordCid], ct);
            Assert.Equal(5, stored.Count);
            for (var i = 0; i < fresh.Length; i++)
            {
                Assert.Equal(fresh[i], stored[freshCids[i]]);
            }

            Assert.Equal(old[3], stored[oldCids[3]]);
            Assert.Equal(record, stored[recordCid]);
            Assert.Equal(5, (await reader.GetStatsAsync(ct)).Blocks);
            return 0;
        }));

        if (_db.Provider == DatabaseProvider.Postgres)
        {
            var sql = string.Join("\n", commands);
            int Count(string statement) => sql.Split(statement).Length - 1;
            Assert.True(Count("INSERT INTO \"repo_block\"") == 1, "commands sent: " + sql);
            Assert.True(Count("DELETE FROM \"repo_block\"") == 3, "commands sent: " + sql);
        }
    }

    [Fact]
    public async Task TransactRepeatableAsync_AfterAWriteOfThisProcess_IsOneRoundTrip()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);
        var seen = new List<string?>();
        var first = await NpgsqlCommands.SentAsync(() => WithStoreAsync((store, _) => store.TransactRepeatableAsync(did, CommitRun(CommitTo(did, "bafycommit2", "rev2", "3k2"), seen))));
        var second = await NpgsqlCommands.SentAsync(() => WithStoreAsync((store, _) => store.TransactRepeatableAsync(did, CommitRun(CommitTo(did, "bafycommit3", "rev3", "3k3"), seen))));

        Assert.Equal(["bafycommit1", "bafycommit2"], seen);
        Assert.Equal("bafycommit3", await RootOfAsync(did));
        Assert.Equal(2, await EventCountAsync(did));
        if (_db.Provider == DatabaseProvider.Postgres)
        {
            // The first write of the repository in this process reads the root with the lock; the
            // second starts from the root the first committed and sends lock, check, commit and
            // COMMIT at once.
            Assert.True(first.Count == 2, "first write: " + string.Join(" | ", first));
            Assert.True(second.Count == 1, "second write: " + string.Join(" | ", second));
            Assert.Contains("pds_lock_repo_at", second[0]);
            Assert.Contains("COMMIT", second[0]);

            // BEGIN inside that command, not ahead of it as a query PostgreSQL answers apart
            // (ADR 0023); the first write's BEGIN went ahead of its first command.
            Assert.StartsWith("BEGIN ISOLATION LEVEL READ COMMITTED;", second[0], StringComparison.Ordinal);
            Assert.DoesNotContain("BEGIN", first[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TransactRepeatableAsync_RepositoryMovedOnElsewhere_RunsAgainFromTheRealRoot()
    {
        var did = NewDid();
        await MoveOnElsewhereAsync(did);
        var seen = new List<string?>();

        await WithStoreAsync((store, _) => store.TransactRepeatableAsync(did, CommitRun(CommitTo(did, "bafycommit4", "rev4", "3k4"), seen)));

        // On PostgreSQL the first run started from the root this process had committed, and the
        // check under the lock sent it round again; SQLite reads the root under its lock at once.
        Assert.Equal(_db.Provider == DatabaseProvider.Postgres ? ["bafycommit2", "bafycommit3"] : ["bafycommit3"], seen);
        Assert.Equal("bafycommit4", await RootOfAsync(did));
        Assert.Equal(3, await EventCountAsync(did)); // commits 2, 3 and 4: nothing of the first run
        foreach (var rkey in new[] { "3k2", "3k3", "3k4" })
        {
            Assert.NotNull(await WithStoreAsync((store, _) => store.ReadAsync(did, (reader, ct) => reader.GetRecordAsync("app.bsky.feed.post", rkey, ct))));
        }
    }

    [Fact]
    public async Task TransactRepeatableAsync_ErrorFoundAgainstAMovedOnRoot_RunsAgain()
    {
        var did = NewDid();
        await MoveOnElsewhereAsync(did);
        var seen = new List<string?>();

        // Like a swapCommit that names the real head: against the root this process remembers it
        // fails, and that failure must not reach the caller.
        await WithStoreAsync((store, _) => store.TransactRepeatableAsync(did, async (tx, ct) =>
        {
            var root = (await tx.GetRootAsync(ct))?.Cid;
            seen.Add(root);
            if (root != "bafycommit3")
            {
                throw new InvalidOperationException($"Commit was at {root}");
            }

            await tx.ApplyCommitAsync(CommitTo(did, "bafycommit4", "rev4", "3k4"), ct);
            return 0;
        }));

        Assert.Equal(_db.Provider == DatabaseProvider.Postgres ? ["bafycommit2", "bafycommit3"] : ["bafycommit3"], seen);
        Assert.Equal("bafycommit4", await RootOfAsync(did));
    }

    [Fact]
    public async Task TransactRepeatableAsync_ErrorFoundAgainstTheRealRoot_ReachesTheCaller()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);
        await WithStoreAsync((store, _) => store.TransactRepeatableAsync(did, CommitRun(CommitTo(did, "bafycommit2", "rev2", "3k2"), [])));
        var runs = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => WithStoreAsync((store, _) => store.TransactRepeatableAsync<int>(did, async (tx, ct) =>
        {
            runs++;
            Assert.Equal("bafycommit2", (await tx.GetRootAsync(ct))?.Cid);
            throw new InvalidOperationException("refused");
        })));

        Assert.Equal("refused", error.Message);
        Assert.Equal(1, runs);
        Assert.Equal("bafycommit2", await RootOfAsync(did));
    }

    [Fact]
    public async Task TransactRepeatableAsync_InsideAnOpenTransaction_RunsOnceUnderTheLock()
    {
        var did = NewDid();
        await MoveOnElsewhereAsync(did);
        var seen = new List<string?>();

        await WithStoreAsync((store, sp) => sp.GetRequiredService<PdsDatabase>().WriteAsync(
            ct => store.TransactRepeatableAsync(did, CommitRun(CommitTo(did, "bafycommit4", "rev4", "3k4"), seen), ct)));

        // A repeat would have to repeat the outer transaction's work too: it runs once.
        Assert.Equal(["bafycommit3"], seen);
        Assert.Equal("bafycommit4", await RootOfAsync(did));
    }

    [Fact]
    public async Task TransactAsync_ChangingTheRoot_LeavesNoRememberedRootBehind()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);
        await WithStoreAsync((store, _) => store.TransactRepeatableAsync(did, CommitRun(CommitTo(did, "bafycommit2", "rev2", "3k2"), [])));
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.SetRootAsync("bafycommit3", "rev3", ct);
            return 0;
        }));
        var seen = new List<string?>();

        await WithStoreAsync((store, _) => store.TransactRepeatableAsync(did, CommitRun(CommitTo(did, "bafycommit4", "rev4", "3k4"), seen)));

        // Without forgetting, PostgreSQL would start from bafycommit2 and need a second run.
        Assert.Equal(["bafycommit3"], seen);
        Assert.Equal("bafycommit4", await RootOfAsync(did));
    }

    [Fact]
    public async Task TransactRepeatableAsync_TrackedChanges_AreSavedAfterTheLock()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);
        await WithStoreAsync((store, _) => store.TransactRepeatableAsync(did, CommitRun(CommitTo(did, "bafycommit2", "rev2", "3k2"), [])));

        var commands = await NpgsqlCommands.SentAsync(() => WithStoreAsync((store, sp) => store.TransactRepeatableAsync(did, async (tx, ct) =>
        {
            await tx.GetRootAsync(ct);
            await tx.ApplyCommitAsync(CommitTo(did, "bafycommit3", "rev3", "3k3"), ct);
            sp.GetRequiredService<PdsDbContext>().Add(new Pds.Infrastructure.Persistence.Rows.RepoBlockRow { Did = did, Cid = "bafytracked", RepoRev = "rev3", Size = 1, Content = [7] });
            return 0;
        })));

        Assert.Equal(new byte[] { 7 }, await WithStoreAsync((store, _) => store.ReadAsync(did, (reader, ct) => reader.GetBlockAsync("bafytracked", ct))));
        if (_db.Provider == DatabaseProvider.Postgres)
        {
            Assert.True(commands.Count > 0 && commands[0].Contains("pds_lock_repo_at", StringComparison.Ordinal), "commands sent: " + string.Join(" | ", commands));
        }
    }

    [Fact]
    public async Task StreamAsync_Postgres_LeavesTheRequestPoolFree()
    {
        if (_db.Provider != DatabaseProvider.Postgres)
        {
            // SQLite has no connection pool to exhaust.
            return;
        }

        var did = NewDid();
        await CreateRepositoryAsync(did);

        // A pool of one connection, and a short wait for it.
        var url = new Npgsql.NpgsqlConnectionStringBuilder(_db.Settings[Pds.Infrastructure.Configuration.PdsConfigurationKeys.DatabaseUrl]) { MaxPoolSize = 1, Timeout = 3 }.ConnectionString;
        var collection = new ServiceCollection();
        collection.AddSingleton(_db.LoadOptions(new Dictionary<string, string> { [Pds.Infrastructure.Configuration.PdsConfigurationKeys.DatabaseUrl] = url }));
        collection.AddInfrastructure();
        await using var services = collection.BuildServiceProvider();

        var streaming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var downloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var download = services.CreateAsyncScope();
        var stream = download.ServiceProvider.GetRequiredService<IActorStore>().StreamAsync(did, async (reader, ct) =>
        {
            var root = (await reader.GetRootAsync(ct))?.Cid;
            streaming.SetResult();
            await downloaded.Task; // a client still downloading
            return root;
        });
        await Task.WhenAny(streaming.Task, stream);
        Assert.True(streaming.Task.IsCompleted, "the download did not start: " + stream.Exception);

        // While the download holds its connection, a request still gets the pool's only one.
        await using (var request = services.CreateAsyncScope())
        {
            Assert.Equal("bafycommit1", await request.ServiceProvider.GetRequiredService<IActorStore>().ReadAsync(did, async (reader, ct) => (await reader.GetRootAsync(ct))?.Cid));
        }

        downloaded.SetResult();
        Assert.Equal("bafycommit1", await stream);
    }

    [Fact]
    public async Task ApplyCommitAsync_ThenReadInTheSameTransaction_SeesTheCommit()
    {
        var did = NewDid();
        await CreateRepositoryAsync(did);
        var changes = new RepoCommitChanges(
            "bafycommit2", "rev2", [KeyValuePair.Create("bafynode2", (ReadOnlyMemory<byte>)new byte[] { 2 })],
            [new RecordPut("app.bsky.feed.post", "3k1", $"at://{did}/app.bsky.feed.post/3k1", "bafynode2", new byte[] { 2 })], [], [], [], null);
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            Assert.Equal("bafycommit1", (await tx.GetRootAsync(ct))?.Cid);
            await tx.ApplyCommitAsync(changes, ct);
            Assert.Equal(("bafycommit2", "rev2"), ((await tx.GetRootAsync(ct))?.Cid, (await tx.GetRootAsync(ct))?.Rev));
            Assert.Equal("bafynode2", (await tx.GetRecordAsync("app.bsky.feed.post", "3k1", ct))?.Cid);
            Assert.Equal(new byte[] { 2 }, await tx.GetBlockAsync("bafynode2", ct));
            return 0;
        }));

        // Each read of the repository sends the waiting statements first, whichever comes first.
        var changes3 = new RepoCommitChanges(
            "bafycommit3", "rev3", [KeyValuePair.Create("bafynode3", (ReadOnlyMemory<byte>)new byte[] { 3 })],
            [new RecordPut("app.bsky.feed.post", "3k2", $"at://{did}/app.bsky.feed.post/3k2", "bafynode3", new byte[] { 3 })], [], [], [], null);
        await WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.GetRootAsync(ct);
            await tx.ApplyCommitAsync(changes3, ct);
            var (_, listed) = await tx.ListRecordsWithBlocksAsync("app.bsky.feed.post", 10, null, false, false, ct);
            Assert.Equal([("3k2", (byte)3), ("3k1", (byte)2)], listed.Select(r => (r.Rkey, r.Block![0])));
            return 0;
        }));
    }

    [Fact]
    public async Task ApplyCommitAsync_NoSuchRepository_ThrowsAndSequencesNothing()
    {
        var did = NewDid();
        var changes = new RepoCommitChanges("bafycommit", "rev1", [KeyValuePair.Create("bafynode", (ReadOnlyMemory<byte>)new byte[] { 1 })], [], [], [], [], new PendingEvent("commit", new byte[] { 0xA0 }));
        await Assert.ThrowsAsync<InvalidOperationException>(() => WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
        {
            await tx.ApplyCommitAsync(changes, ct);
            return 0;
        })));

        await WithStoreAsync(async (store, sp) =>
        {
            Assert.DoesNotContain(await sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000), e => e.Did == did);
            Assert.Null(await store.ReadAsync(did, (reader, ct) => reader.GetBlockAsync("bafynode", ct)));
            return 0;
        });
    }

    [Fact]
    public void ActorLockKey_SameDid_IsStableAndDistinguishesDids()
    {
        Assert.Equal(PdsDatabase.ActorLockKey("did:plc:abc"), PdsDatabase.ActorLockKey("did:plc:abc"));
        Assert.NotEqual(PdsDatabase.ActorLockKey("did:plc:abc"), PdsDatabase.ActorLockKey("did:plc:abd"));
    }

    /// <summary>A commit to <paramref name="root"/> adding the record <paramref name="rkey"/> with a block of its own, and its event.</summary>
    private static RepoCommitChanges CommitTo(string did, string root, string rev, string rkey) => new(
        root, rev, [KeyValuePair.Create("bafynode" + rkey, (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(rkey))],
        [new RecordPut("app.bsky.feed.post", rkey, $"at://{did}/app.bsky.feed.post/{rkey}", "bafynode" + rkey, System.Text.Encoding.UTF8.GetBytes(rkey))], [], [], [], new PendingEvent("commit", new byte[] { 0xA0 }));

    /// <summary>A write that notes the root each run starts from, then commits <paramref name="changes"/>.</summary>
    private static Func<IActorStoreTransaction, CancellationToken, Task<int>> CommitRun(RepoCommitChanges changes, List<string?> seen) => async (tx, ct) =>
    {
        seen.Add((await tx.GetRootAsync(ct))?.Cid);
        await tx.ApplyCommitAsync(changes, ct);
        return seen.Count;
    };

    /// <summary>
    /// A repository this process committed <c>bafycommit2</c> to, then another process (services
    /// of their own, so a memory of roots of their own) <c>bafycommit3</c>.
    /// </summary>
    private async Task MoveOnElsewhereAsync(string did)
    {
        await CreateRepositoryAsync(did);
        await WithStoreAsync((store, _) => store.TransactRepeatableAsync(did, CommitRun(CommitTo(did, "bafycommit2", "rev2", "3k2"), [])));
        await using var other = _db.CreateServices();
        await using var scope = other.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IActorStore>().TransactRepeatableAsync(did, CommitRun(CommitTo(did, "bafycommit3", "rev3", "3k3"), []));
    }

    /// <summary>The CIDs <c>repo_block</c> holds for <paramref name="did"/>, in order.</summary>
    private Task<List<string>> BlockRowCidsAsync(string did) => WithStoreAsync((_, sp) =>
        sp.GetRequiredService<PdsDbContext>().Set<Pds.Infrastructure.Persistence.Rows.RepoBlockRow>().Where(b => b.Did == did).Select(b => b.Cid).OrderBy(c => c).ToListAsync());

    /// <summary>
    /// The blocks <see cref="IActorStoreReader.WriteBlocksAsync"/> writes (but <paramref name="skip"/>,
    /// which is then the CAR's root), read back from the CAR (which checks each block against its CID).
    /// </summary>
    private static async Task<BlockMap> ExportBlocksAsync(IActorStoreReader reader, string? since, CancellationToken ct, Cid? skip = null)
    {
        using var stream = new MemoryStream();
        var car = new CarWriter(stream);
        await using (car)
        {
            await car.WriteHeaderAsync([skip ?? Cid.ForDagCbor([0xa0])], ct);
            await reader.WriteBlocksAsync(car, since, skip?.ToString(), ct);
        }

        return (await CarReader.ReadAllAsync(new MemoryStream(stream.ToArray()), cancellationToken: ct)).Blocks;
    }

    private Task<string?> RootOfAsync(string did) =>
        WithStoreAsync((store, _) => store.ReadAsync(did, async (reader, ct) => (await reader.GetRootAsync(ct))?.Cid));

    private Task<int> EventCountAsync(string did) =>
        WithStoreAsync(async (_, sp) => (await sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000)).Count(e => e.Did == did));

    private static string NewDid() => "did:plc:" + Guid.NewGuid().ToString("N")[..24];

    /// <summary>A repository whose root is <c>bafycommit1</c> at <c>rev1</c>, and nothing else.</summary>
    private Task<int> CreateRepositoryAsync(string did) => WithStoreAsync((store, _) => store.TransactAsync(did, async (tx, ct) =>
    {
        await tx.SetRootAsync("bafycommit1", "rev1", ct);
        return 0;
    }));

    private async Task<T> WithStoreAsync<T>(Func<IActorStore, IServiceProvider, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<IActorStore>(), scope.ServiceProvider);
    }
}
