using System.Collections.Concurrent;

namespace Pds.Api.Xrpc;

/// <summary>The XRPC methods this server serves and their HTTP verb (GET for queries, POST for procedures).</summary>
internal sealed class XrpcMethodTable
{
    private readonly ConcurrentDictionary<string, string> _methods = new(StringComparer.Ordinal);

    public void Add(string nsid, string httpMethod)
    {
        if (!_methods.TryAdd(nsid, httpMethod))
        {
            throw new InvalidOperationException($"XRPC method {nsid} is mapped twice.");
        }
    }

    public bool TryGetHttpMethod(string nsid, out string httpMethod) => _methods.TryGetValue(nsid, out httpMethod!);
}
