using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Pds.TestKit;

namespace Pds.Api.Tests.Xrpc.Server;

/// <summary>
/// With <c>PDS_EMAIL_SMTP_URL</c> set, every message the server sends reaches a real SMTP server on
/// loopback (logging in with the URL's credentials), addressed to the account, readable as text and
/// HTML, and its code completes the flow it was sent for.
/// </summary>
public sealed partial class SmtpMailTests(SmtpPdsApiFactory factory) : IClassFixture<SmtpPdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [GeneratedRegex("[A-Z2-7]{5}-[A-Z2-7]{5}")]
    private static partial Regex TokenPattern();

    /// <summary>Waits for the message to <paramref name="to"/> with <paramref name="subject"/>, checks its form and returns its code.</summary>
    private async Task<string> ReceiveTokenAsync(string to, string subject)
    {
        var mail = await factory.Smtp.WaitForMailAsync(m => m.EnvelopeTo.Contains(to, StringComparer.OrdinalIgnoreCase) && m.Subject == subject);
        Assert.Equal([to], mail.EnvelopeTo);
        Assert.Equal(SmtpPdsApiFactory.FromAddress, mail.EnvelopeFrom);
        Assert.Contains(SmtpPdsApiFactory.FromAddress, mail.From, StringComparison.Ordinal);
        var token = TokenPattern().Match(mail.Text ?? string.Empty).Value;
        Assert.False(string.IsNullOrEmpty(token), $"no code in the text part: {mail.Text}");
        Assert.Contains(token, mail.Html, StringComparison.Ordinal);
        Assert.StartsWith("<!DOCTYPE html>", mail.Html, StringComparison.Ordinal);
        Assert.Contains(SmtpPdsApiFactory.Username, factory.Smtp.Logins.Where(l => l.Ok).Select(l => l.Username));
        return token;
    }

    [Fact]
    public async Task RequestEmailConfirmation_MailedCodeConfirmsTheAddress()
    {
        var account = await _client.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.requestEmailConfirmation", null, account.AccessJwt)).StatusCode);
        var token = await ReceiveTokenAsync(account.Email, "Confirm your email address");

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.confirmEmail", new { email = account.Email, token }, account.AccessJwt)).StatusCode);
        var session = await (await _client.GetAsync("com.atproto.server.getSession", account.AccessJwt)).ReadOkJsonAsync();
        Assert.True(session.GetProperty("emailConfirmed").GetBoolean());
    }

    [Fact]
    public async Task RequestPasswordReset_MailedCodeSetsTheNewPassword()
    {
        var account = await _client.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.requestPasswordReset", new { email = account.Email }, null)).StatusCode);
        var token = await ReceiveTokenAsync(account.Email, "Reset your password");

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.resetPassword", new { token, password = "a-new-password" }, null)).StatusCode);
        await (await _client.PostAsJsonAsync("/xrpc/com.atproto.server.createSession", new { identifier = account.Handle, password = "a-new-password" })).ReadOkJsonAsync();
    }

    [Fact]
    public async Task RequestEmailUpdate_MailedCodeToTheOldAddressAllowsTheChange()
    {
        var account = await _client.CreateAccountAsync();
        await _client.PostAsync("com.atproto.server.requestEmailConfirmation", null, account.AccessJwt);
        var confirm = await ReceiveTokenAsync(account.Email, "Confirm your email address");
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.confirmEmail", new { email = account.Email, token = confirm }, account.AccessJwt)).StatusCode);

        var update = await (await _client.PostAsync("com.atproto.server.requestEmailUpdate", null, account.AccessJwt)).ReadOkJsonAsync();
        Assert.True(update.GetProperty("tokenRequired").GetBoolean());
        var token = await ReceiveTokenAsync(account.Email, "Confirm a change of email address");

        var newEmail = $"moved-{Guid.NewGuid():N}@example.com";
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.updateEmail", new { email = newEmail, token }, account.AccessJwt)).StatusCode);
        var session = await (await _client.GetAsync("com.atproto.server.getSession", account.AccessJwt)).ReadOkJsonAsync();
        Assert.Equal(newEmail, session.GetProperty("email").GetString());
    }

    [Fact]
    public async Task RequestAccountDelete_MailedCodeDeletesTheAccount()
    {
        var account = await _client.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.requestAccountDelete", null, account.AccessJwt)).StatusCode);
        var token = await ReceiveTokenAsync(account.Email, "Confirm account deletion");

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.server.deleteAccount", new { did = account.Did, password = account.Password, token }, null)).StatusCode);
        await XrpcPipelineTests.AssertXrpcErrorAsync(await _client.GetAsync($"/xrpc/com.atproto.sync.getLatestCommit?did={account.Did}"), HttpStatusCode.BadRequest, "RepoNotFound");
    }

    [Fact]
    public async Task RequestPlcOperationSignature_MailedCodeSignsTheOperation()
    {
        var account = await _client.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("com.atproto.identity.requestPlcOperationSignature", null, account.AccessJwt)).StatusCode);
        var token = await ReceiveTokenAsync(account.Email, "Confirm a change to your identity");

        var recommended = await (await _client.GetAsync("com.atproto.identity.getRecommendedDidCredentials", account.AccessJwt)).ReadOkJsonAsync();
        var rotationKeys = recommended.GetProperty("rotationKeys").EnumerateArray().Select(k => k.GetString()!).ToArray();
        var signed = await (await _client.PostAsync("com.atproto.identity.signPlcOperation", new { token, rotationKeys }, account.AccessJwt)).ReadOkJsonAsync();
        Assert.True(signed.GetProperty("operation").TryGetProperty("sig", out _));
    }
}

/// <summary>The SMTP server refuses the configured password: the request fails visibly and nothing is delivered.</summary>
public sealed class SmtpWrongPasswordTests(SmtpWrongPasswordPdsApiFactory factory) : IClassFixture<SmtpWrongPasswordPdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task RequestPasswordReset_SmtpLoginRefused_500LoggedWithoutThePassword()
    {
        var account = await _client.CreateAccountAsync();
        var response = await _client.PostAsync("com.atproto.server.requestPasswordReset", new { email = account.Email }, null);

        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.InternalServerError, "InternalServerError");
        await factory.Smtp.WaitForLoginAsync(l => l == (false, SmtpPdsApiFactory.Username));
        Assert.Empty(factory.Smtp.Messages);
        var failure = Assert.Single(factory.Log, l => l.Contains("sending mail through 127.0.0.1", StringComparison.Ordinal));
        Assert.Contains("Reset your password", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.Log, l => l.Contains(SmtpWrongPasswordPdsApiFactory.WrongPassword, StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Log, l => l.Contains(SmtpPdsApiFactory.Password, StringComparison.Ordinal));
    }
}

/// <summary>
/// The SMTP server offers STARTTLS with a certificate nobody trusts: the mailer upgrades (smtp://
/// means STARTTLS when offered), refuses the certificate and sends nothing in the clear.
/// </summary>
public sealed class SmtpUntrustedStartTlsTests(SmtpUntrustedStartTlsPdsApiFactory factory) : IClassFixture<SmtpUntrustedStartTlsPdsApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task RequestPasswordReset_UntrustedCertificate_500AndNothingSent()
    {
        var account = await _client.CreateAccountAsync();
        var response = await _client.PostAsync("com.atproto.server.requestPasswordReset", new { email = account.Email }, null);

        await XrpcPipelineTests.AssertXrpcErrorAsync(response, HttpStatusCode.InternalServerError, "InternalServerError");
        Assert.Empty(factory.Smtp.Logins);
        Assert.Empty(factory.Smtp.Messages);
        var failure = Assert.Single(factory.Log, l => l.Contains("sending mail through 127.0.0.1", StringComparison.Ordinal));
        Assert.Contains("SSL or TLS", failure, StringComparison.Ordinal);
    }
}

/// <summary>A server whose mail goes to an SMTP server on loopback that requires a login.</summary>
public class SmtpPdsApiFactory : PdsApiFactory
{
    public const string Username = "pds-mailer";
    public const string Password = "s3cret:pass/word";
    public const string FromAddress = "noreply@pds.test";

    public SmtpPdsApiFactory()
        : this(offerStartTls: false)
    {
    }

    protected SmtpPdsApiFactory(bool offerStartTls) => Smtp = new SmtpTestServer(Username, Password, offerStartTls);

    public SmtpTestServer Smtp { get; }

    /// <summary>Every line logged by the server, with its exception.</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    protected virtual string SmtpPassword => Password;

    public override async Task InitializeAsync()
    {
        await Smtp.InitializeAsync();
        await base.InitializeAsync();
    }

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["PDS_EMAIL_SMTP_URL"] = Smtp.Url(Username, SmtpPassword),
        ["PDS_EMAIL_FROM_ADDRESS"] = $"Test PDS <{FromAddress}>",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(new ListLoggerProvider(Log)));
    }

    protected override async Task DisposeExtrasAsync() => await Smtp.DisposeAsync();
}

public sealed class SmtpUntrustedStartTlsPdsApiFactory : SmtpPdsApiFactory
{
    public SmtpUntrustedStartTlsPdsApiFactory()
        : base(offerStartTls: true)
    {
    }
}

public sealed class SmtpWrongPasswordPdsApiFactory : SmtpPdsApiFactory
{
    public const string WrongPassword = "not-the-password";

    protected override string SmtpPassword => WrongPassword;
}

/// <summary>Keeps every log line (message and exception) in a queue.</summary>
public sealed class ListLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : "\n" + exception));
    }
}
