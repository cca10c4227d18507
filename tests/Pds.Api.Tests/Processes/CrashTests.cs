using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Pds.Api.Tests.Xrpc;
using Pds.Domain.Events;
using Pds.Domain.Identity;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Mst;
using Pds.TestKit;

namespace Pds.Api.Tests.Processes;

/// <summary>
/// kill -9 in the middle of a burst of concurrent writes to several repositories: after a restart
/// every acknowledged write is there, each repository verifies, and its events form an unbroken chain.
/// </summary>
public sealed class CrashTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task KillDashNine_DuringConcurrentWrites_AcknowledgedWritesSurviveAndEventsHaveNoGap()
    {
        var acknowledged = new ConcurrentBag<(string Did, string Path, string Cid)>();
        List<TestAccount> accounts;
        await using (var server = await PdsProcess.StartAsync(_database.Settings))
        {
            accounts = [];
            for (var i = 0; i < 3; i++)
            {
                accounts.Add(await server.Client.CreateAccountAsync());
            }

            using var stop = new CancellationTokenSource();
            var writers = accounts.SelectMany(account => Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    HttpResponseMessage response;
                    try
                    {
                        response = await server.Client.PostAsync(
                            "com.atproto.repo.createRecord",
                            new { repo = account.Did, collection = "app.bsky.feed.post", record = new Dictionary<string, object> { ["$type"] = "app.bsky.feed.post", ["text"] = $"writer {w} post {n}", ["createdAt"] = "2026-11-24T00:00:00Z" } },
                            account.AccessJwt);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // The server is gone: this write was never acknowledged.
                    }

                    if (!response.IsSuccessStatusCode)
                    {
                        return;
                    }

                    JsonElement body;
                    try
                    {
                        body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
                    {
                        return; // Cut off mid-answer: not acknowledged either.
                    }

                    var uri = body.GetProperty("uri").GetString()!;
                    acknowledged.Add((account.Did, uri[(uri.IndexOf("/app.bsky", StringComparison.Ordinal) + 1)..], body.GetProperty("cid").GetString()!));
                }
            }))).ToList();

            // Let the burst get going, then pull the plug while requests are in flight.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (acknowledged.Count < 60 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            server.KillHard();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        Assert.True(acknowledged.Count >= 60, $"only {acknowledged.Count} writes were acknowledged before the kill");

        await using var restarted = await PdsProcess.StartAsync(_database.Settings);
        var client = restarted.Client;

        // Every acknowledged write is readable with the CID it was acknowledged with.
        foreach (var (did, path, cid) in acknowledged)
        {
            var rkey = path[(path.IndexOf('/', StringComparison.Ordinal) + 1)..];
            var record = await (await client.GetAsync($"com.atproto.repo.getRecord?repo={did}&collection=app.bsky.feed.post&rkey={rkey}", null)).ReadOkJsonAsync();
            Assert.Equal(cid, record.GetProperty("cid").GetString());
        }

        using var socket = await ProcessFirehose.ConnectAsync(restarted, 0);
        var frames = await ProcessFirehose.ReadUntilQuietAsync(socket, TimeSpan.FromSeconds(3));
        var seqs = frames.Select(f => f.Payload.GetInteger("seq")!.Value).ToList();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(seqs.Count, seqs.Distinct().Count());

        foreach (var account in accounts)
        {
            // The repository verifies against the key its DID document names, and holds exactly its records.
            var car = await client.GetByteArrayAsync($"/xrpc/com.atproto.sync.getRepo?did={account.Did}");
            var contents = await RepoCar.ReadAsync(new MemoryStream(car));
            var key = DidDocument.Parse(await client.GetStringAsync($"/plc/{account.Did}"), account.Did).GetSigningKey()!;
            Assert.True(contents.Commit.VerifySignature(key));
            var tree = MstTree.Load(contents.Blocks, contents.Commit.Data);
            var entries = (await tree.ListAsync()).ToDictionary(e => e.Key, e => e.Value.ToString(), StringComparer.Ordinal);
            foreach (var (_, path, cid) in acknowledged.Where(a => a.Did == account.Did))
            {
                Assert.True(entries.TryGetValue(path, out var inTree) && inTree == cid, $"{path} missing from the exported repository");
            }

            var listed = await (await client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=app.bsky.feed.post&limit=100", null)).ReadOkJsonAsync();
            var total = listed.GetProperty("records").GetArrayLength();
            for (var cursor = listed.TryGetProperty("cursor", out var c) ? c.GetString() : null; cursor is not null;)
            {
                var page = await (await client.GetAsync($"com.atproto.repo.listRecords?repo={account.Did}&collection=app.bsky.feed.post&limit=100&cursor={cursor}", null)).ReadOkJsonAsync();
                total += page.GetProperty("records").GetArrayLength();
                cursor = page.TryGetProperty("cursor", out var next) ? next.GetString() : null;
            }

            Assert.Equal(entries.Count, total);

            // Its events replay as an unbroken chain ending at the head, and cover every record.
            var commits = frames
                .Where(f => f.Type == CommitEvent.TypeName && f.Payload.GetString("repo") == account.Did)
                .Select(f => (CommitEvent)RepoEvent.FromPayload(CommitEvent.TypeName, f.Payload));
            var replayed = await ProcessFirehose.AssertUnbrokenChainAsync(commits, contents.CommitCid.ToString());
            Assert.Equal(entries.Count, replayed.Count(kv => kv.Value is not null));
            foreach (var (path, cid) in entries)
            {
                Assert.Equal(cid, replayed[path]?.ToString());
            }
        }
    }
}
