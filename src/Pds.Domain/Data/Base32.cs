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

    /// <summary>Bytes that <paramref name="charCount"/> base32 characters decode to.</summary>
    public static int DecodedLength(int charCount) => charCount * 5 / 8;

    /// <summary>
    /// Decodes lower-case unpadded base32 into <paramref name="result"/>, which must hold exactly
    /// <see cref="DecodedLength"/> bytes; false on any character outside the alphabet or non-zero
    /// trailing bits (the bytes written so far are then meaningless).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> result)
    {
        if (result.Length != DecodedLength(text.Length))
        {
            throw new ArgumentException("the destination must hold exactly the decoded length", nameof(result));
        }

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
        return bits < 5 && (buffer & ((1 << bits) - 1)) == 0;
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
