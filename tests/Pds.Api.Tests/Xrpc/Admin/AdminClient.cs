using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Pds.Application.Common.Configuration;

namespace Pds.Api.Tests.Xrpc.Admin;

/// <summary>Calls XRPC methods as the admin (HTTP Basic, user <c>admin</c>, the server's PDS_ADMIN_PASSWORD).</summary>
internal static class AdminClient
{
    public static string AdminPassword(this PdsApiFactory factory) =>
        factory.Services.GetRequiredService<PdsOptions>().Secrets.AdminPassword;

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    /// <summary>Asserts a 200 answer (procedures without output have no body).</summary>
    public static async Task AssertOkAsync(this Task<HttpResponseMessage> pending)
    {
        var response = await pending;
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public static Task<HttpResponseMessage> AdminGetAsync(this HttpClient client, PdsApiFactory factory, string nsidAndQuery, AuthenticationHeaderValue? auth = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/xrpc/" + nsidAndQuery);
        request.Headers.Authorization = auth ?? Basic("admin", factory.AdminPassword());
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> AdminPostAsync(this HttpClient client, PdsApiFactory factory, string nsid, object body, AuthenticationHeaderValue? auth = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/" + nsid) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = auth ?? Basic("admin", factory.AdminPassword());
        return client.SendAsync(request);
    }
}
