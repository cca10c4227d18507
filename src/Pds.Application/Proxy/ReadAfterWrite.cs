using System.Text.Json;
using System.Text.Json.Nodes;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Configuration;
using Pds.Domain.Data;

namespace Pds.Application.Proxy;

/// <summary>A record of the requester's written after the AppView's view of the repo.</summary>
public sealed record LocalRecord(string Uri, string Cid, string Collection, JsonObject Value, DateTime IndexedAt);

/// <summary>What the requester wrote that the AppView has not indexed yet.</summary>
public sealed record LocalRecords(LocalRecord? Profile, IReadOnlyList<LocalRecord> Posts, string Handle)
{
    public bool IsEmpty => Profile is null && Posts.Count == 0;

    /// <summary>How far behind the AppView is: the age of the oldest unindexed record.</summary>
    public DateTime? Oldest => Posts.Select(p => p.IndexedAt).Concat(Profile is null ? [] : [Profile.IndexedAt]).DefaultIfEmpty().Min() is var t && t != default ? t : null;
}

/// <summary>
/// Read-after-write, as the reference PDS does it: an AppView answer to one of the requester's own
/// views is patched with the requester's records newer than the repo revision the AppView reports
/// (<c>atproto-repo-rev</c>), so a just-written post or profile change shows at once.
/// </summary>
public sealed class ReadAfterWrite(IActorStore actors, IAccountStore accounts, PdsOptions options)
{
    public const string ProfileCollection = "app.bsky.actor.profile";
    public const string PostCollection = "app.bsky.feed.post";
    private const int MaxPosts = 100;

    /// <summary>The methods whose answers are patched.</summary>
    public static readonly IReadOnlySet<string> Methods = new HashSet<string>(StringComparer.Ordinal)
    {
        "app.bsky.actor.getProfile",
        "app.bsky.actor.getProfiles",
        "app.bsky.feed.getTimeline",
        "app.bsky.feed.getAuthorFeed",
        "app.bsky.feed.getActorLikes",
        "app.bsky.feed.getPostThread",
        "app.bsky.feed.getFeed",
    };

    public async Task<LocalRecords> GetSinceAsync(string did, string rev, CancellationToken cancellationToken)
    {
        var account = await accounts.GetByDidAsync(did, cancellationToken).ConfigureAwait(false);
        var handle = account?.Handle ?? "handle.invalid";
        return await actors.ReadAsync(
            did,
            async (reader, ct) =>
            {
                var records = await reader.ListRecordsSinceAsync(rev, [ProfileCollection, PostCollection], MaxPosts + 1, ct).ConfigureAwait(false);
                var blocks = await reader.GetBlocksAsync(records.Select(r => r.Cid).ToList(), ct).ConfigureAwait(false);
                LocalRecord? profile = null;
                var posts = new List<LocalRecord>();
                foreach (var record in records)
                {
                    if (!blocks.TryGetValue(record.Cid, out var bytes) || record.TakedownRef is not null
                        || JsonNode.Parse(LexJson.ToUtf8Bytes(DagCbor.Decode(bytes))) is not JsonObject value)
                    {
                        continue;
                    }

                    var local = new LocalRecord(record.Uri, record.Cid, record.Collection, value, record.IndexedAt);
                    if (record.Collection == ProfileCollection && record.Rkey == "self")
                    {
                        profile ??= local;
                    }
                    else if (record.Collection == PostCollection && posts.Count < MaxPosts)
                    {
                        posts.Add(local);
                    }
                }

                return new LocalRecords(profile, posts, handle);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Patches an AppView answer for <paramref name="lxm"/>; returns whether anything changed.</summary>
    public bool Patch(string lxm, IReadOnlyDictionary<string, string> query, string did, LocalRecords local, JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(body);
        bool IsRequester(string? actor) => actor == did || actor is not null && string.Equals(actor, local.Handle, StringComparison.OrdinalIgnoreCase);
        switch (lxm)
        {
            case "app.bsky.actor.getProfile":
                return UpdateProfile(body, did, local);
            case "app.bsky.actor.getProfiles":
                return body["profiles"] is JsonArray profiles && profiles.OfType<JsonObject>().Select(p => UpdateProfile(p, did, local)).ToList().Any(c => c);
            case "app.bsky.feed.getTimeline":
                return UpdateAuthors(body, did, local) | InsertPosts(body, did, local);
            case "app.bsky.feed.getAuthorFeed":
                return UpdateAuthors(body, did, local) | (IsRequester(query.GetValueOrDefault("actor")) && query.GetValueOrDefault("cursor") is null && InsertPosts(body, did, local));
            case "app.bsky.feed.getPostThread":
            case "app.bsky.feed.getActorLikes":
            case "app.bsky.feed.getFeed":
                return UpdateAuthors(body, did, local);
            default:
                return false;
        }
    }

    /// <summary>A thread for the requester's own post the AppView does not know yet (it answered NotFound).</summary>
    public JsonObject? LocalThread(string uri, string did, LocalRecords local)
    {
        ArgumentNullException.ThrowIfNull(local);
        var post = local.Posts.FirstOrDefault(p => p.Uri == uri);
        return post is null ? null : new JsonObject
        {
            ["thread"] = new JsonObject
            {
                ["$type"] = "app.bsky.feed.defs#threadViewPost",
                ["post"] = PostView(post, did, local),
                ["replies"] = new JsonArray(),
            },
        };
    }

    private bool UpdateProfile(JsonObject view, string did, LocalRecords local)
    {
        if (local.Profile is not { } profile || view["did"]?.GetValue<string>() != did)
        {
            return false;
        }

        var record = profile.Value;
        view["displayName"] = record["displayName"]?.DeepClone();
        view["description"] = record["description"]?.DeepClone();
        view["avatar"] = ImageUrl(did, record["avatar"]) is { } avatar ? avatar : null;
        view["banner"] = ImageUrl(did, record["banner"]) is { } banner ? banner : null;
        return true;
    }

    private bool UpdateAuthors(JsonObject body, string did, LocalRecords local)
    {
        if (local.Profile is null)
        {
            return false;
        }

        var changed = false;
        foreach (var author in Descendants(body).OfType<JsonObject>().Where(o => o.Parent is JsonObject && o.GetPropertyName() == "author").ToList())
        {
            if (author["did"]?.GetValue<string>() == did)
            {
                BasicProfile(author, did, local);
                changed = true;
            }
        }

        return changed;
    }

    private bool InsertPosts(JsonObject body, string did, LocalRecords local)
    {
        if (local.Posts.Count == 0 || body["feed"] is not JsonArray feed)
        {
            return false;
        }

        var known = feed.OfType<JsonObject>().Select(item => item["post"]?["uri"]?.GetValue<string>()).Where(u => u is not null).ToHashSet(StringComparer.Ordinal);
        var fresh = local.Posts.Where(p => !known.Contains(p.Uri)).ToList();
        for (var i = fresh.Count - 1; i >= 0; i--)
        {
            feed.Insert(0, new JsonObject { ["post"] = PostView(fresh[i], did, local) });
        }

        return fresh.Count > 0;
    }

    private JsonObject PostView(LocalRecord post, string did, LocalRecords local)
    {
        var author = new JsonObject { ["did"] = did, ["handle"] = local.Handle };
        BasicProfile(author, did, local);
        return new JsonObject
        {
            ["uri"] = post.Uri,
            ["cid"] = post.Cid,
            ["author"] = author,
            ["record"] = post.Value.DeepClone(),
            ["replyCount"] = 0,
            ["repostCount"] = 0,
            ["likeCount"] = 0,
            ["quoteCount"] = 0,
            ["indexedAt"] = Pds.Application.Server.Formats.Datetime(post.IndexedAt),
            ["labels"] = new JsonArray(),
        };
    }

    private void BasicProfile(JsonObject author, string did, LocalRecords local)
    {
        if (local.Profile?.Value is not { } record)
        {
            return;
        }

        author["displayName"] = record["displayName"]?.DeepClone();
        if (ImageUrl(did, record["avatar"]) is { } avatar)
        {
            author["avatar"] = avatar;
        }
    }

    /// <summary>Where a profile image can be fetched before the AppView's CDN has it: this server's getBlob.</summary>
    private string? ImageUrl(string did, JsonNode? blob)
    {
        var cid = blob?["ref"]?["$link"]?.GetValue<string>();
        return cid is null
            ? null
            : new Uri(options.Service.PublicUrl, $"/xrpc/com.atproto.sync.getBlob?did={Uri.EscapeDataString(did)}&cid={Uri.EscapeDataString(cid)}").ToString();
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        var stack = new Stack<JsonNode>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            IEnumerable<JsonNode?> children = current switch
            {
                JsonObject o => o.Select(p => p.Value),
                JsonArray a => a,
                _ => [],
            };
            foreach (var child in children)
            {
                if (child is not null)
                {
                    stack.Push(child);
                }
            }
        }
    }
}
