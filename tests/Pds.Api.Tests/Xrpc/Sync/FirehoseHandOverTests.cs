using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Events;
using Pds.Domain.Syntax;
using Pds.Infrastructure.Firehose;
using Pds.Infrastructure.Persistence;
using Pds.Infrastructure.Persistence.Sequencer;

namespace Pds.Api.Tests.Xrpc.Sync;

/// <summary>Counts the event-log reads made through <see cref="ISequencer.ReadAfterAsync"/>.</summary>
public sealed class EventLogReads
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);
}

/// <summary>The server's sequencer, counting reads of the log.</summary>
public sealed class CountingSequencer(EfSequencer inner, EventLogReads reads) : ISequencer
{
    public Task<long> AppendAsync(string did, string eventType, ReadOnlyMemory<byte> eventBytes, CancellationToken cancellationToken = default) =>
        inner.AppendAsync(did, eventType, eventBytes, cancellationToken);

    public Task<IReadOnlyList<SequencedEvent>> ReadAfterAsync(long cursor, int limit, CancellationToken cancellationToken = default)
    {
        reads.Add();
        return inner.ReadAfterAsync(cursor, limit, cancellationToken);
    }

    public Task DeleteForAccountAsync(string did, CancellationToken cancellationToken = default) => inner.DeleteForAccountAsync(did, cancellationToken);

    public Task<long?> FirstSeqSinceAsync(DateTime since, CancellationToken cancellationToken = default) => inner.FirstSeqSinceAsync(since, cancellationToken);

    public Task<long?> CurrentAsync(CancellationToken cancellationToken = default) => inner.CurrentAsync(cancellationToken);
}

/// <summary>A server whose firehose never polls (it reads the log only when told to) and whose log reads are counted.</summary>
public sealed class CountingFirehoseFactory : PdsApiFactory
{
    public EventLogReads Reads { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.AddSingleton(Reads);
        services.AddSingleton(new FirehoseOptions { PollInterval = TimeSpan.FromHours(1) });
        services.AddScoped<EfSequencer>();
        services.AddScoped<ISequencer>(sp => new CountingSequencer(sp.GetRequiredService<EfSequencer>(), sp.GetRequiredService<EventLogReads>()));
    }
}

/// <summary>
/// A commit's events reach this process's firehose from the committing transaction, not by reading
/// the event log back; the log is read only for events this process did not hand over.
/// </summary>
public sealed class FirehoseHandOverTests(CountingFirehoseFactory factory) : IClassFixture<CountingFirehoseFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<long> CurrentSeqAsync() =>
        await factory.WithScopeAsync(sp => sp.GetRequiredService<ISequencer>().CurrentAsync()) ?? 0;

    private async Task CreatePostsAsync(TestAccount account, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await (await _client.PostAsync(
                "com.atproto.repo.createRecord",
                new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = $"post {i}", ["createdAt"] = "2026-12-06T00:00:00Z" } },
                account.AccessJwt)).ReadOkJsonAsync();
        }
    }

    [Fact]
    public async Task LocalCommits_ReachTheFirehoseWithoutReadingTheLog()
    {
        var hub = factory.Services.GetRequiredService<FirehoseHub>();
        var account = await _client.CreateAccountAsync();
        var before = await CurrentSeqAsync();
        await hub.WaitForEventsAfterAsync(before - 1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var reads = factory.Reads.Count;

        await CreatePostsAsync(account, 10);
        var after = await CurrentSeqAsync();
        Assert.Equal(before + 10, after);
        await hub.WaitForEventsAfterAsync(after - 1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        // A subscriber from the first post on gets all ten commits, in order, from the ring.
        using var socket = await SubscribeReposTests.ConnectAsync(factory, before);
        var seqs = new List<long>();
        while (seqs.Count < 10 && await SubscribeReposTests.ReceiveAsync(socket, TimeSpan.FromSeconds(10)) is { } frame)
        {
            Assert.Equal("#commit", frame.Type);
            Assert.Equal(account.Did, frame.Payload.GetString("repo"));
            seqs.Add(frame.Payload.GetInteger("seq")!.Value);
        }

        Assert.Equal(Enumerable.Range(1, 10).Select(i => before + i), seqs);
        // Not even on PostgreSQL, where each commit's notification (which can arrive before the
        // committing request hands its events over) also wakes the firehose.
        Assert.Equal(reads, factory.Reads.Count);
    }

    [Fact]
    public async Task EventsNotHandedOver_AreReadFromTheLog_InOrder()
    {
        var hub = factory.Services.GetRequiredService<FirehoseHub>();
        var account = await _client.CreateAccountAsync();
        var before = await CurrentSeqAsync();
        await hub.WaitForEventsAfterAsync(before - 1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var reads = factory.Reads.Count;

        // An event committed without telling this process's firehose (as another server process
        // on the same database would; on PostgreSQL its notification still arrives).
        await factory.WithScopeAsync(async sp =>
        {
            var unannounced = new PdsDatabase(sp.GetRequiredService<PdsDbContext>(), sp.GetRequiredService<WriteGate>(), sp.GetRequiredService<DatabaseOptions>());
            return await unannounced.WriteAsync(ct => new EfSequencer(unannounced).AppendAsync(new IdentityEvent(Did.Parse(account.Did), null, DateTimeOffset.UtcNow), ct));
        });

        // The next local commit hands over an event whose number leaves a gap: the log fills it.
        await CreatePostsAsync(account, 1);
        var after = await CurrentSeqAsync();
        Assert.Equal(before + 2, after);
        await hub.WaitForEventsAfterAsync(after - 1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(factory.Reads.Count > reads);

        using var socket = await SubscribeReposTests.ConnectAsync(factory, before);
        var identity = await SubscribeReposTests.ReceiveAsync(socket, TimeSpan.FromSeconds(10));
        var commit = await SubscribeReposTests.ReceiveAsync(socket, TimeSpan.FromSeconds(10));
        Assert.Equal(("#identity", before + 1), (identity!.Value.Type, identity.Value.Payload.GetInteger("seq")));
        Assert.Equal(("#commit", before + 2), (commit!.Value.Type, commit.Value.Payload.GetInteger("seq")));
    }
}
