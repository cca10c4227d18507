namespace Pds.Domain.Data;

/// <summary>Unsigned LEB128 varints as used by multiformats (CIDs, multicodec) and CAR framing.</summary>
public static class Varint
{
    /// <summary>Multiformats caps varints at 9 bytes (63 bits).</summary>
    public const int MaxLength = 9;

    public static int SizeOf(ulong value)
    {
        var n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }

        return n;
    }

    public static int Write(ulong value, Span<byte> output)
    {
        var i = 0;
        while (value >= 0x80)
        {
            output[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        output[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads a minimally-encoded varint. Returns false if truncated, over-long or not minimal.</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out ulong value, out int consumed)
    {
        value = 0;
        consumed = 0;
        var shift = 0;
        for (var i = 0; i < input.Length && i < MaxLength; i++)
        {
            var b = input[i];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                // A trailing zero byte (other than a lone 0) means a non-minimal encoding.
                if (b == 0 && i > 0)
                {
                    return false;
                }

                consumed = i + 1;
                return true;
            }

            shift += 7;
        }

        value = 0;
        return false;
    }
}
