using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Infrastructure.Persistence;
using Pds.TestKit;

namespace Pds.Infrastructure.Tests.Persistence;

public sealed class SequencerTests : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly TestDatabase _db;
    private ServiceProvider _services = null!;

    public SequencerTests(TestDatabase db)
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
    public async Task AppendAsync_TransactionRolledBack_EventDiscarded()
    {
        var before = await CurrentAsync();
        var did = NewDid();

        await Assert.ThrowsAsync<InvalidOperationException>(() => InScopeAsync(async sp =>
        {
            await sp.GetRequiredService<PdsDatabase>().WriteAsync<long>(async ct =>
            {
                await sp.GetRequiredService<ISequencer>().AppendAsync(did, "identity", new byte[] { 1, 2, 3 }, ct);
                throw new InvalidOperationException("the change failed");
            });
        }));

        Assert.Equal(before, await CurrentAsync());
        Assert.DoesNotContain(await ReadAllAsync(), e => e.Did == did);
    }

    [Fact]
    public async Task AppendAsync_TransactionCommitted_EventReadable()
    {
        var did = NewDid();
        var seq = await InScopeAsync(sp => sp.GetRequiredService<PdsDatabase>().WriteAsync(ct =>
            sp.GetRequiredService<ISequencer>().AppendAsync(did, "account", new byte[] { 0xa1, 0x61, 0x78, 0x01 }, ct)));

        var stored = Assert.Single(await ReadAllAsync(), e => e.Did == did);
        Assert.Equal(seq, stored.Seq);
        Assert.Equal("account", stored.EventType);
        Assert.Equal(new byte[] { 0xa1, 0x61, 0x78, 0x01 }, stored.Event);
        Assert.Equal(DateTimeKind.Utc, stored.SequencedAt.Kind);
        Assert.False(stored.Invalidated);
        Assert.True(await CurrentAsync() >= seq);
    }

    [Fact]
    public async Task AppendAsync_OutsideTransaction_Throws()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => InScopeAsync(sp =>
            sp.GetRequiredService<ISequencer>().AppendAsync(NewDid(), "identity", new byte[] { 1 })));
    }

    [Fact]
    public async Task AppendAsync_ConcurrentTransactions_NumbersAreContiguousAndFollowCommitOrder()
    {
        const int writers = 50;
        var did = NewDid();
        var results = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(() => InScopeAsync(sp =>
            sp.GetRequiredService<PdsDatabase>().WriteAsync(async ct =>
            {
                // A real change in the same transaction as its event.
                sp.GetRequiredService<PdsDbContext>().PlcOperations.Add(new Pds.Infrastructure.Persistence.Rows.PlcOperationRow
                {
                    Did = did, Cid = "cid" + i, Operation = [(byte)i], CreatedAt = DateTime.UtcNow,
                });
                return await sp.GetRequiredService<ISequencer>().AppendAsync(did, "identity", new[] { (byte)i }, ct);
            })))));

        var sorted = results.Order().ToArray();
        Assert.Equal(Enumerable.Range(0, writers).Select(i => sorted[0] + i), sorted);

        var events = (await ReadAllAsync()).Where(e => e.Did == did).ToList();
        Assert.Equal(sorted, events.Select(e => e.Seq));
        await using var scope = _services.CreateAsyncScope();
        Assert.Equal(writers, await scope.ServiceProvider.GetRequiredService<PdsDbContext>().PlcOperations.CountAsync(p => p.Did == did));
    }

    [Fact]
    public async Task AppendAsync_SecondWriterWhileFirstUncommitted_WaitsAndTakesNextNumber()
    {
        var did = NewDid();
        var firstAppended = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = Task.Run(() => InScopeAsync(sp => sp.GetRequiredService<PdsDatabase>().WriteAsync(async ct =>
        {
            var seq = await sp.GetRequiredService<ISequencer>().AppendAsync(did, "identity", new byte[] { 1 }, ct);
            firstAppended.SetResult(seq);
            await releaseFirst.Task;
            return seq;
        })));

        var firstSeq = await firstAppended.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = Task.Run(() => InScopeAsync(sp => sp.GetRequiredService<PdsDatabase>().WriteAsync(ct =>
            sp.GetRequiredService<ISequencer>().AppendAsync(did, "identity", new byte[] { 2 }, ct))));

        // While the first transaction is open, the second cannot obtain a number, so no reader
        // can ever see firstSeq + 1 committed before firstSeq.
        await Task.Delay(500);
        Assert.False(second.IsCompleted);
        Assert.DoesNotContain(await ReadAllAsync(), e => e.Did == did);

        releaseFirst.SetResult();
        Assert.Equal(firstSeq, await first);
        Assert.Equal(firstSeq + 1, await second.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(new[] { firstSeq, firstSeq + 1 }, (await ReadAllAsync()).Where(e => e.Did == did).Select(e => e.Seq));
    }

    [Fact]
    public async Task ReadAfterAsync_Cursor_ReturnsLaterEventsInOrderUpToLimit()
    {
        var did = NewDid();
        var seqs = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            seqs.Add(await InScopeAsync(sp => sp.GetRequiredService<PdsDatabase>().WriteAsync(ct =>
                sp.GetRequiredService<ISequencer>().AppendAsync(did, "commit", new[] { (byte)i }, ct))));
        }

        var page = await InScopeAsync(sp => sp.GetRequiredService<ISequencer>().ReadAfterAsync(seqs[1], 2));
        Assert.Equal(new[] { seqs[2], seqs[3] }, page.Select(e => e.Seq));
    }

    private static string NewDid() => "did:plc:" + Guid.NewGuid().ToString("N")[..24];

    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    private async Task InScopeAsync(Func<IServiceProvider, Task> work)
    {
        await using var scope = _services.CreateAsyncScope();
        await work(scope.ServiceProvider);
    }

    private Task<long?> CurrentAsync() => InScopeAsync(sp => sp.GetRequiredService<ISequencer>().CurrentAsync());

    private Task<IReadOnlyList<SequencedEvent>> ReadAllAsync() =>
        InScopeAsync(sp => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 100_000));
}
