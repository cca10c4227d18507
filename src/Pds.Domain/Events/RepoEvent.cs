using Pds.Domain.Data;
using Pds.Domain.Repo;
using Pds.Domain.Repo.Car;
using Pds.Domain.Syntax;

namespace Pds.Domain.Events;

/// <summary>
/// An event of the repository stream (<c>com.atproto.sync.subscribeRepos</c>). The payload is
/// encoded without <c>seq</c>: the sequencer assigns the number when the event is stored, and
/// <see cref="FirehoseFrame"/> adds it when the frame is sent.
/// </summary>
public abstract record RepoEvent(Did Did, DateTimeOffset Time)
{
    /// <summary>The short message type used in the frame header, e.g. <c>#commit</c>.</summary>
    public abstract string Type { get; }

    /// <summary>The payload fields (everything but <c>seq</c>).</summary>
    public abstract LexMap ToPayload();

    protected static string FormatTime(DateTimeOffset time) => Datetime.FromDateTimeOffset(time).ToString();

    /// <summary>Reads a stored payload back into its event type.</summary>
    public static RepoEvent FromPayload(string type, LexMap payload) => type switch
    {
        CommitEvent.TypeName => CommitEvent.FromLex(payload),
        SyncEvent.TypeName => SyncEvent.FromLex(payload),
        IdentityEvent.TypeName => IdentityEvent.FromLex(payload),
        AccountEvent.TypeName => AccountEvent.FromLex(payload),
        _ => throw new DataModelException($"unknown event type {type}"),
    };

    private protected static Did ReadDid(LexMap map, string key) =>
        Did.TryParse(map.GetString(key), out var did) ? did : throw new DataModelException($"event field {key} must be a DID");

    private protected static DateTimeOffset ReadTime(LexMap map) =>
        Datetime.TryParse(map.GetString("time"), out var t) && t.TryGetDateTimeOffset(out var dto)
            ? dto
            : throw new DataModelException("event field time must be a datetime");

    private protected static byte[] ReadBytes(LexMap map, string key) =>
        map[key] is LexBytes b ? b.Value.ToArray() : throw new DataModelException($"event field {key} must be bytes");
}

/// <summary>A repository commit (<c>#commit</c>) in the sync 1.1 form: ops carry CIDs and prev CIDs, and blocks include the covering proof.</summary>
public sealed record CommitEvent(
    Did Repo,
    Cid Commit,
    Tid Rev,
    Tid? Since,
    ReadOnlyMemory<byte> Blocks,
    IReadOnlyList<RecordOp> Ops,
    IReadOnlyList<Cid> Blobs,
    Cid? PrevData,
    DateTimeOffset Time,
    bool TooBig = false) : RepoEvent(Repo, Time)
{
    public const string TypeName = "#commit";

    public override string Type => TypeName;

    /// <summary>
    /// Builds the event for a write: the CAR slice carries the commit, every new block and the
    /// existing MST nodes needed to invert the ops (sync 1.1).
    /// </summary>
    public static CommitEvent FromCommitData(CommitData data, IReadOnlyList<Cid> blobs, DateTimeOffset time)
    {
        var blocks = new BlockMap();
        blocks.AddAll(data.NewBlocks);
        blocks.AddAll(data.RelevantBlocks);
        var car = CarWriter.ToArray([data.Cid], blocks);
        return new CommitEvent(data.Did, data.Cid, data.Rev, data.Since, car, data.Ops, blobs, data.PrevData, time);
    }

    public override LexMap ToPayload()
    {
        var ops = new LexValue[Ops.Count];
        for (var i = 0; i < Ops.Count; i++)
        {
            var op = Ops[i];
            var entries = new Dictionary<string, LexValue>(4, StringComparer.Ordinal)
            {
                ["action"] = op.Action switch
                {
                    RecordAction.Create => "create",
                    RecordAction.Update => "update",
                    _ => "delete",
                },
                ["path"] = op.Path,
                ["cid"] = op.Cid is null ? LexValue.Null : new LexLink(op.Cid),
            };
            if (op.Prev is not null)
            {
                entries["prev"] = new LexLink(op.Prev);
            }

            ops[i] = new LexMap(entries);
        }

        var map = new Dictionary<string, LexValue>(StringComparer.Ordinal)
        {
            ["rebase"] = false,
            ["tooBig"] = TooBig,
            ["repo"] = Repo.ToString(),
            ["commit"] = new LexLink(Commit),
            ["rev"] = Rev.ToString(),
            ["since"] = Since is { } since ? since.ToString() : LexValue.Null,
            ["blocks"] = new LexBytes(Blocks),
            ["ops"] = new LexArray(ops),
            ["blobs"] = new LexArray(Blobs.Select(b => (LexValue)new LexLink(b)).ToArray()),
            ["time"] = FormatTime(Time),
        };
        if (PrevData is not null)
        {
            map["prevData"] = new LexLink(PrevData);
        }

        return new LexMap(map);
    }

    public static CommitEvent FromLex(LexMap map)
    {
        var ops = map["ops"] is LexArray arr
            ? arr.Items.Select(ReadOp).ToList()
            : throw new DataModelException("#commit ops must be an array");
        var blobs = map["blobs"] is LexArray b
            ? b.Items.Select(x => x is LexLink l ? l.Value : throw new DataModelException("#commit blobs must be links")).ToList()
            : [];
        return new CommitEvent(
            ReadDid(map, "repo"),
            map.GetLink("commit") ?? throw new DataModelException("#commit commit must be a link"),
            Tid.TryParse(map.GetString("rev"), out var rev) ? rev : throw new DataModelException("#commit rev must be a TID"),
            Tid.TryParse(map.GetString("since"), out var since) ? since : null,
            ReadBytes(map, "blocks"),
            ops,
            blobs,
            map.GetLink("prevData"),
            ReadTime(map),
            map["tooBig"] is LexBoolean { Value: true });
    }

    private static RecordOp ReadOp(LexValue value)
    {
        if (value is not LexMap m || m.GetString("path") is not { } path)
        {
            throw new DataModelException("#commit op must be a map with a path");
        }

        var action = m.GetString("action") switch
        {
            "create" => RecordAction.Create,
            "update" => RecordAction.Update,
            "delete" => RecordAction.Delete,
            var a => throw new DataModelException($"unknown op action {a}"),
        };
        return new RecordOp(action, path, m.GetLink("cid"), m.GetLink("prev"));
    }
}

/// <summary>
/// Declares the current state of a repository (<c>#sync</c>): a CAR holding only the signed commit.
/// Consumers resynchronise from it when they cannot apply commits incrementally.
/// </summary>
public sealed record SyncEvent(Did Did, Tid Rev, ReadOnlyMemory<byte> Blocks, DateTimeOffset Time) : RepoEvent(Did, Time)
{
    public const string TypeName = "#sync";

    public override string Type => TypeName;

    public static SyncEvent FromCommit(Did did, Commit commit, DateTimeOffset time)
    {
        var (cid, bytes) = commit.Encode();
        var blocks = new BlockMap();
        blocks.Set(cid, bytes);
        return new SyncEvent(did, commit.Rev, CarWriter.ToArray([cid], blocks), time);
    }

    public override LexMap ToPayload() => LexValue.Map(
        ("did", Did.ToString()),
        ("rev", Rev.ToString()),
        ("blocks", new LexBytes(Blocks)),
        ("time", FormatTime(Time)));

    public static SyncEvent FromLex(LexMap map) => new(
        ReadDid(map, "did"),
        Tid.TryParse(map.GetString("rev"), out var rev) ? rev : throw new DataModelException("#sync rev must be a TID"),
        ReadBytes(map, "blocks"),
        ReadTime(map));
}

/// <summary>The account's identity (DID document or handle) may have changed (<c>#identity</c>).</summary>
public sealed record IdentityEvent(Did Did, Handle? Handle, DateTimeOffset Time) : RepoEvent(Did, Time)
{
    public const string TypeName = "#identity";

    public override string Type => TypeName;

    public override LexMap ToPayload()
    {
        var map = new Dictionary<string, LexValue>(StringComparer.Ordinal)
        {
            ["did"] = Did.ToString(),
            ["time"] = FormatTime(Time),
        };
        if (Handle is not null)
        {
            map["handle"] = Handle.ToString();
        }

        return new LexMap(map);
    }

    public static IdentityEvent FromLex(LexMap map) => new(
        ReadDid(map, "did"),
        Handle.TryParse(map.GetString("handle"), out var h) ? h : null,
        ReadTime(map));
}

/// <summary>Hosting status of an account changed (<c>#account</c>): active, or why not (takendown, suspended, deleted, deactivated, ...).</summary>
public sealed record AccountEvent(Did Did, bool Active, string? Status, DateTimeOffset Time) : RepoEvent(Did, Time)
{
    public const string TypeName = "#account";

    public override string Type => TypeName;

    public override LexMap ToPayload()
    {
        var map = new Dictionary<string, LexValue>(StringComparer.Ordinal)
        {
            ["did"] = Did.ToString(),
            ["active"] = Active,
            ["time"] = FormatTime(Time),
        };
        if (Status is not null)
        {
            map["status"] = Status;
        }

        return new LexMap(map);
    }

    public static AccountEvent FromLex(LexMap map) => new(
        ReadDid(map, "did"),
        map["active"] is LexBoolean { Value: true },
        map.GetString("status"),
        ReadTime(map));
}
