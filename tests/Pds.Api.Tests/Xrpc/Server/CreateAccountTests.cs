using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Auth;
using Pds.Domain.Crypto;
using Pds.Domain.Data;
using Pds.Domain.Events;
using Pds.Domain.Identity;
using Pds.Domain.Repo;
using Pds.Infrastructure.Persistence;

namespace Pds.Api.Tests.Xrpc.Server;

public sealed class CreateAccountTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task CreateAccount_NewHandle_RegistersDidPlcWithSigningKeyHandleAndEndpoint()
    {
        var handle = XrpcClient.NewHandle("alice");
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle, email = $"{handle}@example.com", password = "s3cret-pass" });
        var body = await response.ReadOkJsonAsync();

        var did = body.GetProperty("did").GetString()!;
        Assert.True(PlcDid.IsValid(did));
        Assert.Equal(handle, body.GetProperty("handle").GetString());
        Assert.Equal("at+jwt", Jwt.Header(body.GetProperty("accessJwt").GetString()!).GetProperty("typ").GetString());
        Assert.Equal(did, Jwt.Payload(body.GetProperty("refreshJwt").GetString()!).GetProperty("sub").GetString());

        // The directory (embedded in dev mode) serves the document the response carried.
        var document = DidDocument.Parse(await _client.GetStringAsync($"/plc/{did}"), did);
        Assert.Equal(handle, document.GetHandle()?.ToString());
        var publicUrl = factory.Services.GetRequiredService<PdsOptions>().Service.PublicUrl.GetLeftPart(UriPartial.Authority);
        Assert.Equal(publicUrl, document.GetPdsEndpoint());
        var returned = DidDocument.Parse(body.GetProperty("didDoc").GetRawText(), did);
        Assert.Equal(document.GetSigningKey(), returned.GetSigningKey());

        // The server's rotation key controls the identity.
        var data = PlcData.FromJson(await _client.GetStringAsync($"/plc/{did}/data"));
        var rotation = factory.Services.GetRequiredService<PdsOptions>().Secrets.PlcRotationKeyK256PrivateKeyHex;
        using var rotationKey = Secp256k1Keypair.ImportHex(rotation);
        Assert.Contains(rotationKey.DidKey(), data.RotationKeys);
    }

    [Fact]
    public async Task CreateAccount_NewAccount_GenesisCommitSignedByDocumentKeyAndEventsInReferenceOrder()
    {
        var account = await _client.CreateAccountAsync();
        var signingKey = DidDocument.Parse(await _client.GetStringAsync($"/plc/{account.Did}"), account.Did).GetSigningKey()!;

        var (root, commitBytes, events) = await factory.WithScopeAsync(async sp =>
        {
            var actors = sp.GetRequiredService<IActorStore>();
            var root = await actors.ReadAsync(account.Did, (r, ct) => r.GetRootAsync(ct));
            var bytes = await actors.ReadAsync(account.Did, (r, ct) => r.GetBlockAsync(root!.Cid, ct));
            var events = await sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 10_000);
            return (root, bytes, events.Where(e => e.Did == account.Did).ToList());
        });

        Assert.NotNull(root);
        var commit = Commit.Decode(commitBytes!);
        Assert.Equal(account.Did, commit.Did.ToString());
        Assert.True(commit.VerifySignature(DidKey.Parse(signingKey)));
        Assert.Equal(root!.Rev, commit.Rev.ToString());

        Assert.Equal(["identity", "account", "commit", "sync"], events.Select(e => e.EventType));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Seq < p.Second.Seq));
        var identity = (IdentityEvent)RepoEvent.FromPayload(IdentityEvent.TypeName, (LexMap)DagCbor.Decode(events[0].Event));
        Assert.Equal(account.Handle, identity.Handle?.ToString());
        var accountEvent = (AccountEvent)RepoEvent.FromPayload(AccountEvent.TypeName, (LexMap)DagCbor.Decode(events[1].Event));
        Assert.True(accountEvent.Active);
        var commitEvent = (CommitEvent)RepoEvent.FromPayload(CommitEvent.TypeName, (LexMap)DagCbor.Decode(events[2].Event));
        Assert.Equal(root.Cid, commitEvent.Commit.ToString());
        Assert.Empty(commitEvent.Ops);
    }

    [Fact]
    public async Task CreateAccount_SigningKeyStoredEncryptedAndBoundToAccount()
    {
        var account = await _client.CreateAccountAsync();

        var (sealedKey, key) = await factory.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<PdsDbContext>();
            var row = await db.ActorSigningKeys.AsNoTracking().SingleAsync(k => k.Did == account.Did);
            return (row.EncryptedPrivateKey, await sp.GetRequiredService<IRepoKeyStore>().GetAsync(account.Did));
        });

        Assert.NotNull(key);
        var secret = key!.ExportPrivateKey();
        Assert.Equal(-1, sealedKey.AsSpan().IndexOf(secret));
        Assert.Equal(KeyEncryption.Overhead + 1 + secret.Length, sealedKey.Length);
        var document = DidDocument.Parse(await _client.GetStringAsync($"/plc/{account.Did}"), account.Did);
        Assert.Equal(document.GetSigningKey(), key.DidKey());
    }

    [Fact]
    public async Task CreateAccount_HandleTakenInAnyCase_400HandleNotAvailable()
    {
        var account = await _client.CreateAccountAsync();
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle = account.Handle.ToUpperInvariant(), email = "other-" + account.Email, password = "pw-123456" });
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "HandleNotAvailable");
    }

    [Fact]
    public async Task CreateAccount_EmailTaken_400AndNoSecondAccount()
    {
        var account = await _client.CreateAccountAsync();
        var handle = XrpcClient.NewHandle();
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle, email = account.Email.ToUpperInvariant(), password = "pw-123456" });
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");

        var exists = await factory.WithScopeAsync(sp => sp.GetRequiredService<IAccountStore>().GetByHandleAsync(handle));
        Assert.Null(exists);
    }

    [Theory]
    [InlineData("no spaces.test", "InvalidHandle")]
    [InlineData("ab.test", "InvalidHandle")]
    [InlineData("abcdefghijklmnopqrstuvwxyz.test", "InvalidHandle")]
    [InlineData("two.labels.test", "InvalidHandle")]
    [InlineData("admin.test", "HandleNotAvailable")]
    [InlineData("someone.example.com", "UnsupportedDomain")]
    [InlineData("someone.local", "InvalidHandle")]
    public async Task CreateAccount_RefusedHandle_400WithLexiconError(string handle, string error)
    {
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle, email = $"h{Guid.NewGuid():N}@example.com", password = "pw-123456" });
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, error);
    }

    [Theory]
    [InlineData(null, "InvalidRequest")]
    [InlineData("not-an-email", "InvalidRequest")]
    [InlineData("Name <a@example.com>", "InvalidRequest")]
    public async Task CreateAccount_BadEmail_400(string? email, string error)
    {
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle = XrpcClient.NewHandle(), email, password = "pw-123456" });
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, error);
    }

    [Fact]
    public async Task CreateAccount_PasswordTooLong_400InvalidPassword()
    {
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle = XrpcClient.NewHandle(), email = $"p{Guid.NewGuid():N}@example.com", password = new string('x', 257) });
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidPassword");
    }

    [Fact]
    public async Task CreateAccount_MalformedJson_400AndNothingStored()
    {
        var before = await factory.WithScopeAsync(sp => sp.GetRequiredService<PdsDbContext>().Accounts.CountAsync());
        using var content = new StringContent("{\"handle\": \"broken.test\", \"email\": ", Encoding.UTF8, "application/json");
        var response = await _client.PostAsync("/xrpc/com.atproto.server.createAccount", content);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        var after = await factory.WithScopeAsync(sp => sp.GetRequiredService<PdsDbContext>().Accounts.CountAsync());
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task CreateAccount_PlcOpInput_400Unsupported()
    {
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle = XrpcClient.NewHandle(), email = $"o{Guid.NewGuid():N}@example.com", password = "pw-123456", plcOp = new { type = "plc_operation" } });
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task CreateAccount_HostedDidWeb_DocumentResolvesFromThisServer()
    {
        var handle = XrpcClient.NewHandle("web");
        var did = "did:web:" + handle;
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle, did, email = $"{handle}@example.com", password = "pw-123456" });
        var body = await response.ReadOkJsonAsync();
        Assert.Equal(did, body.GetProperty("did").GetString());

        var resolved = await factory.WithScopeAsync(sp => sp.GetRequiredService<IDidResolver>().ResolveAsync(did));
        Assert.NotNull(resolved);
        Assert.Equal(handle, resolved!.Document.GetHandle()?.ToString());
        var key = await factory.WithScopeAsync(sp => sp.GetRequiredService<IRepoKeyStore>().GetAsync(did));
        Assert.Equal(key!.DidKey(), resolved.Document.GetSigningKey());
    }

    [Fact]
    public async Task CreateAccount_ExistingDidWithoutServiceAuth_401()
    {
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle = XrpcClient.NewHandle(), did = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", email = $"d{Guid.NewGuid():N}@example.com", password = "pw-123456" });
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }

    [Fact]
    public async Task CreateAccount_MigrationWithServiceAuth_CreatesDeactivatedAccountWithoutEvents()
    {
        // An identity that lives elsewhere: registered in the directory with a key the "old PDS" holds.
        using var oldRepoKey = Secp256k1Keypair.Generate();
        using var rotation = Secp256k1Keypair.Generate();
        var handle = XrpcClient.NewHandle("mig");
        var did = await _client.RegisterIdentityElsewhereAsync(oldRepoKey, rotation, handle);

        var serviceDid = factory.Services.GetRequiredService<PdsOptions>().Service.Did;
        var response = await _client.CreateMigratingAccountAsync(oldRepoKey, did, handle, serviceDid);
        var body = await response.ReadOkJsonAsync();
        Assert.Equal(did, body.GetProperty("did").GetString());

        var session = await (await _client.GetAsync("com.atproto.server.getSession", body.GetProperty("accessJwt").GetString())).ReadOkJsonAsync();
        Assert.False(session.GetProperty("active").GetBoolean());
        Assert.Equal("deactivated", session.GetProperty("status").GetString());
        var events = await factory.WithScopeAsync(sp => sp.GetRequiredService<ISequencer>().ReadAfterAsync(0, 10_000));
        Assert.DoesNotContain(events, e => e.Did == did);
    }

    [Fact]
    public async Task CreateAccount_ServiceAuthForOtherMethod_401()
    {
        using var key = Secp256k1Keypair.Generate();
        using var rotation = Secp256k1Keypair.Generate();
        var handle = XrpcClient.NewHandle("mig");
        var did = await _client.RegisterIdentityElsewhereAsync(key, rotation, handle);
        var serviceDid = factory.Services.GetRequiredService<PdsOptions>().Service.Did;

        var response = await _client.CreateMigratingAccountAsync(key, did, handle, serviceDid, lxm: "com.atproto.repo.createRecord");
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }
}

public sealed class CreateAccountInviteTests(ConfiguredPdsApiFactory factory) : IClassFixture<ConfiguredPdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task CreateAccount_InviteRequiredButMissing_400InvalidInviteCode()
    {
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle = "nocode.example.com", email = "nocode@example.org", password = "pw-123456" });
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidInviteCode");
    }

    [Fact]
    public async Task CreateAccount_SingleUseInvite_FirstSucceedsSecondRefused()
    {
        var code = "pds-example-com-" + Guid.NewGuid().ToString("N")[..10];
        await factory.WithScopeAsync(async sp =>
        {
            await sp.GetRequiredService<IInviteCodeStore>().CreateAsync([new InviteCodeInfo(code, 1, false, "admin", "admin", DateTime.UtcNow, [])]);
            return true;
        });

        var first = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle = "invited.example.com", email = "invited@example.org", password = "pw-123456", inviteCode = code });
        var body = await first.ReadOkJsonAsync();
        var second = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle = "invited2.example.com", email = "invited2@example.org", password = "pw-123456", inviteCode = code });
        await XrpcPipelineTests.AssertXrpcErrorAsync(second, HttpStatusCode.BadRequest, "InvalidInviteCode");

        var invite = await factory.WithScopeAsync(sp => sp.GetRequiredService<IInviteCodeStore>().GetAsync(code));
        Assert.Equal([body.GetProperty("did").GetString()], invite!.Uses.Select(u => u.UsedBy));
    }

    [Fact]
    public async Task CreateAccount_UnknownInvite_400InvalidInviteCode()
    {
        var response = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle = "unknown.example.com", email = "unknown@example.org", password = "pw-123456", inviteCode = "nope-nope" });
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidInviteCode");
    }
}
