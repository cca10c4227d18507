using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;

namespace Pds.Infrastructure.Persistence.Accounts;

/// <summary>
/// Accounts read by DID, shared by the requests of this process for
/// <see cref="DatabaseOptions.AccountCacheLifetime"/> (<c>PDS_ACCOUNT_CACHE_TTL_MS</c>).
/// Authentication reads the caller's account on nearly every request to check that it is not
/// taken down or deactivated; a writer then needs no round trip to the database for it.
/// </summary>
/// <remarks>
/// Every change this process makes to an account forgets the account twice: when the change is
/// made, and again when its transaction has ended (<see cref="PdsDatabase.AfterTransaction"/>).
/// A read takes a <see cref="Stamp"/> before it asks the database and is kept only if no account
/// was forgotten in between, so a read that saw the row before the change committed is never
/// kept past that commit. This process therefore never answers with an account older than its own
/// last change to it; another process sharing the database (PostgreSQL) sees a change within the
/// lifetime. Accounts not found are not kept.
/// </remarks>
public sealed class AccountCache
{
    /// <summary>Default bound on the number of accounts kept.</summary>
    public const int DefaultCapacity = 16_384;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly long _lifetimeTicks;
    private readonly int _capacity;
    private long _stamp;

    public AccountCache(DatabaseOptions options, TimeProvider clock)
        : this(options?.AccountCacheLifetime ?? throw new ArgumentNullException(nameof(options)), clock, DefaultCapacity)
    {
    }

    public AccountCache(TimeSpan lifetime, TimeProvider clock, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(lifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _clock = clock;
        _lifetimeTicks = lifetime.Ticks;
        _capacity = capacity;
    }

    /// <summary>Whether accounts are kept at all (a lifetime of zero turns the cache off).</summary>
    public bool Enabled => _lifetimeTicks > 0;

    public int Count => _entries.Count;

    /// <summary>Changes with every <see cref="Forget"/>; take it before reading the database for <see cref="Add"/>.</summary>
    public long Stamp => Volatile.Read(ref _stamp);

    /// <summary>The account, if it was read less than the lifetime ago and has not changed here since.</summary>
    public bool TryGet(string did, [NotNullWhen(true)] out AccountInfo? account)
    {
        if (_entries.TryGetValue(did, out var entry))
        {
            if (_clock.GetUtcNow().UtcTicks - entry.ReadAt < _lifetimeTicks)
            {
                account = entry.Account;
                return true;
            }

            _entries.TryRemove(KeyValuePair.Create(did, entry));
        }

        account = null;
        return false;
    }

    /// <summary>
    /// Keeps an account read from the database, unless an account was forgotten since
    /// <paramref name="stamp"/> was taken (the read may predate that change).
    /// </summary>
    public void Add(AccountInfo account, long stamp)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (!Enabled || stamp != Stamp)
        {
            return;
        }

        if (_entries.Count >= _capacity && !_entries.ContainsKey(account.Did))
        {
            // Crude but bounded: start again. A dropped account costs one read.
            _entries.Clear();
        }

        var entry = new Entry(account, _clock.GetUtcNow().UtcTicks);
        _entries[account.Did] = entry;
        if (stamp != Stamp)
        {
            // A change was made while this entry went in; Forget may have run before it arrived.
            _entries.TryRemove(KeyValuePair.Create(account.Did, entry));
        }
    }

    /// <summary>Drops the account, and makes every read begun before now unfit to keep.</summary>
    public void Forget(string did)
    {
        Interlocked.Increment(ref _stamp);
        _entries.TryRemove(did, out _);
    }

    private sealed class Entry(AccountInfo account, long readAt)
    {
        public AccountInfo Account { get; } = account;

        public long ReadAt { get; } = readAt;
    }
}
