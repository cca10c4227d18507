namespace Pds.Domain.Crypto;

internal static class KeypairHex
{
    /// <summary>Decodes a hex private key without echoing its text in the error.</summary>
    public static byte[] Decode(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != 64)
        {
            throw new ArgumentException("A private key in hex is 64 characters.", nameof(hex));
        }

        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new ArgumentException("The private key is not valid hex.", nameof(hex));
        }
    }
}
