using Pds.Application.Common.Configuration;
using Pds.Domain.Crypto;

namespace Pds.Application.Accounts;

/// <summary>The server's own keys: the did:plc rotation key it signs identity operations with.</summary>
public sealed class ServiceKeys(PdsOptions options) : IDisposable
{
    private readonly Lazy<Secp256k1Keypair> _plcRotationKey = new(() =>
        Secp256k1Keypair.ImportHex(options.Secrets.PlcRotationKeyK256PrivateKeyHex));

    public IKeypair PlcRotationKey => _plcRotationKey.Value;

    public void Dispose()
    {
        if (_plcRotationKey.IsValueCreated)
        {
            _plcRotationKey.Value.Dispose();
        }
    }
}
