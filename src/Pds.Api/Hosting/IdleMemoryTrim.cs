namespace Pds.Api.Hosting;

/// <summary>
/// Gives the memory of a burst of work back to the system once the burst is over. After an
/// import, a run of exports or a wave of requests, the garbage collector keeps the heap it grew
/// committed, most of it garbage promoted while the work was under way (docs/PERFORMANCE.md:
/// 34 MiB after six imports of a 10,000-record repository). Every <see cref="Interval"/> this
/// looks at how much the process allocated: once at least <see cref="BurstBytes"/> have been
/// allocated since its last collection and the last interval was quiet (under
/// <see cref="QuietBytes"/>), it runs one full, compacting collection that decommits what it
/// frees. A busy server is never interrupted: the collection waits for a quiet interval.
/// Start-up is a burst of its own (migrations, the database model, the first compilations: about
/// 20 MiB of allocations, none of it needed afterwards), so the first quiet interval after start
/// trims once whatever start-up allocated.
/// </summary>
public sealed partial class IdleMemoryTrim(TimeProvider clock, ILogger<IdleMemoryTrim> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>Allocations since the last trim (or blocking full collection) that make one worth running.</summary>
    public const long BurstBytes = 32L * 1024 * 1024;

    /// <summary>Allocations within an interval under which the process counts as quiet.</summary>
    public const long QuietBytes = 1024L * 1024;

    private readonly Func<long> _allocatedBytes = () => GC.GetTotalAllocatedBytes(precise: false);
    // The number (GCMemoryInfo.Index) of the last blocking full collection. A background one does
    // not compact, and large-object allocations set them off during a burst: counted, one at the
    // end of a burst would stand in for a trim that never ran.
    private readonly Func<long> _lastFullBlocking = () => GC.GetGCMemoryInfo(GCKind.FullBlocking).Index;
    private readonly Action _collect = static () => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>For tests: the runtime's counters and the collection replaced.</summary>
    internal IdleMemoryTrim(TimeProvider clock, ILogger<IdleMemoryTrim> logger, Func<long> allocatedBytes, Func<long> lastFullBlocking, Action collect)
        : this(clock, logger)
    {
        _allocatedBytes = allocatedBytes;
        _lastFullBlocking = lastFullBlocking;
        _collect = collect;
    }

    private long _atTrim;
    private long _atTick;
    private long _lastFullBlockingSeen;

    // Start-up's allocations are not trimmed yet: the first quiet interval trims, however little
    // start-up allocated.
    private bool _startUp;

    /// <summary>Trims run since start.</summary>
    public int Trims { get; private set; }

    /// <summary>One look at the counters; returns whether it trimmed.</summary>
    internal bool Tick()
    {
        var allocated = _allocatedBytes();
        var full = _lastFullBlocking();
        if (full != _lastFullBlockingSeen)
        {
            // A blocking full collection of the collector's own already gave back what it could.
            _lastFullBlockingSeen = full;
            _atTrim = _atTick;
            _startUp = false;
        }

        var inInterval = allocated - _atTick;
        _atTick = allocated;
        if ((!_startUp && allocated - _atTrim < BurstBytes) || inInterval >= QuietBytes)
        {
            return false;
        }

        var burst = allocated - _atTrim;
        var residentBefore = Environment.WorkingSet;
        var started = clock.GetTimestamp();
        _collect();
        var pause = clock.GetElapsedTime(started);
        Rebase();
        Trims++;
        LogTrimmed(logger, burst >> 20, (long)pause.TotalMilliseconds, residentBefore >> 20, Environment.WorkingSet >> 20, GC.GetGCMemoryInfo().TotalCommittedBytes >> 20);
        return true;
    }

    /// <summary>
    /// Counts the allocations since the process started as a burst to trim at the first quiet
    /// interval, unless a blocking full collection has run since (it gave back what it could).
    /// </summary>
    internal void CountFromStart()
    {
        _atTrim = 0;
        _atTick = _allocatedBytes();
        _lastFullBlockingSeen = _lastFullBlocking();
        _startUp = _lastFullBlockingSeen == 0;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        CountFromStart();
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            Tick();
        }
    }

    // Counts from now: after a trim.
    private void Rebase()
    {
        _atTrim = _atTick = _allocatedBytes();
        _lastFullBlockingSeen = _lastFullBlocking();
        _startUp = false;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Idle after {AllocatedMiB} MiB of allocations: a full collection gave memory back in {PauseMs} ms, resident set {BeforeMiB} -> {AfterMiB} MiB, the collector's committed memory {CommittedMiB} MiB")]
    private static partial void LogTrimmed(ILogger logger, long allocatedMiB, long pauseMs, long beforeMiB, long afterMiB, long committedMiB);
}
