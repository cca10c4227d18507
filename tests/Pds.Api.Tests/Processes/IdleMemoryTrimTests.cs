using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Pds.Api.Hosting;
using Pds.Api.Tests.Xrpc;
using Pds.Api.Tests.Xrpc.Repo;
using Pds.Domain.Crypto;
using Pds.TestKit;

namespace Pds.Api.Tests.Processes;

/// <summary>After a burst of work, an idle server gives the heap the burst grew back to the system.</summary>
public sealed partial class IdleMemoryTrimTests : IAsyncLifetime
{
    private const string TrimmedMessage = "a full collection gave memory back";

    private readonly TestDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Server_QuietAfterImports_RunsOneTrimAndItsResidentSetFalls()
    {
        await using var server = await StartLoggingTrimsAsync();
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
        await WaitForTrimAfterAsync(server, trimsBefore);
        Assert.True(Trims(server.Output) > trimsBefore, server.Output);
        var afterTrim = server.ResidentBytes();
        Assert.True(afterTrim < afterBurst - (8L << 20), $"resident {afterBurst >> 20} MiB after the imports, {afterTrim >> 20} MiB after the trim");
    }

    [Fact]
    public async Task Server_QuietAfterStart_TrimsWhatStartUpAllocatedWithoutARequest()
    {
        await using var server = await StartLoggingTrimsAsync();
        await WaitForTrimAfterAsync(server, 0);

        // Start-up allocates about 20 MiB, under a burst's threshold, and no request followed.
        Assert.Equal(1, Trims(server.Output));
        var resident = ResidentSetLogged().Match(server.Output);
        Assert.True(resident.Success, server.Output);
        var (before, after) = (long.Parse(resident.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(resident.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.True(after < before, $"resident {before} MiB before the trim, {after} MiB after");

        // Once is enough: an idle server does not trim again.
        await Task.Delay(IdleMemoryTrim.Interval * 3);
        Assert.Equal(1, Trims(server.Output));
    }

    // A server that logs each trim (at the Debug level).
    private Task<PdsProcess> StartLoggingTrimsAsync() =>
        PdsProcess.StartAsync(new Dictionary<string, string>(_database.Settings)
        {
            ["Logging__LogLevel__Pds.Api.Hosting.IdleMemoryTrim"] = "Debug",
        });

    // Waits, at most 30 s, until the server has logged more than `trims` trims.
    private static async Task WaitForTrimAfterAsync(PdsProcess server, int trims)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Trims(server.Output) == trims && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"resident set (\d+) -> (\d+) MiB")]
    private static partial Regex ResidentSetLogged();

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

    [Fact]
    public void Tick_QuietAfterStart_TrimsStartUpOnceHoweverLittleItAllocated()
    {
        var (trim, counters) = Trim();
        counters.Allocated = 20L << 20; // start-up's, under a burst's threshold
        trim.CountFromStart();
        counters.Allocated += IdleMemoryTrim.QuietBytes - 1;
        Assert.True(trim.Tick());
        for (var i = 0; i < 10; i++)
        {
            counters.Allocated += IdleMemoryTrim.QuietBytes / 2;
            Assert.False(trim.Tick());
        }

        Assert.Equal(1, counters.Collections);
    }

    [Fact]
    public void Tick_BusyFromStart_TrimsAtTheFirstQuietInterval()
    {
        var (trim, counters) = Trim();
        counters.Allocated = 20L << 20;
        trim.CountFromStart();
        for (var i = 0; i < 5; i++)
        {
            counters.Allocated += IdleMemoryTrim.QuietBytes;
            Assert.False(trim.Tick());
        }

        Assert.True(trim.Tick());
        Assert.Equal(1, counters.Collections);
    }

    [Fact]
    public void Tick_StartUpCollectedByTheCollectorsOwnFullCollection_NoTrim()
    {
        // Before the count starts, and after it: either way start-up's garbage is gone.
        var (before, beforeCounters) = Trim();
        beforeCounters.FullCollections = 1;
        before.CountFromStart();
        Assert.False(before.Tick());

        var (after, afterCounters) = Trim();
        after.CountFromStart();
        afterCounters.FullCollections = 1;
        Assert.False(after.Tick());
        Assert.False(after.Tick());
        Assert.Equal(0, beforeCounters.Collections + afterCounters.Collections);
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
