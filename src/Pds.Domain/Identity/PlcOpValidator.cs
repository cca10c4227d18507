using Pds.Domain.Crypto;
using Pds.Domain.Data;

namespace Pds.Domain.Identity;

/// <summary>The outcome of accepting an operation into a DID's log.</summary>
/// <param name="Operation">The accepted operation.</param>
/// <param name="Cid">Its CID.</param>
/// <param name="Prev">The operation it extends (null for genesis).</param>
/// <param name="Nullified">Existing operations this one nullifies (a fork within the recovery window), oldest first.</param>
/// <param name="KeyIndex">Index, in the extended operation's rotation keys (or the genesis operation's own), of the key that signed it.</param>
public sealed record PlcOpAcceptance(PlcOperation Operation, Cid Cid, Cid? Prev, IReadOnlyList<Cid> Nullified, int KeyIndex);

/// <summary>
/// The did:plc acceptance rules for one new operation given a DID's existing log: genesis hash,
/// signature by a permitted rotation key, <c>prev</c> naming a live (not nullified, not tombstone)
/// operation, strictly increasing timestamps, and recovery forks.
/// </summary>
/// <remarks>
/// Recovery: an operation may extend an earlier live operation P instead of the newest one, which
/// nullifies everything after P. It must be signed by a key of P's rotation keys with a lower
/// index (higher authority) than the key that signed P's current successor, and come at most
/// 72 hours (inclusive) after that successor. Keys are tried in order and the first that verifies
/// counts, so a duplicated key carries its highest authority.
/// </remarks>
public static class PlcOpValidator
{
    /// <summary>How long a higher-authority key may rewrite history after an operation.</summary>
    public static readonly TimeSpan RecoveryWindow = TimeSpan.FromHours(72);

    /// <summary>Largest DAG-CBOR encoding accepted for a new operation.</summary>
    public const int MaxOperationBytes = 7500;

    public const int MaxRotationKeys = 5;
    public const int MaxVerificationMethods = 10;
    public const int MaxAlsoKnownAs = 10;
    public const int MaxServices = 10;
    public const int MaxIdLength = 32;
    public const int MaxAlsoKnownAsLength = 258;
    public const int MaxDidKeyLength = 256;
    public const int MaxServiceTypeLength = 256;
    public const int MaxServiceEndpointLength = 512;

    /// <summary>
    /// Validates a newly submitted operation for <paramref name="did"/>, received at
    /// <paramref name="createdAt"/>: the submission limits of <see cref="CheckSubmission"/>, then
    /// the log rules of <see cref="Validate"/>. This is what a PLC directory runs on <c>POST /{did}</c>.
    /// </summary>
    /// <returns>What to store: the operation's CID and the CIDs it nullifies.</returns>
    /// <exception cref="PlcValidationException">The operation must be rejected; see <see cref="PlcValidationException.Error"/>.</exception>
    public static PlcOpAcceptance ValidateSubmission(string did, IReadOnlyList<PlcLogEntry> existing, PlcOperation proposed, DateTimeOffset createdAt)
    {
        CheckSubmission(proposed);
        return Validate(did, existing, proposed, createdAt);
    }

    /// <summary>
    /// Applies the log rules to <paramref name="proposed"/>, arriving at <paramref name="createdAt"/>,
    /// against the DID's stored audit log (all entries, nullified ones included, in acceptance
    /// order; their <c>nullified</c> flags are trusted and their signatures not re-checked, except
    /// the one signature a recovery fork must be compared with).
    /// </summary>
    /// <exception cref="PlcValidationException">The operation breaks a rule; see <see cref="PlcValidationException.Error"/>.</exception>
    public static PlcOpAcceptance Validate(string did, IReadOnlyList<PlcLogEntry> existing, PlcOperation proposed, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(proposed);
        var log = new PlcLogReplay(did);
        foreach (var entry in existing)
        {
            log.AddTrusted(entry);
        }

        return log.Check(proposed, createdAt);
    }

    /// <summary>
    /// Limits on newly submitted operations (stored logs may predate them): signed; not the
    /// legacy create format; at most 7500 bytes of DAG-CBOR; 1 to 5 distinct P-256/secp256k1
    /// rotation keys; at most 10 syntactically valid did:key verification methods, 10 distinct
    /// aliases and 10 services, with bounded lengths.
    /// </summary>
    public static void CheckSubmission(PlcOperation op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!op.IsSigned)
        {
            throw Malformed("operation is not signed");
        }

        if (op.Cbor.Length > MaxOperationBytes)
        {
            throw new PlcValidationException(PlcValidationError.OperationTooLarge, $"operation is {op.Cbor.Length} bytes of DAG-CBOR (max {MaxOperationBytes})");
        }

        switch (op)
        {
            case PlcLegacyCreateOperation:
                throw Malformed("the legacy create format is not accepted for new operations");
            case PlcTombstoneOperation:
                return;
            case PlcRegularOperation regular:
                CheckFields(regular);
                return;
        }
    }

    private static void CheckFields(PlcRegularOperation op)
    {
        if (op.RotationKeys.Count is 0 or > MaxRotationKeys)
        {
            throw Malformed($"an operation needs 1 to {MaxRotationKeys} rotation keys");
        }

        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in op.RotationKeys)
        {
            if (!seenKeys.Add(key))
            {
                throw Malformed($"duplicate rotation key {key}");
            }

            if (!DidKey.TryParse(key, out _))
            {
                throw Malformed($"rotation key {key} is not a P-256 or secp256k1 did:key");
            }
        }

        if (op.VerificationMethods.Count > MaxVerificationMethods)
        {
            throw Malformed($"too many verification methods (max {MaxVerificationMethods})");
        }

        foreach (var (id, key) in op.VerificationMethods)
        {
            if (id.Length is 0 or > MaxIdLength || id.StartsWith('#'))
            {
                throw Malformed($"invalid verification method id \"{id}\"");
            }

            if (key.Length > MaxDidKeyLength || !IsDidKeySyntax(key))
            {
                throw Malformed($"verification method {id} is not a valid did:key");
            }
        }

        if (op.AlsoKnownAs.Count > MaxAlsoKnownAs)
        {
            throw Malformed($"too many alsoKnownAs entries (max {MaxAlsoKnownAs})");
        }

        var seenAka = new HashSet<string>(StringComparer.Ordinal);
        foreach (var aka in op.AlsoKnownAs)
        {
            if (aka.Length > MaxAlsoKnownAsLength || !seenAka.Add(aka))
            {
                throw Malformed($"alsoKnownAs entry too long or duplicated: {aka}");
            }
        }

        if (op.Services.Count > MaxServices)
        {
            throw Malformed($"too many services (max {MaxServices})");
        }

        foreach (var (id, service) in op.Services)
        {
            if (id.Length is 0 or > MaxIdLength || id.StartsWith('#')
                || service.Type.Length > MaxServiceTypeLength || service.Endpoint.Length > MaxServiceEndpointLength)
            {
                throw Malformed($"service \"{id}\" has an invalid id, type or endpoint length");
            }
        }
    }

    /// <summary>
    /// Verification methods may hold keys of any type, but must be syntactically did:key:
    /// the prefix, then base58btc multibase (<c>z</c>) of a multicodec-prefixed key.
    /// </summary>
    private static bool IsDidKeySyntax(string key) =>
        key.StartsWith(DidKey.Prefix, StringComparison.Ordinal)
        && key.Length > DidKey.Prefix.Length + 1
        && key[DidKey.Prefix.Length] == 'z'
        && Base58.TryDecode(key.AsSpan(DidKey.Prefix.Length + 1), out var bytes)
        && bytes.Length > 2;

    private static PlcValidationException Malformed(string message) => new(PlcValidationError.MalformedOperation, message);
}

/// <summary>
/// The accepted operations of one DID with their nullification state, replayed in order; checks
/// and applies one operation at a time.
/// </summary>
internal sealed class PlcLogReplay(string did)
{
    private readonly List<Node> _nodes = [];
    private readonly Dictionary<Cid, Node> _byCid = [];

    public string Did { get; } = did ?? throw new ArgumentNullException(nameof(did));

    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>The newest live operation.</summary>
    public Node? Head
    {
        get
        {
            for (var i = _nodes.Count - 1; i >= 0; i--)
            {
                if (!_nodes[i].Nullified)
                {
                    return _nodes[i];
                }
            }

            return null;
        }
    }

    /// <summary>Adds a stored entry without re-validating it (its signer is looked up only if a fork needs it).</summary>
    public void AddTrusted(PlcLogEntry entry)
    {
        if (entry.Did != Did)
        {
            throw new PlcValidationException(PlcValidationError.InconsistentDid, $"log entry for {entry.Did} in the log of {Did}");
        }

        var node = new Node(entry.Operation, entry.Cid, entry.CreatedAt, _nodes.Count) { Nullified = entry.Nullified };
        _nodes.Add(node);
        _byCid[node.Cid] = node;
    }

    /// <summary>Records an operation that <see cref="Check"/> accepted.</summary>
    public void Apply(PlcOpAcceptance acceptance, DateTimeOffset createdAt)
    {
        foreach (var cid in acceptance.Nullified)
        {
            _byCid[cid].Nullified = true;
        }

        var node = new Node(acceptance.Operation, acceptance.Cid, createdAt, _nodes.Count) { SignerIndex = acceptance.KeyIndex };
        _nodes.Add(node);
        _byCid[node.Cid] = node;
    }

    /// <summary>Decides whether <paramref name="op"/>, arriving at <paramref name="createdAt"/>, may join the log.</summary>
    public PlcOpAcceptance Check(PlcOperation op, DateTimeOffset createdAt)
    {
        if (!op.IsSigned)
        {
            throw new PlcValidationException(PlcValidationError.MalformedOperation, "operation is not signed");
        }

        if (_nodes.Count == 0)
        {
            return CheckGenesis(op);
        }

        if (op.PrevCid is not { } prevCid)
        {
            throw new PlcValidationException(PlcValidationError.UnexpectedGenesis, $"{Did} already exists; only operations with a prev can follow");
        }

        if (!_byCid.TryGetValue(prevCid, out var prev))
        {
            throw new PlcValidationException(PlcValidationError.PrevNotFound, $"prev {prevCid} is not an operation of {Did}");
        }

        if (prev.Nullified)
        {
            throw new PlcValidationException(PlcValidationError.PrevNullified, $"prev {prevCid} has been nullified");
        }

        if (prev.Operation.Type == PlcOperationType.Tombstone)
        {
            throw new PlcValidationException(PlcValidationError.AfterTombstone, $"{Did} is tombstoned; prev {prevCid} is a tombstone");
        }

        var keys = prev.Operation.RotationKeys;
        var signature = PlcSignature.DecodeCompact(op.Signature);

        // The live operations after prev: the ones a fork from prev nullifies.
        var followers = _nodes.Skip(prev.Position + 1).Where(n => !n.Nullified).ToList();
        if (followers.Count == 0)
        {
            var index = FindSigner(keys, op, signature);
            if (index < 0)
            {
                throw new PlcValidationException(PlcValidationError.InvalidSignature, "signature does not verify against any rotation key of prev");
            }

            if (createdAt <= prev.CreatedAt)
            {
                throw new PlcValidationException(PlcValidationError.TimestampOrder, "operation timestamp is not after prev");
            }

            return new PlcOpAcceptance(op, op.Cid, prevCid, [], index);
        }

        var disputed = followers[0];
        var disputedSigner = disputed.SignerIndex ??= FindSigner(keys, disputed.Operation, PlcSignature.DecodeCompact(disputed.Operation.Signature));
        if (disputedSigner < 0)
        {
            throw new PlcValidationException(PlcValidationError.InvalidSignature, $"stored operation {disputed.Cid} is not signed by a rotation key of its prev");
        }

        var signer = FindSigner(keys, op, signature, end: disputedSigner);
        if (signer < 0)
        {
            var any = FindSigner(keys, op, signature, start: disputedSigner);
            throw any >= 0
                ? new PlcValidationException(PlcValidationError.InsufficientKeyAuthority, $"rotation key {any} cannot nullify an operation signed by rotation key {disputedSigner}")
                : new PlcValidationException(PlcValidationError.InvalidSignature, "signature does not verify against any rotation key of prev");
        }

        if (createdAt <= Head!.CreatedAt)
        {
            throw new PlcValidationException(PlcValidationError.TimestampOrder, "operation timestamp is not after the latest operation");
        }

        if (createdAt - disputed.CreatedAt > PlcOpValidator.RecoveryWindow)
        {
            throw new PlcValidationException(PlcValidationError.RecoveryWindowExpired, $"operation {disputed.Cid} is older than the {PlcOpValidator.RecoveryWindow.TotalHours}h recovery window");
        }

        return new PlcOpAcceptance(op, op.Cid, prevCid, followers.Select(f => f.Cid).ToList(), signer);
    }

    private PlcOpAcceptance CheckGenesis(PlcOperation op)
    {
        if (!op.IsGenesis || op.Type == PlcOperationType.Tombstone)
        {
            throw new PlcValidationException(PlcValidationError.MissingGenesis, $"{Did} has no genesis operation; the first operation must have prev null");
        }

        var derived = PlcDid.Derive(op);
        if (derived != Did)
        {
            throw new PlcValidationException(PlcValidationError.DidMismatch, $"genesis operation hashes to {derived}, not {Did}");
        }

        var signature = PlcSignature.DecodeCompact(op.Signature);
        var index = FindSigner(op.RotationKeys, op, signature);
        if (index < 0)
        {
            throw new PlcValidationException(PlcValidationError.InvalidSignature, "genesis signature does not verify against its own rotation keys");
        }

        return new PlcOpAcceptance(op, op.Cid, null, [], index);
    }

    /// <summary>Index of the first key in [start, end) that verifies the signature over the unsigned operation, or -1.</summary>
    private static int FindSigner(IReadOnlyList<string> keys, PlcOperation op, byte[] signature, int start = 0, int end = int.MaxValue)
    {
        var data = op.UnsignedCbor.Span;
        for (var i = start; i < Math.Min(end, keys.Count); i++)
        {
            if (SignatureVerifier.Verify(keys[i], data, signature))
            {
                return i;
            }
        }

        return -1;
    }

    internal sealed class Node(PlcOperation operation, Cid cid, DateTimeOffset createdAt, int position)
    {
        public PlcOperation Operation { get; } = operation;

        public Cid Cid { get; } = cid;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public int Position { get; } = position;

        public bool Nullified { get; set; }

        /// <summary>Index of the signing key among the rotation keys of the operation this one extends, once known.</summary>
        public int? SignerIndex { get; set; }
    }
}
