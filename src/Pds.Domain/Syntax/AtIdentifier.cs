using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Pds.Domain.Syntax;

/// <summary>
/// An account identifier as used in XRPC parameters and AT URI authorities: either a
/// <see cref="Did"/> or a <see cref="Handle"/>. A string starting with <c>did:</c> is always read as
/// a DID (never as a handle).
/// </summary>
[JsonConverter(typeof(SyntaxJsonConverter<AtIdentifier>))]
public sealed class AtIdentifier : IEquatable<AtIdentifier>, IParsable<AtIdentifier>
{
    private readonly Did? _did;
    private readonly Handle? _handle;

    public AtIdentifier(Did did)
    {
        ArgumentNullException.ThrowIfNull(did);
        _did = did;
    }

    public AtIdentifier(Handle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        _handle = handle;
    }

    [MemberNotNullWhen(true, nameof(_did))]
    [MemberNotNullWhen(false, nameof(_handle))]
    public bool IsDid => _did is not null;

    public bool IsHandle => !IsDid;

    /// <summary>The DID; throws when this identifier is a handle.</summary>
    public Did AsDid => _did ?? throw new InvalidOperationException($"'{_handle}' is a handle, not a DID.");

    /// <summary>The handle; throws when this identifier is a DID.</summary>
    public Handle AsHandle => _handle ?? throw new InvalidOperationException($"'{_did}' is a DID, not a handle.");

    public bool TryGetDid([NotNullWhen(true)] out Did? did)
    {
        did = _did;
        return did is not null;
    }

    public bool TryGetHandle([NotNullWhen(true)] out Handle? handle)
    {
        handle = _handle;
        return handle is not null;
    }

    public static implicit operator AtIdentifier(Did did) => new(did);

    public static implicit operator AtIdentifier(Handle handle) => new(handle);

    public static AtIdentifier FromDid(Did did) => new(did);

    public static AtIdentifier FromHandle(Handle handle) => new(handle);

    public static AtIdentifier Parse(string s) => Parse(s, null);

    public static AtIdentifier Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.StartsWith("did:", StringComparison.Ordinal)
            ? new AtIdentifier(Did.Parse(s))
            : new AtIdentifier(Handle.Parse(s));
    }

    public static bool TryParse([NotNullWhen(true)] string? s, [MaybeNullWhen(false)] out AtIdentifier result) =>
        TryParse(s, null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out AtIdentifier result)
    {
        if (s is not null)
        {
            if (s.StartsWith("did:", StringComparison.Ordinal))
            {
                if (Did.TryParse(s, out var did))
                {
                    result = new AtIdentifier(did);
                    return true;
                }
            }
            else if (Handle.TryParse(s, out var handle))
            {
                result = new AtIdentifier(handle);
                return true;
            }
        }

        result = null;
        return false;
    }

    /// <summary>True when <paramref name="s"/> is a valid DID or handle.</summary>
    public static bool IsValid(ReadOnlySpan<char> s) =>
        s.StartsWith("did:", StringComparison.Ordinal) ? Did.IsValid(s) : Handle.IsValid(s);

    public bool Equals(AtIdentifier? other) =>
        other is not null && (IsDid ? _did.Equals(other._did) : _handle.Equals(other._handle));

    public override bool Equals(object? obj) => obj is AtIdentifier other && Equals(other);

    public override int GetHashCode() => IsDid ? _did.GetHashCode() : _handle.GetHashCode();

    public override string ToString() => IsDid ? _did.ToString() : _handle.ToString();

    public static bool operator ==(AtIdentifier? left, AtIdentifier? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(AtIdentifier? left, AtIdentifier? right) => !(left == right);
}
