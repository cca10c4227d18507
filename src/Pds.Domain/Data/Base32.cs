namespace Pds.Domain.Data;

/// <summary>RFC 4648 base32, lower-case alphabet, no padding: the multibase 'b' encoding used for CIDs.</summary>
public static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    private static readonly sbyte[] Decode = BuildDecodeTable();

    public static int EncodedLength(int byteCount) => ((byteCount * 8) + 4) / 5;

    public static string Encode(ReadOnlySpan<byte> data)
    {
        return string.Create(EncodedLength(data.Length), data.ToArray(), static (chars, bytes) => Encode(bytes, chars));
    }

    /// <summary>Encodes into <paramref name="output"/>, which must hold <see cref="EncodedLength"/> chars.</summary>
    public static void Encode(ReadOnlySpan<byte> data, Span<char> output)
    {
        int buffer = 0, bits = 0, o = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                output[o++] = Alphabet[(buffer >> bits) & 31];
            }
        }

        if (bits > 0)
        {
            output[o++] = Alphabet[(buffer << (5 - bits)) & 31];
        }
    }

    /// <summary>Decodes lower-case unpadded base32; returns false on any character outside the alphabet or non-zero trailing bits.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        var outLen = text.Length * 5 / 8;
        var result = new byte[outLen];
        int buffer = 0, bits = 0, o = 0;
        foreach (var c in text)
        {
            var v = c < 128 ? Decode[c] : (sbyte)-1;
            if (v < 0)
            {
                return false;
            }

            buffer = (buffer << 5) | (byte)v;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                result[o++] = (byte)(buffer >> bits);
            }
        }

        // Leftover bits must be padding zeros, and there can be at most 4 of them.
        if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0)
        {
            return false;
        }

        bytes = result;
        return true;
    }

    private static sbyte[] BuildDecodeTable()
    {
        var table = new sbyte[128];
        Array.Fill(table, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            table[Alphabet[i]] = (sbyte)i;
        }

        return table;
    }
}
