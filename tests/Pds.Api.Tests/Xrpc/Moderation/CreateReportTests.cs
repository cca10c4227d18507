using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc.Testing;
using Pds.Api.Tests.OAuth;
using System.Text;
using System.Text.Json;
using Pds.Api.Tests.Xrpc.Admin;
using Pds.Domain.Auth;
using Pds.Domain.Identity;

namespace Pds.Api.Tests.Xrpc.Moderation;

/// <summary>
/// A moderation service on loopback standing in for the configured report service: it takes
/// com.atproto.moderation.createReport only with a service-auth token whose signature verifies
/// against the reporter's signing key (from their DID document) and whose aud and lxm are right.
/// </summary>
public sealed class ModerationServiceStandIn : IAsyncDisposable
{
    public const string ServiceDid = "did:web:mod.example.com";

    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public ModerationServiceStandIn()
    {
        for (var attempt = 0; ; attempt++)
        {
            Port = Random.Shared.Next(20000, 60000);
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; private set; }

    /// <summary>Resolves a DID to its atproto signing key (did:key); set once the PDS runs.</summary>
    public Func<string, Task<string?>>? SigningKeyOf { get; set; }

    /// <summary>Reports accepted, with the verified token claims.</summary>
    public ConcurrentQueue<(ServiceJwtClaims Claims, JsonElement Body)> Accepted { get; } = new();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var (status, body) = await HandleAsync(context.Request);
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private async Task<(int Status, string Body)> HandleAsync(HttpListenerRequest request)
    {
        if (request.HttpMethod != "POST" || request.Url!.AbsolutePath != "/xrpc/com.atproto.moderation.createReport")
        {
            return (404, """{"error":"MethodNotImplemented","message":"not here"}""");
        }

        var header = request.Headers["Authorization"] ?? string.Empty;
        var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null;
        if (!ServiceAuthJwt.TryDecode(token, out var decoded, out _) || SigningKeyOf is null)
        {
            return (401, """{"error":"AuthenticationRequired","message":"no token"}""");
        }

        var key = await SigningKeyOf(decoded.Claims.Issuer);
        var verified = ServiceAuthJwt.Verify(token, key, new ServiceJwtExpectations([ServiceDid], "com.atproto.moderation.createReport"));
        if (!verified.IsValid)
        {
            return (401, $$"""{"error":"AuthenticationRequired","message":"{{verified.Failure}}"}""");
        }

        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var input = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
        Accepted.Enqueue((verified.Claims!, input));
        var answer = new Dictionary<string, object?>
        {
            ["id"] = 4242,
            ["reasonType"] = input.GetProperty("reasonType").GetString(),
            ["subject"] = input.GetProperty("subject"),
            ["reportedBy"] = verified.Claims!.Issuer,
            ["createdAt"] = "2026-12-02T00:00:00.000Z",
        };
        return (200, JsonSerializer.Serialize(answer));
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}

/// <summary>The PDS configured with the stand-in moderation service as its report service.</summary>
public sealed class ReportServiceFactory : PdsApiFactory
{
    public ModerationServiceStandIn Moderation { get; } = new();

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["PDS_REPORT_SERVICE_URL"] = $"http://127.0.0.1:{Moderation.Port}",
        ["PDS_REPORT_SERVICE_DID"] = ModerationServiceStandIn.ServiceDid,
    };

    protected override async Task DisposeExtrasAsync() => await Moderation.DisposeAsync();
}

/// <summary>com.atproto.moderation.createReport forwarded to the configured report service.</summary>
public sealed class CreateReportForwardedTests(ReportServiceFactory factory) : IClassFixture<ReportServiceFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task CreateReport_ReportServiceConfigured_ForwardedToStandInWithSignedServiceAuth()
    {
        factory.Moderation.SigningKeyOf = async did => DidDocument.Parse(await _client.GetStringAsync($"/plc/{did}"), did).GetSigningKey();
        var reporter = await _client.CreateAccountAsync();
        var reported = await _client.CreateAccountAsync();
        var subject = new Dictionary<string, object> { ["$type"] = "com.atproto.admin.defs#repoRef", ["did"] = reported.Did };

        var body = await (await _client.PostAsync(
            "com.atproto.moderation.createReport",
            new { reasonType = "com.atproto.moderation.defs#reasonSpam", reason = "bot", subject },
            reporter.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal(4242, body.GetProperty("id").GetInt64());
        Assert.Equal(reporter.Did, body.GetProperty("reportedBy").GetString());

        var (claims, input) = Assert.Single(factory.Moderation.Accepted);
        Assert.Equal(reporter.Did, claims.Issuer);
        Assert.Equal(ModerationServiceStandIn.ServiceDid, claims.Audience);
        Assert.Equal("com.atproto.moderation.createReport", claims.LexiconMethod);
        Assert.Equal("bot", input.GetProperty("reason").GetString());
        Assert.Equal(reported.Did, input.GetProperty("subject").GetProperty("did").GetString());

        // Nothing kept locally when a service takes reports.
        var local = await (await _client.AdminGetAsync(factory, "org.pds.admin.listReports")).ReadOkJsonAsync();
        Assert.Equal(0, local.GetProperty("reports").GetArrayLength());
    }

    [Fact]
    public async Task CreateReport_StandInRefusesToken_ErrorPassedOn()
    {
        factory.Moderation.SigningKeyOf = _ => Task.FromResult<string?>(Pds.Domain.Crypto.Secp256k1Keypair.Generate().DidKey());
        var reporter = await _client.CreateAccountAsync();
        var response = await _client.PostAsync(
            "com.atproto.moderation.createReport",
            new { reasonType = "com.atproto.moderation.defs#reasonSpam", subject = new Dictionary<string, object> { ["$type"] = "com.atproto.admin.defs#repoRef", ["did"] = reporter.Did } },
            reporter.AccessJwt);
        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }
}

/// <summary>com.atproto.moderation.createReport with no report service: kept here and listed to the admin.</summary>
public sealed class CreateReportLocalTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task CreateReport_NoReportService_StoredAndListedToAdmin()
    {
        var reporter = await _client.CreateAccountAsync();
        var author = await _client.CreateAccountAsync();
        var post = await (await _client.PostAsync(
            "com.atproto.repo.createRecord",
            new { repo = author.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = "spam", ["createdAt"] = "2026-12-01T00:00:00Z" } },
            author.AccessJwt)).ReadOkJsonAsync();
        var subject = new Dictionary<string, object> { ["$type"] = "com.atproto.repo.strongRef", ["uri"] = post.GetProperty("uri").GetString()!, ["cid"] = post.GetProperty("cid").GetString()! };

        var first = await (await _client.PostAsync("com.atproto.moderation.createReport", new { reasonType = "com.atproto.moderation.defs#reasonSpam", reason = "ads", subject }, reporter.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal(reporter.Did, first.GetProperty("reportedBy").GetString());
        Assert.Equal("com.atproto.moderation.defs#reasonSpam", first.GetProperty("reasonType").GetString());
        Assert.Equal("ads", first.GetProperty("reason").GetString());
        Assert.Equal(post.GetProperty("uri").GetString(), first.GetProperty("subject").GetProperty("uri").GetString());
        Assert.True(Pds.Domain.Syntax.Datetime.TryParse(first.GetProperty("createdAt").GetString(), out _));
        var second = await (await _client.PostAsync(
            "com.atproto.moderation.createReport",
            new { reasonType = "com.atproto.moderation.defs#reasonRude", subject = new Dictionary<string, object> { ["$type"] = "com.atproto.admin.defs#repoRef", ["did"] = author.Did } },
            reporter.AccessJwt)).ReadOkJsonAsync();
        Assert.True(second.GetProperty("id").GetInt64() > first.GetProperty("id").GetInt64());

        var page = await (await _client.AdminGetAsync(factory, "org.pds.admin.listReports?limit=1")).ReadOkJsonAsync();
        Assert.Equal(second.GetProperty("id").GetInt64(), page.GetProperty("reports")[0].GetProperty("id").GetInt64());
        var next = await (await _client.AdminGetAsync(factory, "org.pds.admin.listReports?limit=1&cursor=" + page.GetProperty("cursor").GetString())).ReadOkJsonAsync();
        var listed = next.GetProperty("reports")[0];
        Assert.Equal(first.GetProperty("id").GetInt64(), listed.GetProperty("id").GetInt64());
        Assert.Equal("ads", listed.GetProperty("reason").GetString());
        Assert.Equal(subject["uri"], listed.GetProperty("subject").GetProperty("uri").GetString());
    }

    [Fact]
    public async Task CreateReport_NoSessionOrBadSubject_Refused()
    {
        var reporter = await _client.CreateAccountAsync();
        var subject = new Dictionary<string, object> { ["$type"] = "com.atproto.admin.defs#repoRef", ["did"] = reporter.Did };
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.moderation.createReport", new { reasonType = "com.atproto.moderation.defs#reasonSpam", subject }, null), HttpStatusCode.Unauthorized, "AuthenticationRequired");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.moderation.createReport", new { reasonType = "com.atproto.moderation.defs#reasonSpam", subject = new { did = reporter.Did } }, reporter.AccessJwt), HttpStatusCode.BadRequest, "InvalidRequest");
        var blobSubject = new Dictionary<string, object> { ["$type"] = "com.atproto.admin.defs#repoBlobRef", ["did"] = reporter.Did, ["cid"] = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku" };
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("com.atproto.moderation.createReport", new { reasonType = "com.atproto.moderation.defs#reasonSpam", subject = blobSubject }, reporter.AccessJwt), HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Theory]
    [InlineData("atproto repo:app.bsky.feed.post?action=create", false)]
    [InlineData("atproto rpc:com.atproto.moderation.createReport?aud=*", true)]
    [InlineData("atproto transition:generic", true)]
    public async Task CreateReport_OAuthToken_NeedsRpcPermission(string scope, bool allowed)
    {
        var account = await _client.CreateAccountAsync();
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var client = new OAuthTestClient(browser, OAuthTestClient.LoopbackClientId(scope), "http://127.0.0.1/callback");
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var code = OAuthTestClient.Query(await client.AuthorizeAsync(await client.PushAsync(scope, verifier), account.Handle, account.Password))["code"];
        var (_, tokens, _) = await client.RedeemAsync(code, verifier);
        var access = tokens.GetProperty("access_token").GetString()!;

        var response = await client.XrpcAsync(HttpMethod.Post, "com.atproto.moderation.createReport", access, new
        {
            reasonType = "com.atproto.moderation.defs#reasonOther",
            subject = new Dictionary<string, object> { ["$type"] = "com.atproto.admin.defs#repoRef", ["did"] = account.Did },
        });
        if (allowed)
        {
            Assert.Equal(account.Did, (await response.ReadOkJsonAsync()).GetProperty("reportedBy").GetString());
        }
        else
        {
            var body = await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.Forbidden, "InsufficientScope");
            Assert.Contains("rpc:com.atproto.moderation.createReport", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }
}
