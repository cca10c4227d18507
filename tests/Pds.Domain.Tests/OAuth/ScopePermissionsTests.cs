using Pds.Domain.OAuth;

namespace Pds.Domain.Tests.OAuth;

public sealed class ScopePermissionsTests
{
    [Theory]
    [InlineData("identity:*")]
    [InlineData("identity:*?")]
    [InlineData("rpc?lxm=*&aud=did:web:api.example.com%23svc_appview")]
    [InlineData("blob?accept=video/*&accept=text/html")]
    [InlineData("repo:app.example.profile?action=create&action=update&action=delete")]
    [InlineData("include:app.example.authFull?aud=did:web:api.example.com%23svc_chat")]
    public void SpecExamples_ParseAsScopeStrings(string scope) => Assert.True(ScopeString.TryParse(scope, out _));

    [Theory]
    [InlineData("resource:positional?key=québec")]
    [InlineData("emoji:☺️")]
    [InlineData("resource:")]
    [InlineData("")]
    [InlineData("repo:a b")]
    public void SpecCounterExamples_DoNotParse(string scope) => Assert.False(ScopeString.TryParse(scope, out _));

    [Fact]
    public void Positional_AndNamedParameter_BothGiven_GrantNothing()
    {
        var permissions = ScopePermissions.Parse("atproto repo:com.example.record?collection=com.example.other");
        Assert.False(permissions.AllowsRepo("com.example.record", RepoAction.Create));
        Assert.False(permissions.AllowsRepo("com.example.other", RepoAction.Create));
    }

    [Fact]
    public void Repo_CollectionsAndActions()
    {
        var p = ScopePermissions.Parse("atproto repo:app.example.profile repo?collection=app.example.post&collection=app.example.like&action=delete");
        Assert.True(p.AllowsRepo("app.example.profile", RepoAction.Update));
        Assert.True(p.AllowsRepo("app.example.post", RepoAction.Delete));
        Assert.False(p.AllowsRepo("app.example.post", RepoAction.Create));
        Assert.False(p.AllowsRepo("app.example.other", RepoAction.Delete));

        var wildcard = ScopePermissions.Parse("atproto repo:*?action=delete");
        Assert.True(wildcard.AllowsRepo("anything.at.all", RepoAction.Delete));
        Assert.False(wildcard.AllowsRepo("anything.at.all", RepoAction.Create));
        Assert.False(ScopePermissions.Parse("atproto repo:app.example.post?action=explode").AllowsRepo("app.example.post", RepoAction.Create));
    }

    [Fact]
    public void Blob_AcceptPatterns()
    {
        var p = ScopePermissions.Parse("atproto blob?accept=video/*&accept=text/html");
        Assert.True(p.AllowsBlob("video/mp4"));
        Assert.True(p.AllowsBlob("text/html; charset=utf-8"));
        Assert.False(p.AllowsBlob("text/plain"));
        Assert.False(p.AllowsBlob("image/png"));
        Assert.True(ScopePermissions.Parse("atproto blob:*/*").AllowsBlob("application/zip"));
    }

    [Fact]
    public void Rpc_NeedsAudience_AndNotBothWildcards()
    {
        var p = ScopePermissions.Parse("atproto rpc:app.example.moderation.createReport?aud=* rpc?lxm=*&aud=did:web:api.example.com%23svc_appview");
        Assert.True(p.AllowsRpc("did:web:mod.example#atproto_labeler", "app.example.moderation.createReport"));
        Assert.True(p.AllowsRpc("did:web:api.example.com#svc_appview", "app.example.feed.getTimeline"));
        Assert.True(p.AllowsRpc("did:web:api.example.com", "app.example.feed.getTimeline"));
        Assert.False(p.AllowsRpc("did:web:other.example#svc_appview", "app.example.feed.getTimeline"));
        Assert.False(ScopePermissions.Parse("atproto rpc:*?aud=*").AllowsRpc("did:web:x#y", "a.b.c"));
        Assert.False(ScopePermissions.Parse("atproto rpc:app.example.getThing").AllowsRpc("did:web:x#y", "app.example.getThing"));
    }

    [Fact]
    public void AccountAndIdentity()
    {
        var p = ScopePermissions.Parse("atproto account:email account:repo?action=manage identity:handle");
        Assert.True(p.AllowsAccount("email", manage: false));
        Assert.False(p.AllowsAccount("email", manage: true));
        Assert.True(p.AllowsAccount("repo", manage: true));
        Assert.True(p.AllowsIdentity("handle"));
        Assert.False(p.AllowsIdentity("*"));
        Assert.True(ScopePermissions.Parse("atproto identity:*").AllowsIdentity("handle"));
        Assert.False(ScopePermissions.Parse("atproto account:*").AllowsAccount("email", manage: false));
    }

    [Fact]
    public void TransitionGeneric_IsTheAppPasswordLevel_ChatNeedsItsOwnScope()
    {
        var p = ScopePermissions.Parse("atproto transition:generic");
        Assert.True(p.AllowsRepo("app.bsky.feed.post", RepoAction.Delete));
        Assert.True(p.AllowsBlob("video/mp4"));
        Assert.True(p.AllowsRpc("did:web:api.bsky.app#bsky_appview", "app.bsky.feed.getTimeline"));
        Assert.False(p.AllowsRpc("did:web:api.bsky.chat#bsky_chat", "chat.bsky.convo.getLog"));
        Assert.False(p.AllowsAccount("email", manage: false));
        Assert.False(p.AllowsIdentity("handle"));
        Assert.True(ScopePermissions.Parse("atproto transition:generic transition:chat.bsky").AllowsRpc("did:web:api.bsky.chat#bsky_chat", "chat.bsky.convo.getLog"));
        Assert.True(ScopePermissions.Parse("atproto transition:email").AllowsAccount("email", manage: false));
        Assert.True(ScopePermissions.AppPassword.AllowsRepo("x.y.z", RepoAction.Create));
        Assert.False(ScopePermissions.AppPassword.AllowsRpc("did:web:c#bsky_chat", "chat.bsky.convo.sendMessage"));
        Assert.True(ScopePermissions.AppPasswordPrivileged.AllowsRpc("did:web:c#bsky_chat", "chat.bsky.convo.sendMessage"));
    }

    [Fact]
    public void WithoutAtproto_NothingIsGranted()
    {
        var p = ScopePermissions.Parse("transition:generic repo:*");
        Assert.False(p.AllowsRepo("app.bsky.feed.post", RepoAction.Create));
        Assert.False(p.AllowsBlob("image/png"));
    }

    [Fact]
    public void MissingScopeNames_AreScopeStrings()
    {
        Assert.Equal("repo:app.bsky.feed.like?action=create", ScopePermissions.RepoScope("app.bsky.feed.like", RepoAction.Create));
        Assert.True(ScopeString.TryParse(ScopePermissions.RpcScope("did:web:a.example#svc", "a.b.c"), out var rpc));
        Assert.Equal("did:web:a.example#svc", rpc.Parameters["aud"][0]);
    }
}
