using System.Buffers.Text;
using System.Text;

namespace Pds.Domain.Tests.Auth;

/// <summary>A clock that stands still at a chosen instant.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public FixedTimeProvider(long unixSeconds)
        : this(DateTimeOffset.FromUnixTimeSeconds(unixSeconds))
    {
    }

    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Builds arbitrary compact JWTs so tests can present tokens no honest issuer would make.</summary>
internal static class JwtCraft
{
    public static string B64(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    public static string B64(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    public static byte[] Unb64(string text) => Base64Url.DecodeFromChars(text);

    public static string Token(string headerJson, string payloadJson, Func<byte[], byte[]> sign)
    {
        var signingInput = B64(headerJson) + "." + B64(payloadJson);
        return signingInput + "." + B64(sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    public static string HeaderJson(string token) => Encoding.UTF8.GetString(Unb64(token.Split('.')[0]));

    public static string PayloadJson(string token) => Encoding.UTF8.GetString(Unb64(token.Split('.')[1]));
}
