using System.Net;
using System.Text.Json;

namespace Pds.Api.Tests.Xrpc.AppBsky;

/// <summary>app.bsky.actor.getPreferences / putPreferences, kept on the PDS.</summary>
public sealed class PreferencesTests(PdsApiFactory factory) : IClassFixture<PdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static readonly object[] Sample =
    [
        new Dictionary<string, object> { ["$type"] = "app.bsky.actor.defs#adultContentPref", ["enabled"] = false },
        new Dictionary<string, object> { ["$type"] = "app.bsky.actor.defs#savedFeedsPrefV2", ["items"] = Array.Empty<object>() },
        new Dictionary<string, object> { ["$type"] = "app.bsky.actor.defs#personalDetailsPref", ["birthDate"] = "1990-01-01T00:00:00.000Z" },
    ];

    private async Task<string[]> TypesAsync(string bearer) =>
        (await (await _client.GetAsync("app.bsky.actor.getPreferences", bearer)).ReadOkJsonAsync())
            .GetProperty("preferences").EnumerateArray().Select(p => p.GetProperty("$type").GetString()!).ToArray();

    private async Task PutOkAsync(object body, string bearer)
    {
        var response = await _client.PostAsync("app.bsky.actor.putPreferences", body, bearer);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> AppPasswordSessionAsync(TestAccount account)
    {
        var password = (await (await _client.PostAsync("com.atproto.server.createAppPassword", new { name = "app" }, account.AccessJwt)).ReadOkJsonAsync()).GetProperty("password").GetString();
        return (await (await _client.PostAsync("com.atproto.server.createSession", new { identifier = account.Handle, password }, null)).ReadOkJsonAsync()).GetProperty("accessJwt").GetString()!;
    }

    [Fact]
    public async Task PutThenGet_ReturnsThePreferencesInOrder_AndPutReplaces()
    {
        var account = await _client.CreateAccountAsync();
        Assert.Empty(await TypesAsync(account.AccessJwt));

        await PutOkAsync(new { preferences = Sample }, account.AccessJwt);
        var got = (await (await _client.GetAsync("app.bsky.actor.getPreferences", account.AccessJwt)).ReadOkJsonAsync()).GetProperty("preferences");
        Assert.Equal(
            ["app.bsky.actor.defs#adultContentPref", "app.bsky.actor.defs#savedFeedsPrefV2", "app.bsky.actor.defs#personalDetailsPref"],
            got.EnumerateArray().Select(p => p.GetProperty("$type").GetString()));
        Assert.False(got[0].GetProperty("enabled").GetBoolean());

        await PutOkAsync(new { preferences = new[] { Sample[1] } }, account.AccessJwt);
        Assert.Equal(["app.bsky.actor.defs#savedFeedsPrefV2"], await TypesAsync(account.AccessJwt));

        // Another account's preferences are its own.
        var other = await _client.CreateAccountAsync();
        Assert.Empty(await TypesAsync(other.AccessJwt));
    }

    [Fact]
    public async Task AppPasswords_NeitherSeeNorSetNorEraseThePersonalDetails()
    {
        var account = await _client.CreateAccountAsync();
        await PutOkAsync(new { preferences = Sample }, account.AccessJwt);
        var appPassword = await AppPasswordSessionAsync(account);

        Assert.DoesNotContain("app.bsky.actor.defs#personalDetailsPref", await TypesAsync(appPassword));
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("app.bsky.actor.putPreferences", new { preferences = Sample }, appPassword), HttpStatusCode.BadRequest, "InvalidRequest");

        // Replacing through the app password keeps the hidden preference.
        await PutOkAsync(new { preferences = new[] { Sample[0] } }, appPassword);
        Assert.Equal(["app.bsky.actor.defs#personalDetailsPref", "app.bsky.actor.defs#adultContentPref"], await TypesAsync(account.AccessJwt));
    }

    [Theory]
    [InlineData("""{"preferences":[{"enabled":true}]}""", "Preference is missing a $type")]
    [InlineData("""{"preferences":[{"$type":"com.example.pref"}]}""", "Some preferences are not in the app.bsky namespace")]
    [InlineData("""{"preferences":["text"]}""", "Preference is missing a $type")]
    [InlineData("""{}""", "")]
    public async Task BadInput_400_AndNothingChanges(string body, string message)
    {
        var account = await _client.CreateAccountAsync();
        await PutOkAsync(new { preferences = new[] { Sample[0] } }, account.AccessJwt);

        var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/app.bsky.actor.putPreferences") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", account.AccessJwt);
        var error = await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.SendAsync(request), HttpStatusCode.BadRequest, "InvalidRequest");
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(["app.bsky.actor.defs#adultContentPref"], await TypesAsync(account.AccessJwt));
    }

    [Fact]
    public async Task Unauthenticated_401()
    {
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync("app.bsky.actor.getPreferences", null), HttpStatusCode.Unauthorized, "AuthenticationRequired");
        await XrpcPipelineTests.AssertXrpcErrorAsync(
            await _client.PostAsync("app.bsky.actor.putPreferences", new { preferences = Array.Empty<object>() }, null), HttpStatusCode.Unauthorized, "AuthenticationRequired");
    }
}
