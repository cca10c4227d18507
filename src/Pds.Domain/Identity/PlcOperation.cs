using System.Collections.ObjectModel;
using System.Text.Json;
using Pds.Domain.Crypto;
using Pds.Domain.Data;

namespace Pds.Domain.Identity;

/// <summary>The three operation shapes a PLC log can hold.</summary>
public enum PlcOperationType
{
    /// <summary><c>plc_operation</c>: genesis (<c>prev: null</c>) or update.</summary>
    Operation,

    /// <summary><c>plc_tombstone</c>: permanently deactivates the DID (subject to the recovery window).</summary>
    Tombstone,

    /// <summary><c>create</c>: the deprecated genesis format, still valid as the first operation of old DIDs.</summary>
    LegacyCreate,
}

/// <summary>A <c>services</c> entry of a PLC operation.</summary>
public sealed record PlcService(string Type, string Endpoint)
{
    public LexMap ToLex() => LexValue.Map(("type", Type), ("endpoint", Endpoint));
}

/// <summary>
/// A did:plc operation, signed or unsigned. Immutable. The DAG-CBOR encoding (with or without
/// <c>sig</c>) defines what is signed, the operation CID and, for a genesis operation, the DID;
/// strings are kept exactly as received so that re-encoding reproduces the original bytes.
/// </summary>
public abstract class PlcOperation
{
    public const string OperationTypeName = "plc_operation";
    public const string TombstoneTypeName = "plc_tombstone";
    public const string LegacyCreateTypeName = "create";

    /// <summary>The <c>verificationMethods</c> entry holding the atproto repository signing key.</summary>
    public const string AtprotoVerificationMethod = "atproto";

    /// <summary>The <c>services</c> entry naming the account's PDS.</summary>
    public const string AtprotoPdsService = "atproto_pds";

    public const string AtprotoPdsServiceType = "AtprotoPersonalDataServer";

    private byte[]? _unsignedCbor;
    private byte[]? _cbor;
    private Cid? _cid;

    private protected PlcOperation(string? prev, string? signature)
    {
        if (prev is not null)
        {
            if (!Cid.TryParse(prev, out var prevCid))
            {
                throw new PlcValidationException(PlcValidationError.MalformedOperation, "prev is not a valid CID string");
            }

            PrevCid = prevCid;
        }

        Prev = prev;
        Signature = signature;
    }

    public abstract PlcOperationType Type { get; }

    public string TypeName => Type switch
    {
        PlcOperationType.Operation => OperationTypeName,
        PlcOperationType.Tombstone => TombstoneTypeName,
        _ => LegacyCreateTypeName,
    };

    /// <summary>The <c>prev</c> string exactly as in the operation; null for a genesis operation.</summary>
    public string? Prev { get; }

    public Cid? PrevCid { get; }

    /// <summary>The <c>sig</c> string; null while unsigned.</summary>
    public string? Signature { get; }

    public bool IsSigned => Signature is not null;

    public bool IsGenesis => Prev is null;

    /// <summary>
    /// The keys allowed to sign the next operation, in descending authority: <c>rotationKeys</c>,
    /// or <c>[recoveryKey, signingKey]</c> for a legacy create, or none for a tombstone.
    /// </summary>
    public abstract IReadOnlyList<string> RotationKeys { get; }

    /// <summary>DAG-CBOR of the operation without the <c>sig</c> field: the bytes that are signed.</summary>
    public ReadOnlyMemory<byte> UnsignedCbor => _unsignedCbor ??= DagCbor.Encode(ToLex(includeSignature: false));

    /// <summary>DAG-CBOR of the operation as it stands (with <c>sig</c> when signed).</summary>
    public ReadOnlyMemory<byte> Cbor => _cbor ??= IsSigned ? DagCbor.Encode(ToLex(includeSignature: true)) : UnsignedCbor.ToArray();

    /// <summary>The operation CID (dag-cbor, sha-256) over <see cref="Cbor"/>.</summary>
    public Cid Cid => _cid ??= Cid.ForDagCbor(Cbor.Span);

    /// <summary>The data-model form, with <c>sig</c> when signed.</summary>
    public LexMap ToLex() => ToLex(includeSignature: true);

    public abstract LexMap ToLex(bool includeSignature);

    /// <summary>The JSON form the PLC directory accepts and serves.</summary>
    public string ToJson() => LexJson.ToJsonString(ToLex());

    public void WriteJson(Utf8JsonWriter writer) => LexJson.Write(writer, ToLex());

    /// <summary>A copy of this operation carrying the given <c>sig</c> string.</summary>
    public abstract PlcOperation WithSignature(string signature);

    /// <summary>A copy carrying a compact (r || s, low-S) signature over <see cref="UnsignedCbor"/>.</summary>
    public PlcOperation WithSignature(ReadOnlySpan<byte> compactSignature)
    {
        if (compactSignature.Length != PlcSignature.CompactLength)
        {
            throw new ArgumentException($"a compact signature is {PlcSignature.CompactLength} bytes", nameof(compactSignature));
        }

        return WithSignature(PlcSignature.Encode(compactSignature));
    }

    /// <summary>
    /// Signs the operation with <paramref name="key"/> (which must be one of the rotation keys
    /// permitted to extend <see cref="Prev"/>, or of this operation's own for a genesis): ECDSA
    /// over SHA-256 of <see cref="UnsignedCbor"/>, compact low-S, base64url.
    /// </summary>
    public abstract PlcOperation Sign(IKeypair key);

    private protected string SignatureBy(IKeypair key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> signature = stackalloc byte[PlcSignature.CompactLength];
        if (!key.TrySign(UnsignedCbor.Span, signature))
        {
            throw new InvalidOperationException("the key did not produce a compact signature");
        }

        return PlcSignature.Encode(signature);
    }

    /// <summary>The document data this operation establishes for <paramref name="did"/>; null for a tombstone.</summary>
    public abstract PlcData? ToData(string did);

    // ---- parsing ----

    /// <summary>Reads an operation from its data-model form (decoded DAG-CBOR or plain JSON).</summary>
    /// <exception cref="PlcValidationException">With <see cref="PlcValidationError.MalformedOperation"/>.</exception>
    public static PlcOperation FromLex(LexValue value)
    {
        if (value is not LexMap map)
        {
            throw Malformed("an operation must be an object");
        }

        return map.GetString("type") switch
        {
            OperationTypeName => PlcRegularOperation.Read(map),
            TombstoneTypeName => PlcTombstoneOperation.Read(map),
            LegacyCreateTypeName => PlcLegacyCreateOperation.Read(map),
            null => throw Malformed("operation has no string \"type\""),
            var other => throw Malformed($"unknown operation type \"{other}\""),
        };
    }

    public static PlcOperation FromJson(JsonElement element) => FromLex(PlcJson.ToLex(element));

    public static PlcOperation FromJson(ReadOnlyMemory<byte> utf8Json)
    {
        using var doc = PlcJson.ParseDocument(utf8Json);
        return FromJson(doc.RootElement);
    }

    public static PlcOperation FromJson(string json) => FromJson(System.Text.Encoding.UTF8.GetBytes(json));

    public static PlcOperation FromCbor(ReadOnlyMemory<byte> cbor)
    {
        LexValue value;
        try
        {
            value = DagCbor.Decode(cbor);
        }
        catch (DataModelException e)
        {
            throw new PlcValidationException(PlcValidationError.MalformedOperation, e.Message, e);
        }

        return FromLex(value);
    }

    // ---- building ----

    /// <summary>
    /// An unsigned genesis operation. For atproto, <paramref name="verificationMethods"/> holds
    /// <c>atproto</c> (the repo signing did:key), <paramref name="alsoKnownAs"/> the <c>at://</c>
    /// handle, and <paramref name="services"/> <c>atproto_pds</c>.
    /// </summary>
    public static PlcRegularOperation CreateGenesis(
        IEnumerable<string> rotationKeys,
        IEnumerable<KeyValuePair<string, string>> verificationMethods,
        IEnumerable<string> alsoKnownAs,
        IEnumerable<KeyValuePair<string, PlcService>> services) =>
        new(rotationKeys, verificationMethods, alsoKnownAs, services, prev: null, signature: null);

    /// <summary>An unsigned atproto genesis operation: signing key, handle and PDS endpoint.</summary>
    public static PlcRegularOperation CreateAtprotoGenesis(IEnumerable<string> rotationKeys, string signingDidKey, string handle, string pdsEndpoint) =>
        CreateGenesis(
            rotationKeys,
            [new(AtprotoVerificationMethod, signingDidKey)],
            [EnsureAtUri(handle)],
            [new(AtprotoPdsService, new PlcService(AtprotoPdsServiceType, EnsureHttpScheme(pdsEndpoint)))]);

    /// <summary>An unsigned update extending the signed operation <paramref name="prev"/>, whose data it starts from.</summary>
    public static PlcRegularOperation CreateUpdate(PlcOperation prev, PlcOperationChanges changes)
    {
        ArgumentNullException.ThrowIfNull(prev);
        if (!prev.IsSigned)
        {
            throw new ArgumentException("the previous operation must be signed", nameof(prev));
        }

        var current = prev.Normalize()
            ?? throw new PlcValidationException(PlcValidationError.AfterTombstone, "a tombstone cannot be extended");
        return Update(current.RotationKeys, current.VerificationMethods, current.AlsoKnownAs, current.Services, prev.Cid, changes);
    }

    /// <summary>An unsigned update of <paramref name="current"/>, pointing at the operation <paramref name="prev"/>.</summary>
    public static PlcRegularOperation CreateUpdate(PlcData current, Cid prev, PlcOperationChanges changes)
    {
        ArgumentNullException.ThrowIfNull(current);
        return Update(current.RotationKeys, current.VerificationMethods, current.AlsoKnownAs, current.Services, prev, changes);
    }

    /// <summary>
    /// The equivalent <c>plc_operation</c> (a legacy create converted, keeping <c>prev</c> and
    /// <c>sig</c>); null for a tombstone.
    /// </summary>
    public abstract PlcRegularOperation? Normalize();

    private static PlcRegularOperation Update(
        IReadOnlyList<string> currentRotationKeys,
        IReadOnlyDictionary<string, string> currentVerificationMethods,
        IReadOnlyList<string> currentAlsoKnownAs,
        IReadOnlyDictionary<string, PlcService> currentServices,
        Cid prev,
        PlcOperationChanges changes)
    {
        ArgumentNullException.ThrowIfNull(prev);
        ArgumentNullException.ThrowIfNull(changes);
        var rotationKeys = changes.RotationKeys ?? currentRotationKeys;
        var verificationMethods = new OrderedDictionary<string, string>(changes.VerificationMethods ?? currentVerificationMethods, StringComparer.Ordinal);
        if (changes.SigningKey is not null)
        {
            verificationMethods[AtprotoVerificationMethod] = changes.SigningKey;
        }

        var alsoKnownAs = new List<string>(changes.AlsoKnownAs ?? currentAlsoKnownAs);
        if (changes.Handle is not null)
        {
            // Replace the first at:// alias in place (its position is its priority), else put the handle first.
            var uri = EnsureAtUri(changes.Handle);
            var index = alsoKnownAs.FindIndex(a => a.StartsWith("at://", StringComparison.Ordinal));
            if (index < 0)
            {
                alsoKnownAs.Insert(0, uri);
            }
            else
            {
                alsoKnownAs[index] = uri;
            }
        }

        var services = new OrderedDictionary<string, PlcService>(changes.Services ?? currentServices, StringComparer.Ordinal);
        if (changes.PdsEndpoint is not null)
        {
            services[AtprotoPdsService] = new PlcService(AtprotoPdsServiceType, EnsureHttpScheme(changes.PdsEndpoint));
        }

        return new PlcRegularOperation(rotationKeys, verificationMethods, alsoKnownAs, services, prev.ToString(), signature: null);
    }

    /// <summary>An unsigned tombstone deactivating the DID whose latest operation is <paramref name="prev"/>.</summary>
    public static PlcTombstoneOperation CreateTombstone(Cid prev)
    {
        ArgumentNullException.ThrowIfNull(prev);
        return new PlcTombstoneOperation(prev.ToString(), signature: null);
    }

    internal static string EnsureAtUri(string handle)
    {
        if (handle.StartsWith("at://", StringComparison.Ordinal))
        {
            return handle;
        }

        var bare = handle.Replace("http://", string.Empty, StringComparison.Ordinal).Replace("https://", string.Empty, StringComparison.Ordinal);
        return "at://" + bare;
    }

    internal static string EnsureHttpScheme(string endpoint) =>
        endpoint.StartsWith("http://", StringComparison.Ordinal) || endpoint.StartsWith("https://", StringComparison.Ordinal)
            ? endpoint
            : "https://" + endpoint;

    // ---- field readers shared by the three shapes (strict: unknown or missing fields are errors) ----

    private protected static PlcValidationException Malformed(string message) => new(PlcValidationError.MalformedOperation, message);

    private protected static void RequireOnlyFields(LexMap map, params string[] allowed)
    {
        foreach (var key in map.Entries.Keys)
        {
            if (Array.IndexOf(allowed, key) < 0)
            {
                throw Malformed($"unexpected field \"{key}\"");
            }
        }
    }

    private protected static string RequireString(LexMap map, string key) =>
        map[key] is LexString s ? s.Value : throw Malformed($"field \"{key}\" must be a string");

    private protected static string? ReadSignature(LexMap map) => map[key: "sig"] switch
    {
        null => null,
        LexString s => s.Value,
        _ => throw Malformed("field \"sig\" must be a string"),
    };

    private protected static string? ReadNullablePrev(LexMap map)
    {
        if (!map.TryGet("prev", out var prev))
        {
            // The key must be present even for genesis, with a null value: its absence changes the signed bytes.
            throw Malformed("field \"prev\" is required (null for a genesis operation)");
        }

        return prev switch
        {
            LexNull => null,
            LexString s => s.Value,
            _ => throw Malformed("field \"prev\" must be a CID string or null"),
        };
    }

    private protected static List<string> RequireStringArray(LexMap map, string key)
    {
        if (map[key] is not LexArray array)
        {
            throw Malformed($"field \"{key}\" must be an array of strings");
        }

        var list = new List<string>(array.Count);
        foreach (var item in array.Items)
        {
            list.Add(item is LexString s ? s.Value : throw Malformed($"field \"{key}\" must be an array of strings"));
        }

        return list;
    }

    private protected static LexMap RequireMap(LexMap map, string key) =>
        map[key] as LexMap ?? throw Malformed($"field \"{key}\" must be an object");
}

/// <summary>A <c>plc_operation</c>: genesis when <see cref="PlcOperation.Prev"/> is null, otherwise an update.</summary>
public sealed class PlcRegularOperation : PlcOperation
{
    internal PlcRegularOperation(
        IEnumerable<string> rotationKeys,
        IEnumerable<KeyValuePair<string, string>> verificationMethods,
        IEnumerable<string> alsoKnownAs,
        IEnumerable<KeyValuePair<string, PlcService>> services,
        string? prev,
        string? signature)
        : base(prev, signature)
    {
        ArgumentNullException.ThrowIfNull(rotationKeys);
        ArgumentNullException.ThrowIfNull(verificationMethods);
        ArgumentNullException.ThrowIfNull(alsoKnownAs);
        ArgumentNullException.ThrowIfNull(services);
        RotationKeys = rotationKeys.ToArray();
        VerificationMethods = new ReadOnlyDictionary<string, string>(new OrderedDictionary<string, string>(verificationMethods, StringComparer.Ordinal));
        AlsoKnownAs = alsoKnownAs.ToArray();
        Services = new ReadOnlyDictionary<string, PlcService>(new OrderedDictionary<string, PlcService>(services, StringComparer.Ordinal));
    }

    public override PlcOperationType Type => PlcOperationType.Operation;

    public override IReadOnlyList<string> RotationKeys { get; }

    public IReadOnlyDictionary<string, string> VerificationMethods { get; }

    public IReadOnlyList<string> AlsoKnownAs { get; }

    public IReadOnlyDictionary<string, PlcService> Services { get; }

    public override LexMap ToLex(bool includeSignature)
    {
        var entries = new OrderedDictionary<string, LexValue>(StringComparer.Ordinal)
        {
            ["type"] = OperationTypeName,
            ["rotationKeys"] = new LexArray(RotationKeys.Select(k => (LexValue)k).ToArray()),
            ["verificationMethods"] = VerificationMethodsToLex(),
            ["alsoKnownAs"] = new LexArray(AlsoKnownAs.Select(a => (LexValue)a).ToArray()),
            ["services"] = ServicesToLex(),
            ["prev"] = Prev is null ? LexValue.Null : Prev,
        };
        if (includeSignature && Signature is not null)
        {
            entries["sig"] = Signature;
        }

        return new LexMap(entries);
    }

    public override PlcRegularOperation Sign(IKeypair key) => WithSignature(SignatureBy(key));

    public override PlcRegularOperation WithSignature(string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return new PlcRegularOperation(RotationKeys, VerificationMethods, AlsoKnownAs, Services, Prev, signature);
    }

    public override PlcData ToData(string did) => new(did, RotationKeys, VerificationMethods, AlsoKnownAs, Services);

    public override PlcRegularOperation Normalize() => this;

    internal static PlcRegularOperation Read(LexMap map)
    {
        RequireOnlyFields(map, "type", "rotationKeys", "verificationMethods", "alsoKnownAs", "services", "prev", "sig");
        var rotationKeys = RequireStringArray(map, "rotationKeys");
        var alsoKnownAs = RequireStringArray(map, "alsoKnownAs");

        var verificationMethods = new List<KeyValuePair<string, string>>();
        foreach (var (id, key) in RequireMap(map, "verificationMethods").Entries)
        {
            verificationMethods.Add(new(id, key is LexString s ? s.Value : throw Malformed("verificationMethods values must be strings")));
        }

        var services = new List<KeyValuePair<string, PlcService>>();
        foreach (var (id, value) in RequireMap(map, "services").Entries)
        {
            if (value is not LexMap service)
            {
                throw Malformed("services values must be objects");
            }

            RequireOnlyFields(service, "type", "endpoint");
            services.Add(new(id, new PlcService(RequireString(service, "type"), RequireString(service, "endpoint"))));
        }

        return new PlcRegularOperation(rotationKeys, verificationMethods, alsoKnownAs, services, ReadNullablePrev(map), ReadSignature(map));
    }

    private LexMap VerificationMethodsToLex()
    {
        var entries = new OrderedDictionary<string, LexValue>(StringComparer.Ordinal);
        foreach (var (id, key) in VerificationMethods)
        {
            entries[id] = key;
        }

        return new LexMap(entries);
    }

    private LexMap ServicesToLex()
    {
        var entries = new OrderedDictionary<string, LexValue>(StringComparer.Ordinal);
        foreach (var (id, service) in Services)
        {
            entries[id] = service.ToLex();
        }

        return new LexMap(entries);
    }
}

/// <summary>A <c>plc_tombstone</c>: deactivates the DID. It names no keys, so nothing can extend it.</summary>
public sealed class PlcTombstoneOperation : PlcOperation
{
    internal PlcTombstoneOperation(string prev, string? signature)
        : base(prev ?? throw new ArgumentNullException(nameof(prev)), signature)
    {
    }

    public override PlcOperationType Type => PlcOperationType.Tombstone;

    public override IReadOnlyList<string> RotationKeys => [];

    public override LexMap ToLex(bool includeSignature)
    {
        var entries = new OrderedDictionary<string, LexValue>(StringComparer.Ordinal)
        {
            ["type"] = TombstoneTypeName,
            ["prev"] = Prev!,
        };
        if (includeSignature && Signature is not null)
        {
            entries["sig"] = Signature;
        }

        return new LexMap(entries);
    }

    public override PlcTombstoneOperation Sign(IKeypair key) => WithSignature(SignatureBy(key));

    public override PlcTombstoneOperation WithSignature(string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return new PlcTombstoneOperation(Prev!, signature);
    }

    public override PlcData? ToData(string did) => null;

    public override PlcRegularOperation? Normalize() => null;

    internal static PlcTombstoneOperation Read(LexMap map)
    {
        RequireOnlyFields(map, "type", "prev", "sig");
        var prev = map["prev"] is LexString s ? s.Value : throw Malformed("a tombstone's \"prev\" must be a CID string");
        return new PlcTombstoneOperation(prev, ReadSignature(map));
    }
}

/// <summary>
/// The deprecated <c>create</c> genesis format. It is read and verified as is (the DID of many
/// accounts is the hash of this form); its data is the equivalent regular operation's.
/// </summary>
public sealed class PlcLegacyCreateOperation : PlcOperation
{
    internal PlcLegacyCreateOperation(string signingKey, string recoveryKey, string handle, string service, string? signature)
        : base(prev: null, signature)
    {
        SigningKey = signingKey ?? throw new ArgumentNullException(nameof(signingKey));
        RecoveryKey = recoveryKey ?? throw new ArgumentNullException(nameof(recoveryKey));
        Handle = handle ?? throw new ArgumentNullException(nameof(handle));
        Service = service ?? throw new ArgumentNullException(nameof(service));
        RotationKeys = [RecoveryKey, SigningKey];
    }

    public override PlcOperationType Type => PlcOperationType.LegacyCreate;

    public string SigningKey { get; }

    public string RecoveryKey { get; }

    /// <summary>The bare handle (no <c>at://</c>).</summary>
    public string Handle { get; }

    /// <summary>The PDS URL.</summary>
    public string Service { get; }

    /// <summary>The recovery key has the higher authority, then the signing key.</summary>
    public override IReadOnlyList<string> RotationKeys { get; }

    public override LexMap ToLex(bool includeSignature)
    {
        var entries = new OrderedDictionary<string, LexValue>(StringComparer.Ordinal)
        {
            ["type"] = LegacyCreateTypeName,
            ["signingKey"] = SigningKey,
            ["recoveryKey"] = RecoveryKey,
            ["handle"] = Handle,
            ["service"] = Service,
            ["prev"] = LexValue.Null,
        };
        if (includeSignature && Signature is not null)
        {
            entries["sig"] = Signature;
        }

        return new LexMap(entries);
    }

    public override PlcLegacyCreateOperation Sign(IKeypair key) => WithSignature(SignatureBy(key));

    public override PlcLegacyCreateOperation WithSignature(string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return new PlcLegacyCreateOperation(SigningKey, RecoveryKey, Handle, Service, signature);
    }

    public override PlcData ToData(string did) => Normalize().ToData(did);

    public override PlcRegularOperation Normalize() => new(
        RotationKeys,
        [new(AtprotoVerificationMethod, SigningKey)],
        [EnsureAtUri(Handle)],
        [new(AtprotoPdsService, new PlcService(AtprotoPdsServiceType, EnsureHttpScheme(Service)))],
        prev: null,
        Signature);

    internal static PlcLegacyCreateOperation Read(LexMap map)
    {
        RequireOnlyFields(map, "type", "signingKey", "recoveryKey", "handle", "service", "prev", "sig");
        if (ReadNullablePrev(map) is not null)
        {
            throw Malformed("a legacy create operation must have \"prev\": null");
        }

        return new PlcLegacyCreateOperation(
            RequireString(map, "signingKey"),
            RequireString(map, "recoveryKey"),
            RequireString(map, "handle"),
            RequireString(map, "service"),
            ReadSignature(map));
    }
}

/// <summary>
/// Changes for <see cref="PlcOperation.CreateUpdate(PlcOperation, PlcOperationChanges)"/>. Unset
/// members keep the current value; whole-field replacements apply first, then the atproto shortcuts.
/// </summary>
public sealed record PlcOperationChanges
{
    public IReadOnlyList<string>? RotationKeys { get; init; }

    public IReadOnlyDictionary<string, string>? VerificationMethods { get; init; }

    public IReadOnlyList<string>? AlsoKnownAs { get; init; }

    public IReadOnlyDictionary<string, PlcService>? Services { get; init; }

    /// <summary>Sets <c>verificationMethods.atproto</c> (a did:key).</summary>
    public string? SigningKey { get; init; }

    /// <summary>Replaces the first <c>at://</c> alias (or prepends one); a bare handle gets the <c>at://</c> prefix.</summary>
    public string? Handle { get; init; }

    /// <summary>Sets <c>services.atproto_pds</c> to this endpoint.</summary>
    public string? PdsEndpoint { get; init; }
}
