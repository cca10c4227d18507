using System.Collections.Concurrent;
using System.Text.Json;
using Mediator;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Application.Common.Errors;

namespace Pds.Application.Common.RateLimits;

/// <summary>A named budget: <see cref="Points"/> per fixed <see cref="Window"/>.</summary>
public sealed record RateLimitPolicy(string Name, TimeSpan Window, int Points);

/// <summary>What one request costs against one policy, and whose budget it spends.</summary>
public sealed record RateLimitCharge(RateLimitPolicy Policy, string Key, int Points = 1);

/// <summary>A budget after a charge.</summary>
public sealed record RateLimitStatus(RateLimitPolicy Policy, int Remaining, DateTimeOffset ResetAt)
{
    public bool Exceeded => Remaining < 0;
}

/// <summary>Counts spent points per policy and key in fixed windows: in memory, or shared (Redis).</summary>
public interface IRateLimiter
{
    /// <summary>Spends <paramref name="points"/>; null when the limiter could not answer (limits then do not apply).</summary>
    ValueTask<RateLimitStatus?> ConsumeAsync(RateLimitPolicy policy, string key, int points, CancellationToken cancellationToken = default);
}

/// <summary>A use case whose requests spend rate-limit budgets.</summary>
public interface IRateLimited
{
    IEnumerable<RateLimitCharge> RateLimitCharges(IRequestContext request);
}

/// <summary>The reference PDS's limits.</summary>
public static class RateLimitPolicies
{
    public static readonly RateLimitPolicy GlobalIp = new("global-ip", TimeSpan.FromMinutes(5), 3000);

    // Repository writes, per account: creates cost 3, updates 2, deletes 1.
    public static readonly RateLimitPolicy RepoWriteHour = new("repo-write-hour", TimeSpan.FromHours(1), 5000);
    public static readonly RateLimitPolicy RepoWriteDay = new("repo-write-day", TimeSpan.FromDays(1), 35000);

    public static readonly RateLimitPolicy CreateSession5Min = new("create-session-5min", TimeSpan.FromMinutes(5), 30);
    public static readonly RateLimitPolicy CreateSessionDay = new("create-session-day", TimeSpan.FromDays(1), 300);
    public static readonly RateLimitPolicy CreateAccount = new("create-account", TimeSpan.FromMinutes(5), 100);
    public static readonly RateLimitPolicy UpdateHandle5Min = new("update-handle-5min", TimeSpan.FromMinutes(5), 10);
    public static readonly RateLimitPolicy UpdateHandleDay = new("update-handle-day", TimeSpan.FromDays(1), 50);
    public static readonly RateLimitPolicy PasswordReset = new("password-reset", TimeSpan.FromHours(1), 15);
    public static readonly RateLimitPolicy DeleteAccount = new("delete-account", TimeSpan.FromMinutes(5), 50);

    public static IEnumerable<RateLimitCharge> RepoWrite(IRequestContext request, int points)
    {
        if (request.Credentials?.Did is { } did)
        {
            yield return new RateLimitCharge(RepoWriteHour, did, points);
            yield return new RateLimitCharge(RepoWriteDay, did, points);
        }
    }

    /// <summary>Applies-writes cost: the sum over its writes.</summary>
    public static int WritePoints(IEnumerable<JsonElement> writes) => writes.Sum(w =>
        w.ValueKind == JsonValueKind.Object && w.TryGetProperty("$type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString() switch
            {
                "com.atproto.repo.applyWrites#create" => 3,
                "com.atproto.repo.applyWrites#update" => 2,
                _ => 1,
            }
            : 1);
}

/// <summary>Per-request rate-limit state: whether this request skips limits, and its tightest budget.</summary>
public sealed class RateLimitOutcome
{
    public bool Bypass { get; set; }

    public RateLimitStatus? Tightest { get; private set; }

    public void Record(RateLimitStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (Tightest is null || status.Remaining < Tightest.Remaining)
        {
            Tightest = status;
        }
    }
}

/// <summary>429 <c>RateLimitExceeded</c>, with the budget that ran out (its headers go on the response).</summary>
public sealed class RateLimitExceededException : Exception
{
    public RateLimitExceededException(RateLimitStatus status)
        : base("Rate Limit Exceeded")
    {
        Status = status;
    }

    public RateLimitExceededException()
        : base("Rate Limit Exceeded")
    {
        Status = new RateLimitStatus(RateLimitPolicies.GlobalIp, -1, DateTimeOffset.UtcNow);
    }

    public RateLimitExceededException(string message)
        : this()
    {
    }

    public RateLimitExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = new RateLimitStatus(RateLimitPolicies.GlobalIp, -1, DateTimeOffset.UtcNow);
    }

    public RateLimitStatus Status { get; }

    public XrpcException ToXrpc() => new(429, XrpcErrorNames.RateLimitExceeded, Message);
}

/// <summary>Spends a use case's budgets before it runs, when limits are enabled and the request is not exempt.</summary>
public sealed class RateLimitBehavior<TMessage, TResponse>(IRateLimiter limiter, IRequestContext request, PdsOptions options, RateLimitOutcome outcome)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (message is IRateLimited limited && options.Limits.RateLimitsEnabled && !outcome.Bypass)
        {
            foreach (var charge in limited.RateLimitCharges(request))
            {
                if (await limiter.ConsumeAsync(charge.Policy, charge.Key, charge.Points, cancellationToken).ConfigureAwait(false) is not { } status)
                {
                    continue;
                }

                outcome.Record(status);
                if (status.Exceeded)
                {
                    throw new RateLimitExceededException(status);
                }
            }
        }

        return await next(message, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Fixed-window counters in this process's memory.</summary>
public sealed class MemoryRateLimiter(TimeProvider clock) : IRateLimiter
{
    private const int SweepEvery = 10_000;
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private int _operations;

    public ValueTask<RateLimitStatus?> ConsumeAsync(RateLimitPolicy policy, string key, int points, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var now = clock.GetUtcNow();
        var window = now.ToUnixTimeMilliseconds() / (long)policy.Window.TotalMilliseconds;
        var resetAt = DateTimeOffset.FromUnixTimeMilliseconds((window + 1) * (long)policy.Window.TotalMilliseconds);
        var counter = _counters.GetOrAdd($"{policy.Name}\n{key}\n{window}", _ => new Counter(resetAt));
        var spent = Interlocked.Add(ref counter.Spent, points);
        if (Interlocked.Increment(ref _operations) % SweepEvery == 0)
        {
            foreach (var (name, expired) in _counters)
            {
                if (expired.ResetAt <= now)
                {
                    _counters.TryRemove(name, out _);
                }
            }
        }

        return ValueTask.FromResult<RateLimitStatus?>(new RateLimitStatus(policy, (int)Math.Clamp(policy.Points - spent, int.MinValue, int.MaxValue), resetAt));
    }

    private sealed class Counter(DateTimeOffset resetAt)
    {
        public long Spent;

        public DateTimeOffset ResetAt { get; } = resetAt;
    }
}
