namespace Pds.Domain.Data;

public enum LexKind
{
    Null,
    Boolean,
    Integer,
    String,
    Bytes,
    Link,
    Array,
    Map,
}

/// <summary>
/// A value of the atproto data model: null, boolean, integer (64-bit signed), string, bytes,
/// CID link, array, or map with string keys. Floats do not exist in this model. Blobs are maps
/// with <c>$type: "blob"</c> (see <see cref="BlobRef"/>). Values are immutable.
/// </summary>
public abstract class LexValue : IEquatable<LexValue>
{
    private protected LexValue()
    {
    }

    public abstract LexKind Kind { get; }

    public static LexValue Null => LexNull.Instance;

    public static implicit operator LexValue(string value) => new LexString(value);

    public static implicit operator LexValue(long value) => new LexInteger(value);

    public static implicit operator LexValue(bool value) => value ? LexBoolean.True : LexBoolean.False;

    public static implicit operator LexValue(Cid value) => new LexLink(value);

    public static implicit operator LexValue(byte[] value) => new LexBytes(value);

    /// <summary>Deep structural equality (maps compare regardless of insertion order).</summary>
    public abstract bool Equals(LexValue? other);

    public override bool Equals(object? obj) => obj is LexValue v && Equals(v);

    public abstract override int GetHashCode();

    public static LexMap Map(params (string Key, LexValue Value)[] entries)
    {
        var d = new Dictionary<string, LexValue>(entries.Length, StringComparer.Ordinal);
        foreach (var (k, v) in entries)
        {
            d.Add(k, v);
        }

        return new LexMap(d);
    }

    public static LexArray Array(params LexValue[] items) => new(items);
}

public sealed class LexNull : LexValue
{
    public static readonly LexNull Instance = new();

    private LexNull()
    {
    }

    public override LexKind Kind => LexKind.Null;

    public override bool Equals(LexValue? other) => other is LexNull;

    public override int GetHashCode() => 0;

    public override string ToString() => "null";
}

public sealed class LexBoolean : LexValue
{
    public static readonly LexBoolean True = new(true);
    public static readonly LexBoolean False = new(false);

    private LexBoolean(bool value) => Value = value;

    public bool Value { get; }

    public override LexKind Kind => LexKind.Boolean;

    public override bool Equals(LexValue? other) => other is LexBoolean b && b.Value == Value;

    public override int GetHashCode() => Value ? 1 : 2;

    public override string ToString() => Value ? "true" : "false";
}

public sealed class LexInteger(long value) : LexValue
{
    public long Value { get; } = value;

    public override LexKind Kind => LexKind.Integer;

    public override bool Equals(LexValue? other) => other is LexInteger i && i.Value == Value;

    public override int GetHashCode() => Value.GetHashCode();

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class LexString(string value) : LexValue
{
    public string Value { get; } = value ?? throw new ArgumentNullException(nameof(value));

    public override LexKind Kind => LexKind.String;

    public override bool Equals(LexValue? other) => other is LexString s && string.Equals(s.Value, Value, StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;
}

public sealed class LexBytes(ReadOnlyMemory<byte> value) : LexValue
{
    public ReadOnlyMemory<byte> Value { get; } = value;

    public override LexKind Kind => LexKind.Bytes;

    public override bool Equals(LexValue? other) => other is LexBytes b && b.Value.Span.SequenceEqual(Value.Span);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(Value.Span);
        return h.ToHashCode();
    }
}

public sealed class LexLink(Cid value) : LexValue
{
    public Cid Value { get; } = value ?? throw new ArgumentNullException(nameof(value));

    public override LexKind Kind => LexKind.Link;

    public override bool Equals(LexValue? other) => other is LexLink l && l.Value.Equals(Value);

    public override int GetHashCode() => Value.GetHashCode();

    public override string ToString() => Value.ToString();
}

public sealed class LexArray(IReadOnlyList<LexValue> items) : LexValue
{
    public IReadOnlyList<LexValue> Items { get; } = items ?? throw new ArgumentNullException(nameof(items));

    public override LexKind Kind => LexKind.Array;

    public int Count => Items.Count;

    public LexValue this[int index] => Items[index];

    public override bool Equals(LexValue? other)
    {
        if (other is not LexArray a || a.Items.Count != Items.Count)
        {
            return false;
        }

        for (var i = 0; i < Items.Count; i++)
        {
            if (!Items[i].Equals(a.Items[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override int GetHashCode() => HashCode.Combine(LexKind.Array, Items.Count);
}

/// <summary>A map with string keys. Key order is not significant; DAG-CBOR encoding sorts keys canonically.</summary>
public sealed class LexMap(IReadOnlyDictionary<string, LexValue> entries) : LexValue
{
    public IReadOnlyDictionary<string, LexValue> Entries { get; } = entries ?? throw new ArgumentNullException(nameof(entries));

    public override LexKind Kind => LexKind.Map;

    public int Count => Entries.Count;

    public LexValue? this[string key] => Entries.TryGetValue(key, out var v) ? v : null;

    /// <summary>The <c>$type</c> field when it is a string.</summary>
    public string? Type => Entries.TryGetValue("$type", out var t) && t is LexString s ? s.Value : null;

    public bool TryGet(string key, out LexValue value) => Entries.TryGetValue(key, out value!);

    public string? GetString(string key) => this[key] is LexString s ? s.Value : null;

    public long? GetInteger(string key) => this[key] is LexInteger i ? i.Value : null;

    public Cid? GetLink(string key) => this[key] is LexLink l ? l.Value : null;

    public override bool Equals(LexValue? other)
    {
        if (other is not LexMap m || m.Entries.Count != Entries.Count)
        {
            return false;
        }

        foreach (var (k, v) in Entries)
        {
            if (!m.Entries.TryGetValue(k, out var ov) || !v.Equals(ov))
            {
                return false;
            }
        }

        return true;
    }

    public override int GetHashCode() => HashCode.Combine(LexKind.Map, Entries.Count);
}
