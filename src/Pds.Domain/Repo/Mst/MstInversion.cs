using Pds.Domain.Data;

namespace Pds.Domain.Repo.Mst;

/// <summary>The operations of a commit do not match the tree they claim to produce.</summary>
public sealed class MstInversionException(string message) : Exception(message);

/// <summary>
/// Operation inversion (sync 1.1): apply each record operation's inverse to the tree after a commit
/// (create becomes delete, update reverts to the previous CID, delete re-adds the previous CID). With
/// a complete and correct list of operations the result is the tree before the commit, whose root must
/// equal the event's <c>prevData</c>. Only the nodes the inverses touch are read, so the tree may be
/// loaded over just the blocks carried in the event.
/// </summary>
public static class MstInversion
{
    /// <exception cref="MstInversionException">An operation disagrees with the tree (wrong current value).</exception>
    /// <exception cref="MissingBlockException">The blocks needed to invert an operation are not available.</exception>
    public static async ValueTask<MstTree> InvertAsync(MstTree newTree, IEnumerable<RecordOp> ops, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newTree);
        ArgumentNullException.ThrowIfNull(ops);
        var tree = newTree;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in ops)
        {
            if (!seen.Add(op.Path))
            {
                throw new MstInversionException($"more than one operation on \"{op.Path}\"");
            }

            var current = await tree.GetAsync(op.Path, cancellationToken).ConfigureAwait(false);
            switch (op.Action)
            {
                case RecordAction.Create:
                    Expect(op, current, op.Cid);
                    tree = await tree.DeleteAsync(op.Path, cancellationToken).ConfigureAwait(false);
                    break;
                case RecordAction.Update:
                    Expect(op, current, op.Cid);
                    tree = await tree.UpdateAsync(op.Path, op.Prev!, cancellationToken).ConfigureAwait(false);
                    break;
                case RecordAction.Delete:
                    Expect(op, current, null);
                    tree = await tree.AddAsync(op.Path, op.Prev!, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(ops));
            }
        }

        return tree;
    }

    /// <summary>Inverts <paramref name="ops"/> and reports whether the result's root is <paramref name="prevData"/>.</summary>
    public static async ValueTask<bool> VerifyAsync(MstTree newTree, IEnumerable<RecordOp> ops, Cid prevData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prevData);
        var inverted = await InvertAsync(newTree, ops, cancellationToken).ConfigureAwait(false);
        return (await inverted.GetRootCidAsync(cancellationToken).ConfigureAwait(false)).Equals(prevData);
    }

    private static void Expect(RecordOp op, Cid? actual, Cid? expected)
    {
        if (!Equals(actual, expected))
        {
            throw new MstInversionException(
                $"{op.Action.ToString().ToLowerInvariant()} of \"{op.Path}\" expects {expected?.ToString() ?? "no record"} in the new tree, found {actual?.ToString() ?? "no record"}");
        }
    }
}
