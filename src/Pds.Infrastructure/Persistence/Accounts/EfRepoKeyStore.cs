using Microsoft.EntityFrameworkCore;
using Pds.Application.Common.Abstractions;
using Pds.Domain.Auth;
using Pds.Domain.Crypto;
using Pds.Infrastructure.Persistence.Rows;

namespace Pds.Infrastructure.Persistence.Accounts;

/// <summary>
/// Repository signing keys, AES-256-GCM encrypted under the server's key-encryption key, each bound
/// (as associated data) to the row it belongs to so a ciphertext cannot be moved to another account.
/// </summary>
public sealed class EfRepoKeyStore(PdsDatabase database, RepoKeyEncryption encryption, TimeProvider clock) : IRepoKeyStore
{
    private PdsDbContext Context => database.Context;

    public Task StoreAsync(string did, IKeypair key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var encrypted = encryption.Seal(key, "account:" + did);
        return database.WriteAsync(
            async ct =>
            {
                var row = await Context.ActorSigningKeys.SingleOrDefaultAsync(k => k.Did == did, ct).ConfigureAwait(false);
                if (row is null)
                {
                    Context.ActorSigningKeys.Add(new ActorSigningKeyRow { Did = did, EncryptedPrivateKey = encrypted, CreatedAt = clock.GetUtcNow().UtcDateTime });
                }
                else
                {
                    row.EncryptedPrivateKey = encrypted;
                }

                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public async Task<IKeypair?> GetAsync(string did, CancellationToken cancellationToken = default)
    {
        var encrypted = await Context.ActorSigningKeys.AsNoTracking()
            .Where(k => k.Did == did)
            .Select(k => k.EncryptedPrivateKey)
            .SingleOrDefaultAsync(cancellationToken)
            .ConfigureAwait(false);
        return encrypted is null ? null : encryption.Open(encrypted, "account:" + did);
    }

    public Task<string> ReserveAsync(string? did, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                if (did is not null)
                {
                    var existing = await Context.ReservedKeys.AsNoTracking()
                        .Where(k => k.KeyFor == did)
                        .Select(k => k.PublicKeyDid)
                        .SingleOrDefaultAsync(ct)
                        .ConfigureAwait(false);
                    if (existing is not null)
                    {
                        return existing;
                    }
                }

                using var key = Secp256k1Keypair.Generate();
                var didKey = key.DidKey();
                var keyFor = did ?? didKey;
                Context.ReservedKeys.Add(new ReservedKeyRow
                {
                    KeyFor = keyFor,
                    PublicKeyDid = didKey,
                    EncryptedPrivateKey = encryption.Seal(key, "reserved:" + keyFor),
                    CreatedAt = clock.GetUtcNow().UtcDateTime,
                });
                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return didKey;
            },
            cancellationToken);

    public async Task<IKeypair?> GetReservedAsync(string didOrDidKey, CancellationToken cancellationToken = default)
    {
        var row = await Context.ReservedKeys.AsNoTracking().SingleOrDefaultAsync(k => k.KeyFor == didOrDidKey, cancellationToken).ConfigureAwait(false);
        return row is null ? null : encryption.Open(row.EncryptedPrivateKey, "reserved:" + row.KeyFor);
    }

    public Task<IKeypair?> TakeReservedAsync(string didOrDidKey, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async ct =>
            {
                var row = await Context.ReservedKeys.SingleOrDefaultAsync(k => k.KeyFor == didOrDidKey, ct).ConfigureAwait(false);
                if (row is null)
                {
                    return null;
                }

                var key = encryption.Open(row.EncryptedPrivateKey, "reserved:" + row.KeyFor);
                Context.ReservedKeys.Remove(row);
                await Context.SaveChangesAsync(ct).ConfigureAwait(false);
                return key;
            },
            cancellationToken);
}

/// <summary>Seals and opens signing keys: one byte of key type, then the 32-byte private scalar.</summary>
public sealed class RepoKeyEncryption(KeyEncryption encryption)
{
    public byte[] Seal(IKeypair key, string binding)
    {
        ArgumentNullException.ThrowIfNull(key);
        var secret = key.ExportPrivateKey();
        var plain = new byte[1 + secret.Length];
        try
        {
            plain[0] = (byte)key.Type;
            secret.CopyTo(plain, 1);
            return encryption.Encrypt(plain, binding);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
        }
    }

    public IKeypair Open(byte[] sealedKey, string binding)
    {
        var plain = encryption.Decrypt(sealedKey, binding);
        try
        {
            var scalar = plain.AsSpan(1);
            return (KeyType)plain[0] switch
            {
                KeyType.Secp256k1 => Pds.Infrastructure.Crypto.NativeSecp256k1Keypair.Wrap(Secp256k1Keypair.Import(scalar)),
                KeyType.P256 => P256Keypair.Import(scalar),
                _ => throw new KeyDecryptionException("Unknown key type in sealed signing key."),
            };
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
        }
    }
}
