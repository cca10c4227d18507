using System.Security.Cryptography;
using System.Text;

namespace Pds.LoadGen;

/// <summary>Re-addresses an exported repository CAR to another did:plc, for the importRepo workload.</summary>
/// <remarks>
/// Our server refuses a CAR whose commit names another DID (as a migration would be); the reference
/// PDS does not check. Every did:plc is 32 characters, so the DID inside the commit block is replaced
/// in place, the commit's CID recomputed (sha2-256, dag-cbor) and the old CID replaced by the new one
/// in the header and in the commit's section: no length changes anywhere. Neither server checks the
/// commit signature on import, so the stale signature does not matter for either.
/// </remarks>
public static class CarRewrite
{
    public static byte[] ForDid(byte[] car, string oldDid, string newDid)
    {
        var oldBytes = Encoding.ASCII.GetBytes(oldDid);
        var newBytes = Encoding.ASCII.GetBytes(newDid);
        if (oldBytes.Length != newBytes.Length)
        {
            throw new ArgumentException("DIDs must have the same length");
        }

        var result = (byte[])car.Clone();
        var pos = 0;
        var headerLen = (int)ReadVarint(result, ref pos);
        var header = result.AsSpan(pos, headerLen);
        // The root: tag 42, bytes(37), 0x00 multibase prefix, then a 36-byte CIDv1 (dag-cbor, sha2-256).
        var tagAt = header.IndexOf(new byte[] { 0xD8, 0x2A, 0x58, 0x25, 0x00 });
        if (tagAt < 0)
        {
            throw new InvalidDataException("CAR header has no CIDv1 root");
        }

        var root = header.Slice(tagAt + 5, 36).ToArray();
        pos += headerLen;
        while (pos < result.Length)
        {
            var sectionLen = (int)ReadVarint(result, ref pos);
            var cid = result.AsSpan(pos, 36);
            if (cid.SequenceEqual(root))
            {
                var block = result.AsSpan(pos + 36, sectionLen - 36);
                var at = block.IndexOf(oldBytes);
                if (at < 0)
                {
                    throw new InvalidDataException("commit block does not name the old DID");
                }

                newBytes.CopyTo(block[at..]);
                var newCid = new byte[36];
                new byte[] { 0x01, 0x71, 0x12, 0x20 }.CopyTo(newCid, 0);
                SHA256.HashData(block, newCid.AsSpan(4));
                newCid.CopyTo(result.AsSpan(pos));
                newCid.CopyTo(header[(tagAt + 5)..]);
                return result;
            }

            pos += sectionLen;
        }

        throw new InvalidDataException("CAR has no block for its root");
    }

    private static ulong ReadVarint(byte[] data, ref int pos)
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }

            shift += 7;
        }
    }
}
