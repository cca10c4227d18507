using Pds.Domain.Data;

namespace Pds.Domain.Identity;

/// <summary>The verified state of a DID after replaying its audit log.</summary>
/// <param name="Did">The DID.</param>
/// <param name="Head">The newest live operation (a tombstone when the DID is deactivated).</param>
/// <param name="Data">The current data; null when the DID is tombstoned.</param>
/// <param name="Entries">The verified log entries; their <c>nullified</c> flags agree with the recovery rules.</param>
public sealed record PlcLogState(string Did, PlcLogEntry Head, PlcData? Data, IReadOnlyList<PlcLogEntry> Entries)
{
    public bool IsTombstoned => Data is null;

    public Cid HeadCid => Head.Cid;

    /// <summary>The live operations, genesis first (the directory's <c>/{did}/log</c>).</summary>
    public IEnumerable<PlcOperation> ActiveOperations => Entries.Where(e => !e.Nullified).Select(e => e.Operation);

    /// <summary>The DID document for the current data; null when tombstoned.</summary>
    public DidDocument? ToDidDocument() => Data?.ToDidDocument();
}

/// <summary>
/// Full verification of a did:plc audit log (<c>GET /{did}/log/audit</c>), trusting nothing the
/// directory asserts: each entry's CID, the DID derivation from the genesis operation, every
/// signature against the keys permitted at that point, <c>prev</c> links, timestamp order,
/// recovery-window forks and the <c>nullified</c> flags, which are recomputed and compared.
/// </summary>
public static class PlcAuditLog
{
    /// <summary>Verifies the log of <paramref name="did"/> and returns its current state.</summary>
    /// <exception cref="PlcValidationException">The log is invalid; <see cref="PlcValidationException.Error"/> says why.</exception>
    public static PlcLogState Verify(string did, IReadOnlyList<PlcLogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(did);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            throw new PlcValidationException(PlcValidationError.MissingGenesis, "the audit log is empty");
        }

        var replay = new PlcLogReplay(did);
        foreach (var entry in entries)
        {
            if (entry.Did != did)
            {
                throw new PlcValidationException(PlcValidationError.InconsistentDid, $"log entry for {entry.Did} in the log of {did}");
            }

            if (entry.Operation.Cid != entry.Cid)
            {
                throw new PlcValidationException(PlcValidationError.CidMismatch, $"entry cid {entry.Cid} is not the operation's CID {entry.Operation.Cid}");
            }

            replay.Apply(replay.Check(entry.Operation, entry.CreatedAt), entry.CreatedAt);
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var computed = replay.Nodes[i].Nullified;
            if (entries[i].Nullified != computed)
            {
                throw new PlcValidationException(
                    PlcValidationError.NullifiedMismatch,
                    $"entry {entries[i].Cid} is marked nullified={entries[i].Nullified.ToString().ToLowerInvariant()} but the rules say {computed.ToString().ToLowerInvariant()}");
            }
        }

        var head = entries[replay.Head!.Position];
        return new PlcLogState(did, head, head.Operation.ToData(did), entries);
    }

    /// <summary>Verifies a log whose DID is taken from its first entry.</summary>
    public static PlcLogState Verify(IReadOnlyList<PlcLogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            throw new PlcValidationException(PlcValidationError.MissingGenesis, "the audit log is empty");
        }

        return Verify(entries[0].Did, entries);
    }

    /// <summary>Parses and verifies an audit log's JSON.</summary>
    public static PlcLogState Verify(string did, string auditLogJson) => Verify(did, PlcLogEntry.ParseAuditLog(auditLogJson));
}
