using MailKit.Security;
using Pds.Infrastructure.Mail;

namespace Pds.Infrastructure.Tests.Mail;

public sealed class SmtpEndpointTests
{
    [Theory]
    [InlineData("smtp://mail.example.com", 587, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("smtp://mail.example.com:25", 25, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("smtps://mail.example.com", 465, SecureSocketOptions.SslOnConnect)]
    [InlineData("smtps://mail.example.com:2465", 2465, SecureSocketOptions.SslOnConnect)]
    public void Parse_Scheme_PortAndTlsMode(string url, int port, SecureSocketOptions security)
    {
        var endpoint = SmtpEndpoint.Parse(new Uri(url));
        Assert.Equal("mail.example.com", endpoint.Host);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(security, endpoint.Security);
        Assert.Null(endpoint.Credentials);
    }

    [Fact]
    public void Parse_UserInfo_DecodedCredentialsNeverPrinted()
    {
        var endpoint = SmtpEndpoint.Parse(new Uri("smtp://apikey%40example.com:p%3Ass%2Fw0rd@mail.example.com:587"));
        Assert.Equal("apikey@example.com", endpoint.Credentials!.UserName);
        Assert.Equal("p:ss/w0rd", endpoint.Credentials.Password);
        Assert.DoesNotContain("w0rd", endpoint.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("apikey", endpoint.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OtherScheme_Throws() =>
        Assert.Throws<ArgumentException>(() => SmtpEndpoint.Parse(new Uri("https://mail.example.com")));
}
