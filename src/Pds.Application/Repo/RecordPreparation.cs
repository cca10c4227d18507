using System.Text.Json;
using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Syntax;

namespace Pds.Application.Repo;

/// <summary>A write ready for the repository, with what the response reports about it.</summary>
public sealed record PreparedWrite(RepoWrite Write, AtUri Uri, RecordValidationStatus? ValidationStatus, IReadOnlyList<BlobRef> Blobs);

/// <summary>
/// Turns XRPC write input into repository writes: collection and record key syntax, the record's
/// <c>$type</c>, data-model conversion from JSON, the size limit, and lexicon validation.
/// </summary>
public sealed class RecordPreparation(IRecordValidator validator)
{
    /// <summary>Largest encoded record accepted (the reference PDS and relays hold to 1 MiB per block).</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    public PreparedWrite PrepareCreate(Did did, string collection, string? rkey, JsonElement record, bool? validate)
    {
        var nsid = ParseCollection(collection);
        var key = rkey is null ? RecordKey.Parse(TidClock.Shared.Next().ToString()) : ParseRkey(rkey);
        var (map, status) = PrepareRecord(nsid, key, record, validate);
        var (cid, bytes) = Encode(map);
        var write = new RepoCreate(nsid, key, cid, bytes);
        return new PreparedWrite(write, write.UriFor(did), status, BlobRef.FindAll(map).ToList());
    }

    public PreparedWrite PrepareUpdate(Did did, string collection, string rkey, JsonElement record, bool? validate, Cid? swapRecord)
    {
        var nsid = ParseCollection(collection);
        var key = ParseRkey(rkey);
        var (map, status) = PrepareRecord(nsid, key, record, validate);
        var (cid, bytes) = Encode(map);
        var write = new RepoUpdate(nsid, key, cid, bytes, swapRecord);
        return new PreparedWrite(write, write.UriFor(did), status, BlobRef.FindAll(map).ToList());
    }

    public PreparedWrite PrepareDelete(Did did, string collection, string rkey, Cid? swapRecord)
    {
        var write = new RepoDelete(ParseCollection(collection), ParseRkey(rkey), swapRecord);
        return new PreparedWrite(write, write.UriFor(did), null, []);
    }

    public static Cid? ParseCid(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }

        return Cid.TryParse(value, out var cid) ? cid : throw XrpcException.InvalidRequest($"{field} must be a CID");
    }

    private (LexMap Record, RecordValidationStatus? Status) PrepareRecord(Nsid collection, RecordKey rkey, JsonElement record, bool? validate)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw XrpcException.InvalidRequest("Record must be an object");
        }

        LexMap map;
        try
        {
            map = (LexMap)LexJson.FromElement(record);
        }
        catch (DataModelException e)
        {
            throw XrpcException.InvalidRequest($"Invalid record: {e.Message}");
        }

        var type = map.GetString("$type") ?? throw XrpcException.InvalidRequest("Record/$type must be a string");
        if (type != collection.ToString())
        {
            throw XrpcException.InvalidRequest($"Invalid $type: expected {collection}, got {type}");
        }

        return (map, validator.Validate(type, rkey.ToString(), map, validate));
    }

    private static (Cid Cid, byte[] Bytes) Encode(LexMap record)
    {
        var (cid, bytes) = DagCbor.EncodeBlock(record);
        if (bytes.Length > MaxRecordBytes)
        {
            throw XrpcException.InvalidRequest($"Record is too large: {bytes.Length} bytes (limit {MaxRecordBytes})");
        }

        return (cid, bytes);
    }

    private static Nsid ParseCollection(string collection) =>
        Nsid.TryParse(collection, out var nsid) ? nsid : throw XrpcException.InvalidRequest($"Invalid collection: {collection}");

    private static RecordKey ParseRkey(string rkey) =>
        RecordKey.TryParse(rkey, out var key) ? key : throw XrpcException.InvalidRequest($"Invalid record key: {rkey}");
}
