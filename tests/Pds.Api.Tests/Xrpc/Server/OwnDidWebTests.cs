using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Configuration;
using Pds.Domain.Identity;

namespace Pds.Api.Tests.Xrpc.Server;

/// <summary>
/// A bring-your-own did:web: the user's own web server (a Kestrel on loopback, standing in for
/// https://example.com) serves the document, which must already name this PDS and a reserved key.
/// </summary>
public sealed class OwnDidWebTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();
    private WebApplication? _userServer;
    private string? _document;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _userServer = builder.Build();
        _userServer.MapGet("/.well-known/did.json", () => _document is null ? Results.NotFound() : Results.Text(_document, "application/json"));
        await _userServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_userServer is not null)
        {
            await _userServer.DisposeAsync();
        }
    }

    private string Did
    {
        get
        {
            var address = _userServer!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return "did:web:localhost%3A" + new Uri(address).Port;
        }
    }

    private string Document(string handle, string pds, string signingKey) =>
        new DidDocument(
            Did,
            ["at://" + handle],
            [new DidVerificationMethod(Did + "#atproto", DidDocument.MultikeyType, Did, signingKey["did:key:".Length..])],
            [new DidService("#atproto_pds", "AtprotoPersonalDataServer", pds)]).ToJson();

    [Fact]
    public async Task CreateAccount_OwnDidWebNamingThisServerAndReservedKey_Succeeds_OtherwiseIncompatibleDidDoc()
    {
        var handle = XrpcClient.NewHandle("own");
        var pdsUrl = factory.Services.GetRequiredService<PdsOptions>().Service.PublicUrl.GetLeftPart(UriPartial.Authority);

        // Before any key is reserved for the DID, even a document naming this server is refused.
        _document = Document(handle, pdsUrl, "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme");
        var unreserved = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", new { handle, did = Did, email = $"{handle}@example.com", password = "pw-123456" });
        await XrpcPipelineTests.AssertXrpcErrorAsync(unreserved, HttpStatusCode.BadRequest, "IncompatibleDidDoc");

        var reserved = await (await _client.PostAsync("com.atproto.server.reserveSigningKey", new { did = Did }, null)).ReadOkJsonAsync();
        var key = reserved.GetProperty("signingKey").GetString()!;
        var pds = factory.Services.GetRequiredService<PdsOptions>().Service.PublicUrl.GetLeftPart(UriPartial.Authority);
        object Body() => new { handle, did = Did, email = $"{handle}@example.com", password = "pw-123456" };

        _document = Document(handle, "https://some-other-pds.example.com", key);
        var wrongPds = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", Body());
        await XrpcPipelineTests.AssertXrpcErrorAsync(wrongPds, HttpStatusCode.BadRequest, "IncompatibleDidDoc");

        _document = Document(handle, pds, "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme");
        var wrongKey = await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", Body());
        await XrpcPipelineTests.AssertXrpcErrorAsync(wrongKey, HttpStatusCode.BadRequest, "IncompatibleDidDoc");

        _document = Document(handle, pds, key);
        var created = await (await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createAccount", Body())).ReadOkJsonAsync();
        Assert.Equal(Did, created.GetProperty("did").GetString());

        // The repository is signed with the reserved key the document names.
        var latest = await (await _client.GetAsync($"com.atproto.sync.getLatestCommit?did={Uri.EscapeDataString(Did)}", null)).ReadOkJsonAsync();
        var car = await _client.GetByteArrayAsync($"/xrpc/com.atproto.sync.getRepo?did={Uri.EscapeDataString(Did)}");
        var contents = await Pds.Domain.Repo.RepoCar.ReadAsync(new MemoryStream(car));
        Assert.Equal(latest.GetProperty("cid").GetString(), contents.CommitCid.ToString());
        Assert.True(contents.Commit.VerifySignature(key));
    }
}
