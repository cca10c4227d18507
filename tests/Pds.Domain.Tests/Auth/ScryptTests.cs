using System.Text;
using CsCheck;
using Pds.Domain.Auth;

namespace Pds.Domain.Tests.Auth;

public sealed class ScryptTests
{
    // RFC 7914's vector at the parameters passwords use (N = 16384, r = 8, p = 1, 64 bytes).
    private static (byte[] Password, byte[] Salt, byte[] Expected) PasswordParametersVector() =>
        (Encoding.ASCII.GetBytes("pleaseletmein"),
         Encoding.ASCII.GetBytes("SodiumChloride"),
         Convert.FromHexString("7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"));

    public static TheoryData<string, string, int, int, int, string> Rfc7914Vectors() => new()
    {
        // RFC 7914 section 12.
        {
            "", "", 16, 1, 1,
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"
        },
        {
            "password", "NaCl", 1024, 8, 16,
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
        },
        {
            "pleaseletmein", "SodiumChloride", 16384, 8, 1,
            "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"
        },
    };

    [Theory]
    [MemberData(nameof(Rfc7914Vectors))]
    public async Task DeriveKeyAsync_Rfc7914Vectors_MatchKnownAnswers(string password, string salt, int n, int r, int p, string expectedHex)
    {
        var output = new byte[64];

        await Scrypt.DeriveKeyAsync(Encoding.ASCII.GetBytes(password), Encoding.ASCII.GetBytes(salt), n, r, p, output);

        Assert.Equal(expectedHex, Convert.ToHexStringLower(output));
    }

    [Fact]
    public async Task DeriveKeyAsync_RandomInputs_MatchesBouncyCastle()
    {
        await Gen.Select(Gen.Byte.Array[0, 40], Gen.Byte.Array[0, 40], Gen.Int[1, 6], Gen.Int[1, 4], Gen.Int[1, 3], Gen.Int[1, 100])
            .SampleAsync(async (password, salt, logN, r, p, length) =>
            {
                var n = 1 << logN;
                var output = new byte[length];
                await Scrypt.DeriveKeyAsync(password, salt, n, r, p, output);
                var expected = Org.BouncyCastle.Crypto.Generators.SCrypt.Generate(password, salt, n, r, p, length);
                Assert.Equal(expected, output);
            }, iter: 200);
    }

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(1, 1, 1)]
    [InlineData(12, 1, 1)]
    [InlineData(16, 0, 1)]
    [InlineData(16, 1, 0)]
    public void DeriveKeyAsync_InvalidParameters_ThrowsAtOnce(int n, int r, int p)
    {
        // Before anything is queued: the caller gets the exception, not a faulted task.
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Scrypt.DeriveKeyAsync([1], [2], n, r, p, new byte[16]); });
    }

    [Fact]
    public async Task DeriveKeyAsync_ManyFromManyThreadsAtOnce_RunsAtMostOnePerCoreAndStaysCorrect()
    {
        // Each derivation at password parameters holds 16 MiB; a burst of logins must not hold
        // that once per request. Requests arrive on many threads at once: threads released
        // together ask at the same moment, and still no more than one derivation per core runs.
        var password = Encoding.ASCII.GetBytes("hunter22");
        var salt = Encoding.ASCII.GetBytes("NaCl");
        var expected = Org.BouncyCastle.Crypto.Generators.SCrypt.Generate(password, salt, 4096, 8, 1, 32);
        var count = Scrypt.Concurrency * 4;
        var outputs = Enumerable.Range(0, count).Select(_ => new byte[32]).ToArray();
        var tasks = new Task[count];
        using var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            tasks[i] = Scrypt.DeriveKeyAsync(password, salt, 4096, 8, 1, outputs[i]);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        await Task.WhenAll(tasks);

        Assert.All(outputs, o => Assert.Equal(expected, o));
        Assert.InRange(Scrypt.PeakConcurrency, 1, Scrypt.Concurrency);
    }

    [Fact]
    public async Task DeriveKeyAsync_ManyFromOneThread_ReturnsAtOnceAndDerivesEachOnTheHashingThreads()
    {
        // A request asking for a derivation holds no thread while it waits or runs: one thread asks
        // for four per core at the parameters passwords use, and is back before they are done.
        var (password, salt, expected) = PasswordParametersVector();
        var outputs = Enumerable.Range(0, Scrypt.Concurrency * 4).Select(_ => new byte[64]).ToList();

        var tasks = outputs.ConvertAll(output => Scrypt.DeriveKeyAsync(password, salt, 16384, 8, 1, output));

        Assert.Contains(tasks, t => !t.IsCompleted);
        await Task.WhenAll(tasks);
        Assert.All(outputs, o => Assert.Equal(expected, o));
        Assert.InRange(Scrypt.PeakConcurrency, 1, Scrypt.Concurrency);
    }

    [Fact]
    public async Task DeriveKeyAsync_CancelledBeforeItStarts_NeverRuns()
    {
        // A login whose client has gone while it waited for a hashing thread costs no derivation.
        var (password, salt, _) = PasswordParametersVector();
        var ahead = Enumerable.Range(0, Scrypt.Concurrency * 2)
            .Select(_ => Scrypt.DeriveKeyAsync(password, salt, 16384, 8, 1, new byte[64]))
            .ToList();
        using var cancel = new CancellationTokenSource();
        var output = new byte[64];

        var queued = Scrypt.DeriveKeyAsync(password, salt, 16384, 8, 1, output, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        await Task.WhenAll(ahead);
        Assert.All(output, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task DeriveKeyAsync_PasswordParametersManyAtOnce_KeepsAtMostOneScratchAreaPerHashingThread()
    {
        // At the parameters passwords use (16 MiB of scratch each), areas are reused, not
        // allocated per hash, and no more are kept than derivations may run at once.
        var (password, salt, expected) = PasswordParametersVector();
        var outputs = Enumerable.Range(0, Scrypt.Concurrency * 3).Select(_ => new byte[64]).ToList();

        await Task.WhenAll(outputs.ConvertAll(output => Scrypt.DeriveKeyAsync(password, salt, 16384, 8, 1, output)));

        Assert.All(outputs, o => Assert.Equal(expected, o));
        Assert.InRange(Scrypt.PooledScratchAreas, 1, Scrypt.Concurrency);
    }

    [Fact]
    public async Task DeriveKeyAsync_PasswordParameters_GivesTheScratchAreasBackOnceIdle_AndStillDerivesAfterwards()
    {
        // Between bursts of logins an idle server need not hold 16 MiB per core: once no
        // derivation has run for IdleRelease, the kept areas go back to the system.
        var (password, salt, expected) = PasswordParametersVector();
        var previous = Scrypt.IdleRelease;
        Scrypt.IdleRelease = TimeSpan.FromMilliseconds(200);
        try
        {
            var output = new byte[64];
            await Scrypt.DeriveKeyAsync(password, salt, 16384, 8, 1, output);
            Assert.Equal(expected, output);

            // Other test classes may hash passwords meanwhile; they stop eventually.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Scrypt.PooledScratchAreas > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.Equal(0, Scrypt.PooledScratchAreas);

            // The next derivation maps a fresh area.
            output = new byte[64];
            await Scrypt.DeriveKeyAsync(password, salt, 16384, 8, 1, output);
            Assert.Equal(expected, output);
        }
        finally
        {
            Scrypt.IdleRelease = previous;
        }
    }

    [Fact]
    public void ScratchArea_HoldsWhatIsWritten_AndRefusesUseOnceDisposed()
    {
        var area = ScratchArea.Allocate(4 * 1024 * 1024);
        var span = area.Span;
        for (var i = 0; i < span.Length; i += 1024)
        {
            span[i] = (uint)i;
        }

        for (var i = 0; i < span.Length; i += 1024)
        {
            Assert.Equal((uint)i, area.Span[i]);
        }

        area.Dispose();
        area.Dispose();
        Assert.Throws<ObjectDisposedException>(() => area.Span.Length);
    }
}
