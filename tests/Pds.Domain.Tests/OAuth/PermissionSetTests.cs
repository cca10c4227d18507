using System.Text.Json;
using Pds.Domain.OAuth;

namespace Pds.Domain.Tests.OAuth;

public sealed class PermissionSetTests
{
    private static PermissionSet Set(string permissions, string nsid = "com.example.authBasicFeatures") =>
        PermissionSet.Parse(nsid, JsonDocument.Parse(
            "{\"lexicon\":1,\"id\":\"" + nsid + "\",\"defs\":{\"main\":{\"type\":\"permission-set\",\"title\":\"Basic App Functionality\",\"detail\":\"Creation of posts\",\"permissions\":"
            + permissions + "}}}").RootElement);

    [Fact]
    public void SpecExample_ExpandsWithTheIncludeAudience()
    {
        var set = Set("""
            [
              {"type":"permission","resource":"repo","collection":["com.example.post"]},
              {"type":"permission","resource":"repo","collection":["com.example.like"],"action":["delete"]},
              {"type":"permission","resource":"rpc","inheritAud":true,"lxm":["com.example.getFeed","com.example.getProfile"]},
              {"type":"permission","resource":"rpc","aud":"*","lxm":["com.example.getFeedSkeleton"]}
            ]
            """);
        Assert.Equal("Basic App Functionality", set.Title);

        var scopes = set.Expand("did:web:api.example.com#svc_appview");
        Assert.Equal(
            [
                "repo:com.example.post",
                "repo:com.example.like?action=delete",
                "rpc:com.example.getFeed?aud=did%3Aweb%3Aapi.example.com%23svc_appview",
                "rpc:com.example.getProfile?aud=did%3Aweb%3Aapi.example.com%23svc_appview",
                "rpc:com.example.getFeedSkeleton?aud=%2A",
            ],
            scopes);

        // What the expansion grants is exactly what the scope parser then allows.
        var permissions = ScopePermissions.Parse("atproto " + string.Join(' ', scopes));
        Assert.True(permissions.AllowsRepo("com.example.post", RepoAction.Create));
        Assert.True(permissions.AllowsRepo("com.example.like", RepoAction.Delete));
        Assert.False(permissions.AllowsRepo("com.example.like", RepoAction.Create));
        Assert.True(permissions.AllowsRpc("did:web:api.example.com#svc_appview", "com.example.getFeed"));
        Assert.False(permissions.AllowsRpc("did:web:other.example.com#svc_appview", "com.example.getFeed"));
        Assert.True(permissions.AllowsRpc("did:web:other.example.com#svc", "com.example.getFeedSkeleton"));
    }

    [Fact]
    public void InheritingRpc_WithoutIncludeAudience_IsIgnored()
    {
        var set = Set("""[{"type":"permission","resource":"rpc","inheritAud":true,"lxm":["com.example.getFeed"]}]""");
        Assert.Empty(set.Expand(null));
    }

    [Fact]
    public void InheritingRpc_ThatAlsoNamesAnAudience_IsIgnored()
    {
        var set = Set("""[{"type":"permission","resource":"rpc","inheritAud":true,"aud":"did:web:x.example.com#svc","lxm":["com.example.getFeed"]}]""");
        Assert.Empty(set.Expand("did:web:api.example.com#svc"));
    }

    [Theory]
    [InlineData("""{"type":"permission","resource":"repo","collection":["app.bsky.feed.post"]}""")] // another namespace
    [InlineData("""{"type":"permission","resource":"repo","collection":["com.other.post"]}""")] // sibling
    [InlineData("""{"type":"permission","resource":"repo","collection":["*"]}""")] // everything
    [InlineData("""{"type":"permission","resource":"rpc","aud":"*","lxm":["*"]}""")]
    [InlineData("""{"type":"permission","resource":"repo","collection":["com.example.post"],"action":["destroy"]}""")] // unknown value
    [InlineData("""{"type":"permission","resource":"repo","collection":["com.example.post"],"limit":3}""")] // unknown field
    [InlineData("""{"type":"permission","resource":"blob","accept":["image/*"]}""")] // not allowed in sets
    [InlineData("""{"type":"permission","resource":"account","attr":"email"}""")]
    [InlineData("""{"type":"permission","resource":"identity","attr":"*"}""")]
    [InlineData("""{"type":"permission","resource":"teleport"}""")]
    public void DeclarationsOutsideTheRules_AreIgnoredAlone(string declaration)
    {
        var set = Set($$"""[{{declaration}},{"type":"permission","resource":"repo","collection":["com.example.post"]}]""");
        Assert.Equal(["repo:com.example.post"], set.Expand(null));
    }

    [Fact]
    public void NestedSet_ReachesOnlyItsOwnGroup()
    {
        var set = Set(
            """[{"type":"permission","resource":"repo","collection":["com.example.feed.post","com.example.actor.profile"]}]""",
            nsid: "com.example.feed.authOnlyPost");
        Assert.Empty(set.Expand(null));

        set = Set("""[{"type":"permission","resource":"repo","collection":["com.example.feed.post"]}]""", nsid: "com.example.feed.authOnlyPost");
        Assert.Equal(["repo:com.example.feed.post"], set.Expand(null));
    }

    [Theory]
    [InlineData("""{"lexicon":1,"id":"com.example.other","defs":{"main":{"type":"permission-set","permissions":[]}}}""")]
    [InlineData("""{"lexicon":2,"id":"com.example.authBasicFeatures","defs":{"main":{"type":"permission-set","permissions":[]}}}""")]
    [InlineData("""{"lexicon":1,"id":"com.example.authBasicFeatures","defs":{"main":{"type":"query"}}}""")]
    [InlineData("""{"lexicon":1,"id":"com.example.authBasicFeatures","defs":{"main":{"type":"permission-set"}}}""")]
    public void NotAPermissionSetDocument_Throws(string json) =>
        Assert.Throws<FormatException>(() => PermissionSet.Parse("com.example.authBasicFeatures", JsonDocument.Parse(json).RootElement));

    [Theory]
    [InlineData("include:com.example.authFull", "com.example.authFull", null)]
    [InlineData("include:com.example.authFull?aud=did:web:api.example.com%23svc_chat", "com.example.authFull", "did:web:api.example.com#svc_chat")]
    public void IncludeScopes_Parse(string scope, string nsid, string? aud)
    {
        Assert.True(PermissionSet.TryParseInclude(scope, out var parsedNsid, out var parsedAud));
        Assert.Equal(nsid, parsedNsid);
        Assert.Equal(aud, parsedAud);
    }

    [Theory]
    [InlineData("include:")]
    [InlineData("include:not-an-nsid")]
    [InlineData("include:com.example.authFull?aud=nope")]
    [InlineData("include:com.example.authFull?color=red")]
    [InlineData("repo:com.example.post")]
    public void BadIncludeScopes_DoNotParse(string scope) => Assert.False(PermissionSet.TryParseInclude(scope, out _, out _));
}
