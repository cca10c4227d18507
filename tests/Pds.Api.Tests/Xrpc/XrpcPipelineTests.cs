using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Pds.Api.Tests.Xrpc;

public sealed class XrpcPipelineTests : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client;

    public XrpcPipelineTests(PdsApiFactory factory)
    {
        _client = factory.CreateClient();
    }

    [Fact]
    public async Task Get_UnknownMethod_501MethodNotImplemented()
    {
        var response = await _client.GetAsync("/xrpc/com.example.nothing.here");
        await AssertXrpcErrorAsync(response, HttpStatusCode.NotImplemented, "MethodNotImplemented");
    }

    [Fact]
    public async Task Post_UnknownMethod_501MethodNotImplemented()
    {
        var response = await _client.PostAsync("/xrpc/com.example.nothing.doIt", JsonContent.Create(new { repo = "x" }));
        await AssertXrpcErrorAsync(response, HttpStatusCode.NotImplemented, "MethodNotImplemented");
    }

    [Theory]
    [InlineData("/xrpc/not-an-nsid")]
    [InlineData("/xrpc/com..example")]
    [InlineData("/xrpc/com.example.9bad")]
    public async Task Get_InvalidNsid_400InvalidRequest(string path)
    {
        await AssertXrpcErrorAsync(await _client.GetAsync(path), HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task Post_QueryMethod_400IncorrectHttpMethod()
    {
        var response = await _client.PostAsync("/xrpc/com.atproto.server.describeServer", JsonContent.Create(new { }));
        var error = await AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Equal("Incorrect HTTP method (POST) expected GET", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ReadJsonBody_ValidJson_Bound()
    {
        var response = await _client.PostAsync("/probe/echo", new StringContent("""{"text":"hi","count":2}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"text":"hi","count":2}""", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("{\"text\": ")]
    [InlineData("not json")]
    [InlineData("{\"text\": 5}")]
    [InlineData("{\"count\": 1}")]
    [InlineData("null")]
    public async Task ReadJsonBody_MalformedOrMistyped_400InvalidRequest(string body)
    {
        var response = await _client.PostAsync("/probe/echo", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task ReadJsonBody_WrongContentType_400InvalidRequest()
    {
        var response = await _client.PostAsync("/probe/echo", new StringContent("""{"text":"hi"}""", Encoding.UTF8, "text/plain"));
        var error = await AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Contains("text/plain", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadJsonBody_NoBody_400InvalidRequest()
    {
        var response = await _client.PostAsync("/probe/echo", null);
        await AssertXrpcErrorAsync(response, HttpStatusCode.BadRequest, "InvalidRequest");
    }

    [Fact]
    public async Task ReadJsonBody_OverLimit_413PayloadTooLarge()
    {
        var big = "{\"text\":\"" + new string('a', 200 * 1024) + "\"}";
        var response = await _client.PostAsync("/probe/echo", new StringContent(big, Encoding.UTF8, "application/json"));
        await AssertXrpcErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "PayloadTooLarge");
    }

    [Fact]
    public async Task ReadJsonBody_OverLimitWithoutContentLength_413PayloadTooLarge()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"text\":\"" + new string('a', 200 * 1024) + "\"}");
        var content = new StreamContent(new NonSeekableStream(bytes));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/probe/echo") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await AssertXrpcErrorAsync(await _client.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "PayloadTooLarge");
    }

    [Fact]
    public async Task UnknownException_500WithoutLeakingMessage()
    {
        var response = await _client.GetAsync("/probe/crash");
        var error = await AssertXrpcErrorAsync(response, HttpStatusCode.InternalServerError, "InternalServerError");
        var text = error.GetRawText();
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
        Assert.DoesNotContain("at Pds", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task XrpcException_StatusNameAndMessagePassedThrough()
    {
        var response = await _client.GetAsync("/probe/xrpc-error");
        var error = await AssertXrpcErrorAsync(response, HttpStatusCode.Conflict, "RepoAlreadyExists");
        Assert.Equal("The repository already exists", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Get_WithOrigin_CorsAllowsAnyOriginAndExposesHeaders()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/xrpc/com.atproto.server.describeServer");
        request.Headers.Add("Origin", "https://app.example");
        var response = await _client.SendAsync(request);

        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        var exposed = string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers"));
        Assert.Contains("DPoP-Nonce", exposed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("RateLimit-Remaining", exposed, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Options_Preflight_AllowsRequestedMethodAndHeaders()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/xrpc/com.atproto.server.createSession");
        request.Headers.Add("Origin", "https://app.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,dpop");
        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("POST", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        Assert.Contains("dpop", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("86400", Assert.Single(response.Headers.GetValues("Access-Control-Max-Age")));
    }

    [Fact]
    public async Task Health_ReturnsVersion()
    {
        var response = await _client.GetAsync("/xrpc/_health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(body.GetProperty("version").GetString()));
    }

    [Fact]
    public async Task Root_ReturnsBannerText()
    {
        var response = await _client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/xrpc/", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RobotsTxt_AllowsAll()
    {
        var response = await _client.GetAsync("/robots.txt");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("User-agent: *", text, StringComparison.Ordinal);
        Assert.Contains("Allow: /", text, StringComparison.Ordinal);
    }

    internal static async Task<JsonElement> AssertXrpcErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        Assert.Equal(status, response.StatusCode);
        // Never ProblemDetails: plain JSON with exactly error and message.
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        Assert.Equal(["error", "message"], body.EnumerateObject().Select(p => p.Name).Order());
        return body;
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
