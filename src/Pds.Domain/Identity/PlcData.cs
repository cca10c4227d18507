using System.Collections.ObjectModel;
using System.Text.Json;
using Pds.Domain.Data;

namespace Pds.Domain.Identity;

/// <summary>
/// The current state of a did:plc identity (the directory's <c>/{did}/data</c> form): the DID and
/// the four data fields of its latest operation.
/// </summary>
public sealed class PlcData
{
    public PlcData(
        string did,
        IEnumerable<string> rotationKeys,
        IEnumerable<KeyValuePair<string, string>> verificationMethods,
        IEnumerable<string> alsoKnownAs,
        IEnumerable<KeyValuePair<string, PlcService>> services)
    {
        ArgumentNullException.ThrowIfNull(did);
        ArgumentNullException.ThrowIfNull(rotationKeys);
        ArgumentNullException.ThrowIfNull(verificationMethods);
        ArgumentNullException.ThrowIfNull(alsoKnownAs);
        ArgumentNullException.ThrowIfNull(services);
        Did = did;
        RotationKeys = rotationKeys.ToArray();
        VerificationMethods = new ReadOnlyDictionary<string, string>(new OrderedDictionary<string, string>(verificationMethods, StringComparer.Ordinal));
        AlsoKnownAs = alsoKnownAs.ToArray();
        Services = new ReadOnlyDictionary<string, PlcService>(new OrderedDictionary<string, PlcService>(services, StringComparer.Ordinal));
    }

    public string Did { get; }

    public IReadOnlyList<string> RotationKeys { get; }

    public IReadOnlyDictionary<string, string> VerificationMethods { get; }

    public IReadOnlyList<string> AlsoKnownAs { get; }

    public IReadOnlyDictionary<string, PlcService> Services { get; }

    /// <summary>The atproto repository signing key (did:key), if any.</summary>
    public string? SigningKey => VerificationMethods.GetValueOrDefault(PlcOperation.AtprotoVerificationMethod);

    /// <summary>The <c>atproto_pds</c> endpoint when it has the PDS service type.</summary>
    public string? PdsEndpoint =>
        Services.TryGetValue(PlcOperation.AtprotoPdsService, out var s) && s.Type == PlcOperation.AtprotoPdsServiceType ? s.Endpoint : null;

    /// <summary>The DID document the PLC directory serves for this state.</summary>
    public DidDocument ToDidDocument() => DidDocument.FromPlcData(this);

    public LexMap ToLex()
    {
        var vms = new OrderedDictionary<string, LexValue>(StringComparer.Ordinal);
        foreach (var (id, key) in VerificationMethods)
        {
            vms[id] = key;
        }

        var services = new OrderedDictionary<string, LexValue>(StringComparer.Ordinal);
        foreach (var (id, service) in Services)
        {
            services[id] = service.ToLex();
        }

        return new LexMap(new OrderedDictionary<string, LexValue>(StringComparer.Ordinal)
        {
            ["did"] = Did,
            ["verificationMethods"] = new LexMap(vms),
            ["rotationKeys"] = new LexArray(RotationKeys.Select(k => (LexValue)k).ToArray()),
            ["alsoKnownAs"] = new LexArray(AlsoKnownAs.Select(a => (LexValue)a).ToArray()),
            ["services"] = new LexMap(services),
        });
    }

    public string ToJson() => LexJson.ToJsonString(ToLex());

    public static PlcData FromJson(string json)
    {
        using var doc = PlcJson.ParseDocument(System.Text.Encoding.UTF8.GetBytes(json));
        return FromJson(doc.RootElement);
    }

    public static PlcData FromJson(JsonElement element)
    {
        if (PlcJson.ToLex(element) is not LexMap map || map.GetString("did") is not { } did)
        {
            throw new PlcValidationException(PlcValidationError.MalformedOperation, "PLC data must be an object with a \"did\" string");
        }

        // Same fields as an operation: reuse its strict reader.
        var fields = new OrderedDictionary<string, LexValue>(StringComparer.Ordinal) { ["type"] = PlcOperation.OperationTypeName, ["prev"] = LexValue.Null };
        foreach (var (k, v) in map.Entries)
        {
            if (k != "did")
            {
                fields[k] = v;
            }
        }

        return PlcOperation.FromLex(new LexMap(fields)).ToData(did)!;
    }
}
