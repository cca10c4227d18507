using System.Buffers;
using System.Text.Json;
using Pds.Domain.Crypto;
using Pds.Domain.Syntax;

namespace Pds.Domain.Identity;

/// <summary>A <c>verificationMethod</c> entry of a DID document.</summary>
public sealed record DidVerificationMethod(string Id, string Type, string Controller, string PublicKeyMultibase);

/// <summary>A <c>service</c> entry of a DID document (entries whose endpoint is not a string are not represented).</summary>
public sealed record DidService(string Id, string Type, string ServiceEndpoint);

/// <summary>
/// A DID document, as far as atproto reads it: <c>id</c>, <c>alsoKnownAs</c>,
/// <c>verificationMethod</c> and <c>service</c>. Built from PLC data exactly as the PLC directory
/// renders it, or parsed from any method's JSON (did:plc, did:web), with the atproto lookups:
/// signing key, PDS endpoint and claimed handle.
/// </summary>
public sealed class DidDocument
{
    public const string DidContext = "https://www.w3.org/ns/did/v1";
    public const string MultikeyContext = "https://w3id.org/security/multikey/v1";
    public const string P256Context = "https://w3id.org/security/suites/ecdsa-2019/v1";
    public const string Secp256k1Context = "https://w3id.org/security/suites/secp256k1-2019/v1";
    public const string MultikeyType = Multikey.VerificationMethodType;

    public DidDocument(
        string id,
        IEnumerable<string>? alsoKnownAs = null,
        IEnumerable<DidVerificationMethod>? verificationMethods = null,
        IEnumerable<DidService>? services = null,
        IEnumerable<string>? context = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        Id = id;
        AlsoKnownAs = alsoKnownAs?.ToArray() ?? [];
        VerificationMethods = verificationMethods?.ToArray() ?? [];
        Services = services?.ToArray() ?? [];
        Context = context?.ToArray() ?? [DidContext];
    }

    /// <summary>The <c>@context</c> array.</summary>
    public IReadOnlyList<string> Context { get; }

    public string Id { get; }

    public IReadOnlyList<string> AlsoKnownAs { get; }

    public IReadOnlyList<DidVerificationMethod> VerificationMethods { get; }

    public IReadOnlyList<DidService> Services { get; }

    /// <summary>
    /// The document the PLC directory serves for <paramref name="data"/>: the DID and Multikey
    /// contexts plus one suite context per recognised key curve, verification method ids fully
    /// qualified (<c>did#id</c>) and service ids relative (<c>#id</c>), in the data's order.
    /// </summary>
    public static DidDocument FromPlcData(PlcData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var context = new List<string> { DidContext, MultikeyContext };
        var methods = new List<DidVerificationMethod>(data.VerificationMethods.Count);
        foreach (var (keyId, didKey) in data.VerificationMethods)
        {
            // Keys of other types are still listed (verification methods may use any did:key), without a suite context.
            if (SignatureVerifier.TryGetCachedDidKey(didKey, out var key))
            {
                var suite = key.Type == KeyType.P256 ? P256Context : Secp256k1Context;
                if (!context.Contains(suite))
                {
                    context.Add(suite);
                }
            }

            var multibase = didKey.StartsWith(DidKey.Prefix, StringComparison.Ordinal) ? didKey[DidKey.Prefix.Length..] : didKey;
            methods.Add(new DidVerificationMethod($"{data.Did}#{keyId}", MultikeyType, data.Did, multibase));
        }

        var services = data.Services.Select(s => new DidService($"#{s.Key}", s.Value.Type, s.Value.Endpoint));
        return new DidDocument(data.Did, data.AlsoKnownAs, methods, services, context);
    }

    // ---- atproto lookups ----

    /// <summary>The verification method with this fragment (relative <c>#id</c> or <c>did#id</c>), first match.</summary>
    public DidVerificationMethod? FindVerificationMethod(string fragment) =>
        VerificationMethods.FirstOrDefault(m => IdMatches(m.Id, fragment));

    /// <summary>The service with this fragment and, when given, this type; first match.</summary>
    public DidService? FindService(string fragment, string? type = null) =>
        Services.FirstOrDefault(s => IdMatches(s.Id, fragment) && (type is null || s.Type == type));

    /// <summary>
    /// The atproto signing key as a did:key: the first <c>#atproto</c> verification method
    /// controlled by this DID whose key reads as a Multikey or a legacy 2019 key type.
    /// </summary>
    public string? GetSigningKey() => GetKey(PlcOperation.AtprotoVerificationMethod);

    /// <summary>
    /// The did:key of the first verification method with this fragment that this DID controls
    /// and whose key parses as a P-256 or secp256k1 key (Multikey, or a legacy 2019 type).
    /// </summary>
    public string? GetKey(string fragment)
    {
        foreach (var method in VerificationMethods)
        {
            if (!IdMatches(method.Id, fragment) || method.Controller != Id)
            {
                continue;
            }

            if (PublicKey.TryParseVerificationMethod(method.Type, method.PublicKeyMultibase, out var key))
            {
                return key.DidKey();
            }
        }

        return null;
    }

    /// <summary>
    /// The PDS location: the first <c>#atproto_pds</c> service of type
    /// <c>AtprotoPersonalDataServer</c> whose endpoint is an http(s) URL with only scheme, host and port.
    /// </summary>
    public string? GetPdsEndpoint()
    {
        foreach (var service in Services)
        {
            if (IdMatches(service.Id, PlcOperation.AtprotoPdsService)
                && service.Type == PlcOperation.AtprotoPdsServiceType
                && IsServiceOrigin(service.ServiceEndpoint))
            {
                return service.ServiceEndpoint;
            }
        }

        return null;
    }

    /// <summary>
    /// The claimed handle: the first <c>at://</c> alias whose remainder is a syntactically valid
    /// handle (normalized to lower case). It still has to be verified bidirectionally by handle resolution.
    /// </summary>
    public Handle? GetHandle()
    {
        foreach (var aka in AlsoKnownAs)
        {
            if (aka.StartsWith("at://", StringComparison.Ordinal) && Handle.TryParse(aka[5..], out var handle))
            {
                return handle;
            }
        }

        return null;
    }

    private bool IdMatches(string id, string fragment) =>
        (id.Length == fragment.Length + 1 && id[0] == '#' && id.AsSpan(1).SequenceEqual(fragment))
        || (id.Length == Id.Length + 1 + fragment.Length
            && id.StartsWith(Id, StringComparison.Ordinal)
            && id[Id.Length] == '#'
            && id.AsSpan(Id.Length + 1).SequenceEqual(fragment));

    private static bool IsServiceOrigin(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.UserInfo.Length == 0
        && uri.AbsolutePath == "/"
        && uri.Query.Length == 0
        && uri.Fragment.Length == 0
        && !endpoint.EndsWith('?')
        && !endpoint.EndsWith('#');

    // ---- JSON ----

    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteJson(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteStartArray("@context");
        foreach (var c in Context)
        {
            writer.WriteStringValue(c);
        }

        writer.WriteEndArray();
        writer.WriteString("id", Id);
        writer.WriteStartArray("alsoKnownAs");
        foreach (var aka in AlsoKnownAs)
        {
            writer.WriteStringValue(aka);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("verificationMethod");
        foreach (var m in VerificationMethods)
        {
            writer.WriteStartObject();
            writer.WriteString("id", m.Id);
            writer.WriteString("type", m.Type);
            writer.WriteString("controller", m.Controller);
            writer.WriteString("publicKeyMultibase", m.PublicKeyMultibase);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("service");
        foreach (var s in Services)
        {
            writer.WriteStartObject();
            writer.WriteString("id", s.Id);
            writer.WriteString("type", s.Type);
            writer.WriteString("serviceEndpoint", s.ServiceEndpoint);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Parses a DID document and checks that its <c>id</c> is the DID that was resolved.</summary>
    /// <exception cref="DidDocumentException">Malformed, or <c>id</c> is not <paramref name="expectedDid"/>.</exception>
    public static DidDocument Parse(string json, string expectedDid)
    {
        ArgumentNullException.ThrowIfNull(expectedDid);
        var doc = Parse(json);
        if (!string.Equals(doc.Id, expectedDid, StringComparison.Ordinal))
        {
            throw new DidDocumentException($"document id {doc.Id} does not match the resolved DID {expectedDid}");
        }

        return doc;
    }

    /// <summary>Parses a DID document. Unknown members are ignored; the atproto members must have the right shape when present.</summary>
    public static DidDocument Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Parse(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new DidDocumentException($"malformed JSON: {e.Message}", e);
        }
    }

    public static DidDocument Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new DidDocumentException("a DID document must be a JSON object");
        }

        var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String
            ? idElement.GetString()!
            : throw new DidDocumentException("a DID document needs a string \"id\"");
        if (!Did.IsValid(id))
        {
            throw new DidDocumentException("document id is not a valid DID");
        }

        var context = root.TryGetProperty("@context", out var ctx)
            ? ctx.ValueKind switch
            {
                JsonValueKind.String => [ctx.GetString()!],
                JsonValueKind.Array => ctx.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList(),
                _ => [],
            }
            : new List<string>();

        var alsoKnownAs = new List<string>();
        if (root.TryGetProperty("alsoKnownAs", out var aka))
        {
            foreach (var item in RequireArray(aka, "alsoKnownAs"))
            {
                alsoKnownAs.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new DidDocumentException("alsoKnownAs entries must be strings"));
            }
        }

        var methods = new List<DidVerificationMethod>();
        if (root.TryGetProperty("verificationMethod", out var vm))
        {
            foreach (var item in RequireArray(vm, "verificationMethod"))
            {
                // Entries may also be bare references (strings) to keys defined elsewhere; atproto keys are embedded objects.
                if (item.ValueKind == JsonValueKind.Object
                    && TryGetString(item, "id", out var mid)
                    && TryGetString(item, "type", out var mtype)
                    && TryGetString(item, "controller", out var controller)
                    && TryGetString(item, "publicKeyMultibase", out var multibase))
                {
                    methods.Add(new DidVerificationMethod(mid, mtype, controller, multibase));
                }
            }
        }

        var services = new List<DidService>();
        if (root.TryGetProperty("service", out var svc))
        {
            foreach (var item in RequireArray(svc, "service"))
            {
                // serviceEndpoint may be a map or a set in DID Core; atproto services use a URL string.
                if (item.ValueKind == JsonValueKind.Object
                    && TryGetString(item, "id", out var sid)
                    && TryGetString(item, "type", out var stype)
                    && TryGetString(item, "serviceEndpoint", out var endpoint))
                {
                    services.Add(new DidService(sid, stype, endpoint));
                }
            }
        }

        return new DidDocument(id, alsoKnownAs, methods, services, context);
    }

    private static JsonElement.ArrayEnumerator RequireArray(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray() : throw new DidDocumentException($"\"{name}\" must be an array");

    private static bool TryGetString(JsonElement obj, string name, out string value)
    {
        value = string.Empty;
        if (obj.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String)
        {
            value = e.GetString()!;
            return true;
        }

        return false;
    }
}

/// <summary>A DID document could not be read or does not belong to the DID that was resolved.</summary>
public sealed class DidDocumentException : FormatException
{
    public DidDocumentException()
    {
    }

    public DidDocumentException(string message)
        : base(message)
    {
    }

    public DidDocumentException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
