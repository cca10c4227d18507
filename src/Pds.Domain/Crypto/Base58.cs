namespace Pds.Domain.Crypto;

/// <summary>
/// base58btc (Bitcoin alphabet) as used by multibase prefix <c>z</c>. Inputs in atproto are
/// short (33-67 byte keys), so the plain base-conversion loop over a stack buffer is the fastest
/// shape and allocates only the result.
/// </summary>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private const int MaxStackBytes = 512;

    private static readonly sbyte[] DecodeMap = BuildDecodeMap();

    private static sbyte[] BuildDecodeMap()
    {
        var map = new sbyte[128];
        Array.Fill(map, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            map[Alphabet[i]] = (sbyte)i;
        }

        return map;
    }

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0)
        {
            zeros++;
        }

        // log(256) / log(58) ~= 1.3657; digits are stored least significant first.
        var capacity = ((data.Length - zeros) * 138 / 100) + 1;
        var digits = capacity <= MaxStackBytes ? stackalloc byte[capacity] : new byte[capacity];
        var length = 0;
        for (var i = zeros; i < data.Length; i++)
        {
            int carry = data[i];
            for (var j = 0; j < length; j++)
            {
                carry += digits[j] << 8;
                digits[j] = (byte)(carry % 58);
                carry /= 58;
            }

            while (carry > 0)
            {
                digits[length++] = (byte)(carry % 58);
                carry /= 58;
            }
        }

        return Build(zeros, digits[..length]);
    }

    private static string Build(int zeros, ReadOnlySpan<byte> digitsLsbFirst)
    {
        Span<char> chars = zeros + digitsLsbFirst.Length <= MaxStackBytes
            ? stackalloc char[zeros + digitsLsbFirst.Length]
            : new char[zeros + digitsLsbFirst.Length];
        chars[..zeros].Fill('1');
        for (var i = 0; i < digitsLsbFirst.Length; i++)
        {
            chars[zeros + i] = Alphabet[digitsLsbFirst[digitsLsbFirst.Length - 1 - i]];
        }

        return new string(chars);
    }

    /// <summary>Decodes base58btc text; false (never an exception) on any character outside the alphabet.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1')
        {
            zeros++;
        }

        // log(58) / log(256) ~= 0.7322.
        var capacity = ((text.Length - zeros) * 733 / 1000) + 1;
        var buffer = capacity <= MaxStackBytes ? stackalloc byte[capacity] : new byte[capacity];
        var length = 0;
        for (var i = zeros; i < text.Length; i++)
        {
            var c = text[i];
            if (c >= 128 || DecodeMap[c] < 0)
            {
                return false;
            }

            int carry = DecodeMap[c];
            for (var j = 0; j < length; j++)
            {
                carry += buffer[j] * 58;
                buffer[j] = (byte)carry;
                carry >>= 8;
            }

            while (carry > 0)
            {
                buffer[length++] = (byte)carry;
                carry >>= 8;
            }
        }

        var result = new byte[zeros + length];
        for (var i = 0; i < length; i++)
        {
            result[zeros + i] = buffer[length - 1 - i];
        }

        bytes = result;
        return true;
    }

    public static byte[] Decode(ReadOnlySpan<char> text) =>
        TryDecode(text, out var bytes) ? bytes : throw new FormatException("Invalid base58btc text.");
}
