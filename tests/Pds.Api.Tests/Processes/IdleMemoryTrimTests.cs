using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Pds.Api.Hosting;
using Pds.Api.Tests.Xrpc;
using Pds.Api.Tests.Xrpc.Repo;
using Pds.Domain.Crypto;
using Pds.TestKit;

namespace Pds.Api.Tests.Processes;

/// <summary>After a burst of work, an idle server gives the heap the burst grew back to the system.</summary>
public sealed class IdleMemoryTrimTests : IAsyncLifetime
{
    private const string TrimmedMessage = "a full collection gave memory back";

    private readonly TestDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Server_QuietAfterImports_RunsOneTrimAndItsResidentSetFalls()
    {
        var settings = new Dictionary<string, string>(_database.Settings)
        {
            ["Logging__LogLevel__Pds.Api.Hosting.IdleMemoryTrim"] = "Debug",
        };
        await using var server = await PdsProcess.StartAsync(settings);
        using var key = Secp256k1Keypair.Generate();
        var (did, access) = await ImportRepoTests.MigratingAccountAsync(server.Client, key);

        // Well over the trim's threshold: each import of 10,000 records allocates more than 20 MB.
        var (car, _, _) = await ImportRepoTests.RepositoryCarAsync(did, key, 10_000);

        // A trim may already have run while the repository was being built (the server was quiet
        // after its start); only one after the imports counts.
        var trimsBefore = Trims(server.Output);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await ImportRepoTests.ImportAsync(server.Client, access, car)).StatusCode);
        }

        var afterBurst = server.ResidentBytes();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Trims(server.Output) == trimsBefore && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.True(Trims(server.Output) > trimsBefore, server.Output);
        var afterTrim = server.ResidentBytes();
        Assert.True(afterTrim < afterBurst - (8L << 20), $"resident {afterBurst >> 20} MiB after the imports, {afterTrim >> 20} MiB after the trim");
    }

    private static int Trims(string output)
    {
        var count = 0;
        for (var at = output.IndexOf(TrimmedMessage, StringComparison.Ordinal); at >= 0; at = output.IndexOf(TrimmedMessage, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public void Tick_BurstThenQuiet_TrimsOnceAndNotAgainWhileIdle()
    {
        var (trim, counters) = Trim();
        counters.Allocated += IdleMemoryTrim.BurstBytes;
        Assert.False(trim.Tick()); // the burst's own interval is not quiet
        Assert.True(trim.Tick());
        Assert.Equal(1, counters.Collections);
        for (var i = 0; i < 10; i++)
        {
            Assert.False(trim.Tick());
        }

        Assert.Equal(1, trim.Trims);
    }

    [Fact]
    public void Tick_Busy_WaitsForTheFirstQuietInterval()
    {
        var (trim, counters) = Trim();
        for (var i = 0; i < 20; i++)
        {
            counters.Allocated += IdleMemoryTrim.BurstBytes;
            Assert.False(trim.Tick());
        }

        counters.Allocated += IdleMemoryTrim.QuietBytes - 1;
        Assert.True(trim.Tick());
        Assert.Equal(1, counters.Collections);
    }

    [Fact]
    public void Tick_SmallAllocationsOrTheCollectorsOwnFullCollection_NoTrim()
    {
        var (trim, counters) = Trim();
        for (var i = 0; i < 10; i++)
        {
            counters.Allocated += IdleMemoryTrim.QuietBytes / 2;
            Assert.False(trim.Tick());
        }

        // A burst that a blocking full collection of the runtime's own already cleaned up after.
        counters.Allocated += IdleMemoryTrim.BurstBytes;
        Assert.False(trim.Tick());
        counters.FullCollections++;
        Assert.False(trim.Tick());
        Assert.Equal(0, counters.Collections);
    }

    private static (IdleMemoryTrim Trim, FakeCounters Counters) Trim()
    {
        var counters = new FakeCounters();
        var trim = new IdleMemoryTrim(
            TimeProvider.System,
            NullLogger<IdleMemoryTrim>.Instance,
            () => counters.Allocated,
            () => counters.FullCollections,
            () =>
            {
                counters.Collections++;
                counters.FullCollections++;
            });
        return (trim, counters);
    }

    private sealed class FakeCounters
    {
        public long Allocated;
        public long FullCollections;
        public int Collections;
    }
}
