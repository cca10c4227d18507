using Microsoft.EntityFrameworkCore;
using Pds.Domain.Identity;
using Pds.Infrastructure.Persistence;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Identity.EmbeddedPlc;

/// <summary>
/// A did:plc directory kept in the PDS's own database, for development and isolated networks.
/// New operations go through the same validation a public directory applies
/// (<see cref="PlcOpValidator.ValidateSubmission"/>): signatures, rotation-key authority, the
/// <c>prev</c> chain, recovery forks within 72 hours, tombstones and submission limits.
/// </summary>
public sealed class EmbeddedPlcDirectory(PdsDatabase database, TimeProvider clock)
{
    /// <summary>The DID's full log in acceptance order, nullified entries included; empty if unknown.</summary>
    public async Task<IReadOnlyList<PlcLogEntry>> GetAuditLogAsync(string did, CancellationToken cancellationToken = default)
    {
        var rows = await database.Context.PlcOperations.AsNoTracking()
            .Where(r => r.Did == did)
            .OrderBy(r => r.CreatedAt)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return rows.Select(ToEntry).ToList();
    }

    /// <summary>The verified current state, or null when the DID has no log here.</summary>
    public async Task<PlcLogState?> GetStateAsync(string did, CancellationToken cancellationToken = default)
    {
        var log = await GetAuditLogAsync(did, cancellationToken).ConfigureAwait(false);
        return log.Count == 0 ? null : PlcAuditLog.Verify(did, log);
    }

    /// <summary>Validates and stores a new operation for <paramref name="did"/>.</summary>
    /// <exception cref="PlcValidationException">The operation is rejected.</exception>
    public Task<PlcLogEntry> SubmitAsync(string did, PlcOperation operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return database.WriteAsync(
            async ct =>
            {
                await database.LockActorAsync("plc|" + did, ct).ConfigureAwait(false);
                var rows = await database.Context.PlcOperations
                    .Where(r => r.Did == did)
                    .OrderBy(r => r.CreatedAt)
                    .ToListAsync(ct)
                    .ConfigureAwait(false);

                // Entries are ordered by their timestamp, so each new one must be strictly later.
                var now = clock.GetUtcNow();
                if (rows.Count > 0)
                {
                    var last = new DateTimeOffset(DateTime.SpecifyKind(rows[^1].CreatedAt, DateTimeKind.Utc));
                    if (now <= last)
                    {
                        now = last.AddMilliseconds(1);
                    }
                }

                now = TruncateToMilliseconds(now);
                var acceptance = PlcOpValidator.ValidateSubmission(did, rows.Select(ToEntry).ToList(), operation, now);
                foreach (var row in rows.Where(r => acceptance.Nullified.Any(c => c.ToString() == r.Cid)))
                {
                    row.Nullified = true;
                }

                database.Context.PlcOperations.Add(new PlcOperationRow
                {
                    Did = did,
                    Cid = acceptance.Cid.ToString(),
                    Operation = acceptance.Operation.Cbor.ToArray(),
                    Nullified = false,
                    CreatedAt = now.UtcDateTime,
                });
                return new PlcLogEntry(did, acceptance.Operation, acceptance.Cid, false, now);
            },
            cancellationToken);
    }

    private static PlcLogEntry ToEntry(PlcOperationRow row)
    {
        var op = PlcOperation.FromCbor(row.Operation);
        return new PlcLogEntry(row.Did, op, op.Cid, row.Nullified, new DateTimeOffset(DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc)));
    }

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
