using Pds.Domain.Data;
using Pds.Domain.Events;

namespace Pds.Application.Common.Abstractions;

public static class SequencerExtensions
{
    /// <summary>Appends a firehose event (its DAG-CBOR payload, without seq) inside the current transaction.</summary>
    public static Task<long> AppendAsync(this ISequencer sequencer, RepoEvent repoEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequencer);
        ArgumentNullException.ThrowIfNull(repoEvent);
        var pending = PendingEvent.From(repoEvent);
        return sequencer.AppendAsync(repoEvent.Did.ToString(), pending.Type, pending.Bytes, cancellationToken);
    }
}
