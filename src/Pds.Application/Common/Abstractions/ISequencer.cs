namespace Pds.Application.Common.Abstractions;

/// <summary>
/// The event log behind the firehose (the reference PDS's sequencer). Events are appended inside
/// the transaction of the change they record, so an event exists if and only if its change does.
/// </summary>
public interface ISequencer
{
    /// <summary>
    /// Appends an event inside the current write transaction and returns its sequence number.
    /// Throws <see cref="InvalidOperationException"/> when called outside a transaction.
    /// </summary>
    Task<long> AppendAsync(string did, string eventType, ReadOnlyMemory<byte> eventBytes, CancellationToken cancellationToken = default);

    /// <summary>Committed events with a sequence number greater than <paramref name="cursor"/>, in order.</summary>
    Task<IReadOnlyList<SequencedEvent>> ReadAfterAsync(long cursor, int limit, CancellationToken cancellationToken = default);

    /// <summary>Removes an account's earlier events (on account deletion), inside the current transaction.</summary>
    Task DeleteForAccountAsync(string did, CancellationToken cancellationToken = default);

    /// <summary>The first sequence number of an event sequenced at or after <paramref name="since"/>; null when none is.</summary>
    Task<long?> FirstSeqSinceAsync(DateTime since, CancellationToken cancellationToken = default);

    /// <summary>The highest committed sequence number, or null when the log is empty.</summary>
    Task<long?> CurrentAsync(CancellationToken cancellationToken = default);
}

/// <summary>One event of the log: type is <c>commit</c>, <c>sync</c>, <c>identity</c> or <c>account</c>; bytes are DAG-CBOR.</summary>
public sealed record SequencedEvent(long Seq, string Did, string EventType, byte[] Event, DateTime SequencedAt, bool Invalidated);
