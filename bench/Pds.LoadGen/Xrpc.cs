using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pds.LoadGen;

public sealed record Account(string Did, string Handle, string Password, string AccessJwt);

/// <summary>The few XRPC calls the workloads make, on one pooled HTTP/1.1 client per server.</summary>
public sealed class Xrpc : IDisposable
{
    public const string Collection = "app.bsky.feed.post";
    private static long tidClock = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private readonly HttpClient http;

    public Xrpc(Uri baseUrl)
    {
        BaseUrl = baseUrl;
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024,
            UseProxy = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromMinutes(5),
        };
    }

    public Uri BaseUrl { get; }

    public void Dispose() => http.Dispose();

    public async Task<Account> CreateAccountAsync(string prefix)
    {
        var handle = $"{prefix}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}.test";
        var password = "bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var body = new JsonObject
        {
            ["handle"] = handle,
            ["email"] = handle.Replace(".test", "@example.com", StringComparison.Ordinal),
            ["password"] = password,
        };
        var res = await PostJsonAsync("com.atproto.server.createAccount", body, null).ConfigureAwait(false);
        return new Account(res["did"]!.GetValue<string>(), handle, password, res["accessJwt"]!.GetValue<string>());
    }

    public static JsonObject Post(int n) => new()
    {
        ["$type"] = Collection,
        ["text"] = $"benchmark post {n}: the quick brown fox jumps over the lazy dog",
        ["createdAt"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>createRecord; returns the commit's rev.</summary>
    public async Task<string> CreateRecordAsync(Account a, int n)
    {
        var body = new JsonObject { ["repo"] = a.Did, ["collection"] = Collection, ["record"] = Post(n) };
        var res = await PostJsonAsync("com.atproto.repo.createRecord", body, a.AccessJwt).ConfigureAwait(false);
        return res["commit"]?["rev"]?.GetValue<string>() ?? throw new InvalidOperationException("createRecord returned no commit rev");
    }

    /// <summary>applyWrites of creates; with <paramref name="rkeys"/>, under those record keys.</summary>
    public async Task ApplyCreatesAsync(Account a, int count, int n, IReadOnlyList<string>? rkeys = null)
    {
        var writes = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var w = new JsonObject
            {
                ["$type"] = "com.atproto.repo.applyWrites#create",
                ["collection"] = Collection,
                ["value"] = Post(n + i),
            };
            if (rkeys is not null)
            {
                w["rkey"] = rkeys[i];
            }

            writes.Add(w);
        }

        var body = new JsonObject { ["repo"] = a.Did, ["writes"] = writes };
        await PostJsonAsync("com.atproto.repo.applyWrites", body, a.AccessJwt).ConfigureAwait(false);
    }

    public Task GetRecordAsync(string did, string rkey) =>
        DrainAsync($"/xrpc/com.atproto.repo.getRecord?repo={did}&collection={Collection}&rkey={rkey}", "getRecord");

    public Task ListRecordsAsync(string did, int limit) =>
        DrainAsync($"/xrpc/com.atproto.repo.listRecords?repo={did}&collection={Collection}&limit={limit}", "listRecords");

    /// <summary>getRepo into memory; returns the CAR.</summary>
    public async Task<byte[]> GetRepoAsync(string did)
    {
        using var res = await http.GetAsync($"/xrpc/com.atproto.sync.getRepo?did={did}", HttpCompletionOption.ResponseHeadersRead)
            .ConfigureAwait(false);
        await EnsureOkAsync(res, "getRepo").ConfigureAwait(false);
        return await res.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// getRepo read to the end through a pooled buffer; returns the CAR's length. The timed
    /// exports use this, as the reads do: reading each response into a new array of its own
    /// made the generator's CPU a large share of the machine's while servers exported.
    /// </summary>
    public Task<long> DrainRepoAsync(string did) => DrainAsync($"/xrpc/com.atproto.sync.getRepo?did={did}", "getRepo");

    /// <summary>GETs <paramref name="url"/>, reads the whole body through a pooled buffer and returns its length.</summary>
    private async Task<long> DrainAsync(string url, string what)
    {
        using var res = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        await EnsureOkAsync(res, what).ConfigureAwait(false);
        var stream = await res.Content.ReadAsStreamAsync().ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
            try
            {
                long total = 0;
                int n;
                while ((n = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    total += n;
                }

                return total;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    public async Task ImportRepoAsync(Account a, byte[] car)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.importRepo");
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", a.AccessJwt);
        req.Content = new ByteArrayContent(car);
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.ipld.car");
        using var res = await http.SendAsync(req).ConfigureAwait(false);
        await EnsureOkAsync(res, "importRepo").ConfigureAwait(false);
    }

    public async Task CreateSessionAsync(Account a)
    {
        var body = new JsonObject { ["identifier"] = a.Handle, ["password"] = a.Password };
        await PostJsonAsync("com.atproto.server.createSession", body, null).ConfigureAwait(false);
    }

    /// <summary>A fresh record key in TID syntax (13 base32-sortable characters), unique in this process.</summary>
    public static string NextTid()
    {
        const string alphabet = "234567abcdefghijklmnopqrstuvwxyz";
        var micros = Interlocked.Increment(ref tidClock);
        Span<char> s = stackalloc char[13];
        var v = micros;
        for (var i = 10; i >= 0; i--)
        {
            s[i] = alphabet[(int)(v & 31)];
            v >>= 5;
        }

        s[11] = '2';
        s[12] = '2';
        return new string(s);
    }

    private async Task<JsonNode> PostJsonAsync(string nsid, JsonObject body, string? jwt)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/xrpc/" + nsid);
        if (jwt is not null)
        {
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt);
        }

        req.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var res = await http.SendAsync(req).ConfigureAwait(false);
        await EnsureOkAsync(res, nsid).ConfigureAwait(false);
        var bytes = await res.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return bytes.Length == 0 ? new JsonObject() : JsonNode.Parse(bytes) ?? new JsonObject();
    }

    private static async Task EnsureOkAsync(HttpResponseMessage res, string what)
    {
        if (!res.IsSuccessStatusCode)
        {
            var text = await res.Content.ReadAsStringAsync().ConfigureAwait(false);
            throw new HttpRequestException($"{what}: HTTP {(int)res.StatusCode} {text[..Math.Min(text.Length, 300)]}");
        }
    }

    internal static JsonSerializerOptions Json { get; } = new() { WriteIndented = true };
}
