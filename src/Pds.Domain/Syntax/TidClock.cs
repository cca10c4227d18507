using System.Security.Cryptography;

namespace Pds.Domain.Syntax;

/// <summary>
/// Issues TIDs that strictly increase within the process: when the wall clock stalls (many
/// calls in one microsecond) or steps backwards (clock synchronization), the timestamp is
/// advanced one microsecond past the last one issued instead. Lock-free: the last timestamp is
/// claimed with a compare-and-swap. Each instance picks a random 10-bit clock id.
/// </summary>
public sealed class TidClock
{
    private readonly TimeProvider _time;
    private long _lastMicroseconds = -1;

    public TidClock()
        : this(RandomNumberGenerator.GetInt32(Tid.MaxClockId + 1), TimeProvider.System)
    {
    }

    public TidClock(int clockId, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if ((uint)clockId > Tid.MaxClockId)
        {
            throw new ArgumentOutOfRangeException(nameof(clockId), "The clock id must be in [0, 1023].");
        }

        ClockId = clockId;
        _time = time;
    }

    /// <summary>The process-wide clock.</summary>
    public static TidClock Shared { get; } = new();

    public int ClockId { get; }

    /// <summary>The next TID: greater than every TID this instance issued before.</summary>
    public Tid Next()
    {
        var now = (_time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        while (true)
        {
            var last = Volatile.Read(ref _lastMicroseconds);
            var next = now > last ? now : last + 1;
            if (Interlocked.CompareExchange(ref _lastMicroseconds, next, last) == last)
            {
                return Tid.FromTime(next, ClockId);
            }
        }
    }
}
