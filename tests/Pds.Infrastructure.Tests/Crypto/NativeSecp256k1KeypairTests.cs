using System.Security.Cryptography;
using Pds.Domain.Auth;
using Pds.Domain.Crypto;
using Pds.Infrastructure.Crypto;
using Pds.Infrastructure.Persistence.Accounts;

namespace Pds.Infrastructure.Tests.Crypto;

public sealed class NativeSecp256k1KeypairTests
{
    [Fact]
    public void IsAvailable_OnLinuxX64_TheNativeLibraryLoadsAndAgrees()
    {
        // The package ships libsecp256k1 for this platform; were it not found, repository writes
        // would fall back to the managed signer and lose the speed-up without a word.
        Assert.True(NativeSecp256k1Keypair.IsAvailable);
    }

    [Fact]
    public void Sign_SameBytesAsTheDomainKeypair_LowS_AndVerifies()
    {
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            using var managed = Secp256k1Keypair.Generate();
            using var native = NativeSecp256k1Keypair.Wrap(Secp256k1Keypair.Import(managed.ExportPrivateKey()));
            Assert.IsType<NativeSecp256k1Keypair>(native);
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(data);

            var signature = native.Sign(data);

            // RFC 6979 nonces on both sides: the very same signature, r || s, low-S.
            Assert.Equal(managed.Sign(data), signature);
            Assert.True(SignatureVerifier.Verify(managed.PublicKey, data, signature));
            Assert.True(SignatureVerifier.Verify(managed.DidKey(), data, signature));
        }
    }

    [Fact]
    public void Sign_PublishedRfc6979Vector()
    {
        // The deterministic-signature vector the domain keypair's tests pin (private key 1,
        // message "Satoshi Nakamoto"), as the native signer must produce it too.
        var one = new byte[32];
        one[31] = 1;
        using var managed = Secp256k1Keypair.Import(one);
        using var native = NativeSecp256k1Keypair.Wrap(Secp256k1Keypair.Import(one));
        var data = "Satoshi Nakamoto"u8.ToArray();
        Assert.Equal(
            "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d82442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5",
            Convert.ToHexStringLower(native.Sign(data)));
        Assert.Equal(managed.Sign(data), native.Sign(data));
    }

    [Fact]
    public void PublicParts_AreTheDomainKeypairs_TrySignNeedsSixtyFourBytes_DisposedRefuses()
    {
        using var managed = Secp256k1Keypair.Generate();
        var native = NativeSecp256k1Keypair.Wrap(Secp256k1Keypair.Import(managed.ExportPrivateKey()));
        Assert.Equal(managed.DidKey(), native.DidKey());
        Assert.Equal(managed.PublicKeyMultibase(), native.PublicKeyMultibase());
        Assert.Equal(managed.PublicKeyCompressed, native.PublicKeyCompressed);
        Assert.Equal(managed.ExportPrivateKey(), native.ExportPrivateKey());
        Assert.Equal((KeyType.Secp256k1, "ES256K"), (native.Type, native.JwtAlgorithm));
        Assert.False(native.TrySign("x"u8, new byte[63]));

        native.Dispose();
        Assert.Throws<ObjectDisposedException>(() => native.Sign("x"u8));
    }

    [Fact]
    public void RepoKeyEncryption_Open_K256KeySignsNatively_P256KeyDoesNot()
    {
        var encryption = new RepoKeyEncryption(new KeyEncryption("native-signer-test-secret"));
        using var k256 = Secp256k1Keypair.Generate();
        using var p256 = P256Keypair.Generate();

        using var openedK256 = encryption.Open(encryption.Seal(k256, "account:did:example:a"), "account:did:example:a");
        using var openedP256 = encryption.Open(encryption.Seal(p256, "account:did:example:b"), "account:did:example:b");

        Assert.IsType<NativeSecp256k1Keypair>(openedK256);
        Assert.Equal(k256.DidKey(), openedK256.DidKey());
        Assert.True(SignatureVerifier.Verify(k256.PublicKey, "commit"u8, openedK256.Sign("commit"u8)));
        Assert.IsType<P256Keypair>(openedP256);
    }
}
