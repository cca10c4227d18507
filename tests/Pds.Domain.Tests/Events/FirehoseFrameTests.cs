using Pds.Domain.Crypto;
using Pds.Domain.Data;
using Pds.Domain.Events;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Repo.Mst;
using Pds.Domain.Syntax;

namespace Pds.Domain.Tests.Events;

public sealed class FirehoseFrameTests
{
    private static readonly Did Alice = Did.Parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public async Task CommitEvent_FromWrite_FrameCarriesSeqOpsAndInvertibleCarSlice()
    {
        var key = Secp256k1Keypair.Generate();
        var clock = new TidClock();
        var store = new BlockMap();
        var genesis = await RepoWriter.CreateAsync(Alice, key, [], clock.Next());
        store.AddAll(genesis.NewBlocks);
        var post = RepoCreate.FromRecord(Nsid.Parse("app.bsky.feed.post"), RecordKey.FromTid(clock.Next()), LexValue.Map(("$type", "app.bsky.feed.post"), ("text", "hi")));
        var write = await RepoWriter.ApplyAsync(store, genesis.Commit, key, [post], clock.Next());
        var blob = Cid.ForRaw([1, 2, 3]);

        var frame = FirehoseFrame.Message(CommitEvent.FromCommitData(write, [blob], Now), seq: 42);
        var (op, type, payload) = FirehoseFrame.Decode(frame);

        Assert.Equal(1, op);
        Assert.Equal("#commit", type);
        Assert.Equal(42, payload.GetInteger("seq"));
        Assert.Equal(genesis.Commit.Rev.ToString(), payload.GetString("since"));
        Assert.Equal(genesis.Commit.Data, payload.GetLink("prevData"));
        Assert.Equal("2026-11-23T12:00:00.123Z", payload.GetString("time"));
        var evt = CommitEvent.FromLex(payload);
        Assert.Equal(write.Cid, evt.Commit);
        Assert.Equal([blob], evt.Blobs);
        Assert.Equal(write.Ops, evt.Ops);
        Assert.False(evt.TooBig);

        var car = await CarReader.ReadAllAsync(evt.Blocks);
        Assert.Equal([write.Cid], car.Roots);
        var commit = Commit.Decode(car.Blocks.TryGet(write.Cid, out var c) ? c : throw new InvalidOperationException());
        Assert.True(commit.VerifySignature(key.DidKey()));
        Assert.True(await MstInversion.VerifyAsync(MstTree.Load(car.Blocks, commit.Data), evt.Ops, genesis.Commit.Data));
    }

    [Fact]
    public async Task CommitEvent_FirstCommit_HasNullSinceAndNoPrevData()
    {
        var genesis = await RepoWriter.CreateAsync(Alice, Secp256k1Keypair.Generate(), [], new TidClock().Next());

        var payload = CommitEvent.FromCommitData(genesis, [], Now).ToPayload();

        Assert.Equal(LexValue.Null, payload["since"]);
        Assert.Null(payload["prevData"]);
        Assert.Empty(Assert.IsType<LexArray>(payload["ops"]).Items);
    }

    [Fact]
    public void IdentityAccountSync_RoundTripThroughFrames()
    {
        var identity = new IdentityEvent(Alice, Handle.Parse("Alice.Test"), Now);
        var account = new AccountEvent(Alice, false, "deactivated", Now);

        Assert.Equal(identity, RoundTrip(identity, 1));
        Assert.Equal(account, RoundTrip(account, 2));
        Assert.Equal("alice.test", FirehoseFrame.Decode(FirehoseFrame.Message(identity, 1)).Payload.GetString("handle"));
    }

    [Fact]
    public async Task SyncEvent_CarHoldsOnlyTheCommit()
    {
        var genesis = await RepoWriter.CreateAsync(Alice, Secp256k1Keypair.Generate(), [], new TidClock().Next());
        var sync = SyncEvent.FromCommit(Alice, genesis.Commit, Now);

        var back = (SyncEvent)RoundTrip(sync, 7);
        var car = await CarReader.ReadAllAsync(back.Blocks);

        Assert.Equal(genesis.Commit.Rev, back.Rev);
        Assert.Equal([genesis.Cid], car.Roots);
        Assert.Equal(1, car.Blocks.Count);
    }

    [Fact]
    public void ErrorFrame_HasOpMinusOneAndNoType()
    {
        var (op, type, payload) = FirehoseFrame.Decode(FirehoseFrame.Error("FutureCursor", "Cursor in the future."));

        Assert.Equal(-1, op);
        Assert.Null(type);
        Assert.Equal("FutureCursor", payload.GetString("error"));
        Assert.Equal("Cursor in the future.", payload.GetString("message"));
    }

    [Fact]
    public void InfoFrame_IsInfoMessage()
    {
        var (op, type, payload) = FirehoseFrame.Decode(FirehoseFrame.Info("OutdatedCursor", null));

        Assert.Equal(1, op);
        Assert.Equal("#info", type);
        Assert.Equal("OutdatedCursor", payload.GetString("name"));
    }

    [Fact]
    public void Decode_TrailingGarbage_Throws()
    {
        var frame = FirehoseFrame.Info("OutdatedCursor", null).Append((byte)0x01).ToArray();
        Assert.Throws<DataModelException>(() => FirehoseFrame.Decode(frame));
    }

    private static RepoEvent RoundTrip(RepoEvent evt, long seq)
    {
        var (_, type, payload) = FirehoseFrame.Decode(FirehoseFrame.Message(evt, seq));
        Assert.Equal(seq, payload.GetInteger("seq"));
        return RepoEvent.FromPayload(type!, payload);
    }
}
