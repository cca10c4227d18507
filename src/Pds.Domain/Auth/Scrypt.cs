using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Pds.Domain.Auth;

/// <summary>
/// The scrypt key derivation function (RFC 7914). PBKDF2-HMAC-SHA256 comes from the platform
/// (OpenSSL); the memory-hard ROMix with Salsa20/8 runs on 32-bit words held in locals, which is where
/// the time goes. The 128·N·r byte scratch area (16 MiB at the parameters passwords use) is wiped
/// after use and kept for the next derivation, one per hashing thread, until no derivation has run
/// for <see cref="IdleRelease"/> (see <see cref="Scratch"/>).
/// </summary>
/// <remarks>
/// Derivations run on threads of their own, one per core, in the order they were asked for: hashing
/// is CPU-bound, so more at once would only multiply that memory without finishing any sooner. A
/// derivation takes tens of milliseconds; run on the thread pool, a burst of logins would hold its
/// threads (two on a two-core machine) and every other request would queue behind them for a
/// thread, for hundreds of milliseconds (docs/PERFORMANCE.md). A caller of
/// <see cref="DeriveKeyAsync"/> holds no thread while its derivation waits or runs.
/// </remarks>
internal static class Scrypt
{
    private static readonly BlockingCollection<Job> Jobs = [];

    private static int _workersStarted;

    /// <summary>Derivations that run at once (one per core, each on a thread of its own).</summary>
    internal static int Concurrency => Environment.ProcessorCount;

    /// <summary>The most derivations that have run at once since the process started.</summary>
    internal static int PeakConcurrency => Volatile.Read(ref _peak);

    private static int _running;

    private static int _peak;

    /// <summary>
    /// Derives <paramref name="output"/> on a hashing thread, without holding the caller's thread
    /// while the derivation waits for one or runs. Cancelling gives up a derivation that has not
    /// started; one that has started runs to its end.
    /// </summary>
    public static Task DeriveKeyAsync(byte[] password, byte[] salt, int n, int r, int p, byte[] output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentNullException.ThrowIfNull(output);
        CheckParameters(n, r, p);
        return Enqueue(password, salt, n, r, p, output, cancellationToken);
    }

    private static Task Enqueue(byte[] password, byte[] salt, int n, int r, int p, byte[] output, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        StartWorkers();
        var job = new Job(password, salt, n, r, p, output);
        if (cancellationToken.CanBeCanceled)
        {
            job.Cancellation = cancellationToken.Register(static state => ((Job)state!).TryCancel(), job);
        }

        Jobs.Add(job, CancellationToken.None);
        return job.Done.Task;
    }

    private static void StartWorkers()
    {
        if (Volatile.Read(ref _workersStarted) != 0 || Interlocked.Exchange(ref _workersStarted, 1) != 0)
        {
            return;
        }

        for (var i = 0; i < Concurrency; i++)
        {
            new Thread(Work) { IsBackground = true, Name = "scrypt " + i.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Start();
        }
    }

    private static void Work()
    {
        foreach (var job in Jobs.GetConsumingEnumerable())
        {
            if (!job.TryStart())
            {
                continue;
            }

            try
            {
                Derive(job.Password, job.Salt, job.N, job.R, job.P, job.Output);
                job.Done.TrySetResult();
            }
            catch (Exception e)
            {
                job.Done.TrySetException(e);
            }
        }
    }

    /// <summary>A derivation asked for, and its outcome.</summary>
    private sealed class Job(byte[] password, byte[] salt, int n, int r, int p, byte[] output)
    {
        private const int Waiting = 0;
        private const int Started = 1;
        private const int Cancelled = 2;

        private int _state;

        public byte[] Password { get; } = password;

        public byte[] Salt { get; } = salt;

        public int N { get; } = n;

        public int R { get; } = r;

        public int P { get; } = p;

        public byte[] Output { get; } = output;

        // Continuations run on the thread pool, never on a hashing thread.
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Cancellation { get; set; }

        public bool TryStart()
        {
            Cancellation.Dispose();
            return Interlocked.CompareExchange(ref _state, Started, Waiting) == Waiting;
        }

        public void TryCancel()
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Waiting) == Waiting)
            {
                Done.TrySetCanceled();
            }
        }
    }

    private static void CheckParameters(int n, int r, int p)
    {
        if (n < 2 || !BitOperations.IsPow2(n))
        {
            throw new ArgumentOutOfRangeException(nameof(n), "N must be a power of two greater than 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(r, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
        if ((long)128 * r * p > int.MaxValue || (long)32 * r * n > int.MaxValue / 4)
        {
            throw new ArgumentOutOfRangeException(nameof(r), "Parameters too large.");
        }
    }

    // The derivation itself, on a hashing thread.
    private static void Derive(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int n, int r, int p, Span<byte> output)
    {
        var blockBytes = 128 * r;
        var words = 32 * r;
        var running = Interlocked.Increment(ref _running);
        InterlockedMax(ref _peak, running);
        var b = new byte[blockBytes * p];
        // Every word of V is written before it is read, so it need not be zeroed first.
        var v = RentScratch(words * n);
        var xy = new uint[words * 2];
        try
        {
            Rfc2898DeriveBytes.Pbkdf2(password, salt, b, 1, HashAlgorithmName.SHA256);
            for (var i = 0; i < p; i++)
            {
                RoMix(b.AsSpan(i * blockBytes, blockBytes), n, r, v.Span, xy);
            }

            Rfc2898DeriveBytes.Pbkdf2(password, b, output, 1, HashAlgorithmName.SHA256);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(b);
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(v.Span));
            ReturnScratch(v);
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(xy.AsSpan()));
            Interlocked.Decrement(ref _running);
        }
    }

    // One scratch area per hashing thread, kept while derivations keep coming and given back to
    // the system once none has run for IdleRelease. As managed arrays they would sit on the large-object heap,
    // whose memory the collector keeps committed even after they die; allocated per hash, the page
    // faults of a fresh 16 MiB mapping would cost a third of a hash's time. So: native memory (see
    // ScratchArea), reused within a burst of logins, released between bursts.
    private static readonly ConcurrentBag<ScratchArea> Scratch = [];

    private static readonly Timer ReleaseTimer = new(_ => ReleaseIdleScratch(), null, Timeout.Infinite, Timeout.Infinite);

    private static long _lastReturned;

    private static long _idleReleaseMs = 10_000;

    /// <summary>
    /// How long kept scratch areas outlive the last derivation before they are given back to the
    /// system. Logins come in bursts; between them an idle server need not hold 16 MiB per core.
    /// </summary>
    internal static TimeSpan IdleRelease
    {
        get => TimeSpan.FromMilliseconds(Interlocked.Read(ref _idleReleaseMs));
        set => Interlocked.Exchange(ref _idleReleaseMs, (long)value.TotalMilliseconds);
    }

    /// <summary>Scratch areas kept for reuse.</summary>
    internal static int PooledScratchAreas => Scratch.Count;

    private static ScratchArea RentScratch(int length)
    {
        if (Scratch.TryTake(out var pooled))
        {
            if (pooled.Length == length)
            {
                return pooled;
            }

            pooled.Dispose();
        }

        return ScratchArea.Allocate(length);
    }

    private static void ReturnScratch(ScratchArea v)
    {
        // Areas of other sizes (other parameters than the passwords') are rare and not kept.
        if (v.Length == 32 * PasswordHasher.BlockSize * PasswordHasher.CostN && Scratch.Count < Concurrency)
        {
            Scratch.Add(v);
            Interlocked.Exchange(ref _lastReturned, Environment.TickCount64);
            ReleaseTimer.Change(IdleRelease, Timeout.InfiniteTimeSpan);
        }
        else
        {
            v.Dispose();
        }
    }

    private static void ReleaseIdleScratch()
    {
        var idleFor = Environment.TickCount64 - Interlocked.Read(ref _lastReturned);
        var idleRelease = Interlocked.Read(ref _idleReleaseMs);
        if (Volatile.Read(ref _running) > 0 || idleFor < idleRelease)
        {
            // A derivation is running or has just finished; it re-arms the timer when it returns its
            // area, but look again in any case so that nothing is kept for ever.
            ReleaseTimer.Change(TimeSpan.FromMilliseconds(Math.Max(idleRelease - idleFor, 1)), Timeout.InfiniteTimeSpan);
            return;
        }

        // A derivation that starts now takes an area out of the bag first, so it never uses one
        // released here; one that finishes now adds its area back and re-arms the timer.
        while (Scratch.TryTake(out var area))
        {
            area.Dispose();
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static void RoMix(Span<byte> block, int n, int r, Span<uint> v, Span<uint> xy)
    {
        var words = 32 * r;
        var x = xy[..words];
        var y = xy[words..];
        for (var k = 0; k < words; k++)
        {
            x[k] = BinaryPrimitives.ReadUInt32LittleEndian(block[(k * 4)..]);
        }

        for (var i = 0; i < n; i += 2)
        {
            x.CopyTo(v.Slice(i * words, words));
            BlockMix(x, y, r);
            y.CopyTo(v.Slice((i + 1) * words, words));
            BlockMix(y, x, r);
        }

        var mask = (uint)(n - 1);
        for (var i = 0; i < n; i += 2)
        {
            // Integerify: the first word of the last 64-byte sub-block, modulo N.
            var j = (int)(x[words - 16] & mask);
            Xor(x, v.Slice(j * words, words));
            BlockMix(x, y, r);
            j = (int)(y[words - 16] & mask);
            Xor(y, v.Slice(j * words, words));
            BlockMix(y, x, r);
        }

        for (var k = 0; k < words; k++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(block[(k * 4)..], x[k]);
        }
    }

    private static void Xor(Span<uint> target, ReadOnlySpan<uint> other)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var t = System.Runtime.InteropServices.MemoryMarshal.Cast<uint, Vector<uint>>(target);
            var o = System.Runtime.InteropServices.MemoryMarshal.Cast<uint, Vector<uint>>(other);
            for (var k = 0; k < t.Length; k++)
            {
                t[k] ^= o[k];
            }

            i = t.Length * Vector<uint>.Count;
        }

        for (; i < target.Length; i++)
        {
            target[i] ^= other[i];
        }
    }

    /// <summary>scryptBlockMix (RFC 7914 section 4) from <paramref name="input"/> into <paramref name="output"/>.</summary>
    private static void BlockMix(ReadOnlySpan<uint> input, Span<uint> output, int r)
    {
        var blocks = 2 * r;
        ReadOnlySpan<uint> last = input.Slice((blocks - 1) * 16, 16);
        uint x0 = last[0], x1 = last[1], x2 = last[2], x3 = last[3], x4 = last[4], x5 = last[5], x6 = last[6], x7 = last[7],
            x8 = last[8], x9 = last[9], x10 = last[10], x11 = last[11], x12 = last[12], x13 = last[13], x14 = last[14], x15 = last[15];
        for (var i = 0; i < blocks; i++)
        {
            var bi = input.Slice(i * 16, 16);
            x0 ^= bi[0]; x1 ^= bi[1]; x2 ^= bi[2]; x3 ^= bi[3]; x4 ^= bi[4]; x5 ^= bi[5]; x6 ^= bi[6]; x7 ^= bi[7];
            x8 ^= bi[8]; x9 ^= bi[9]; x10 ^= bi[10]; x11 ^= bi[11]; x12 ^= bi[12]; x13 ^= bi[13]; x14 ^= bi[14]; x15 ^= bi[15];

            uint a0 = x0, a1 = x1, a2 = x2, a3 = x3, a4 = x4, a5 = x5, a6 = x6, a7 = x7,
                a8 = x8, a9 = x9, a10 = x10, a11 = x11, a12 = x12, a13 = x13, a14 = x14, a15 = x15;
            for (var round = 0; round < 8; round += 2)
            {
                // Columns.
                a4 ^= R(a0 + a12, 7); a8 ^= R(a4 + a0, 9); a12 ^= R(a8 + a4, 13); a0 ^= R(a12 + a8, 18);
                a9 ^= R(a5 + a1, 7); a13 ^= R(a9 + a5, 9); a1 ^= R(a13 + a9, 13); a5 ^= R(a1 + a13, 18);
                a14 ^= R(a10 + a6, 7); a2 ^= R(a14 + a10, 9); a6 ^= R(a2 + a14, 13); a10 ^= R(a6 + a2, 18);
                a3 ^= R(a15 + a11, 7); a7 ^= R(a3 + a15, 9); a11 ^= R(a7 + a3, 13); a15 ^= R(a11 + a7, 18);

                // Rows.
                a1 ^= R(a0 + a3, 7); a2 ^= R(a1 + a0, 9); a3 ^= R(a2 + a1, 13); a0 ^= R(a3 + a2, 18);
                a6 ^= R(a5 + a4, 7); a7 ^= R(a6 + a5, 9); a4 ^= R(a7 + a6, 13); a5 ^= R(a4 + a7, 18);
                a11 ^= R(a10 + a9, 7); a8 ^= R(a11 + a10, 9); a9 ^= R(a8 + a11, 13); a10 ^= R(a9 + a8, 18);
                a12 ^= R(a15 + a14, 7); a13 ^= R(a12 + a15, 9); a14 ^= R(a13 + a12, 13); a15 ^= R(a14 + a13, 18);
            }

            x0 += a0; x1 += a1; x2 += a2; x3 += a3; x4 += a4; x5 += a5; x6 += a6; x7 += a7;
            x8 += a8; x9 += a9; x10 += a10; x11 += a11; x12 += a12; x13 += a13; x14 += a14; x15 += a15;

            // Even-numbered outputs fill the first half, odd-numbered the second.
            var o = output.Slice(((i & 1) * r + (i >> 1)) * 16, 16);
            o[15] = x15; o[0] = x0; o[1] = x1; o[2] = x2; o[3] = x3; o[4] = x4; o[5] = x5; o[6] = x6; o[7] = x7;
            o[8] = x8; o[9] = x9; o[10] = x10; o[11] = x11; o[12] = x12; o[13] = x13; o[14] = x14;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint R(uint value, int shift) => BitOperations.RotateLeft(value, shift);
}
