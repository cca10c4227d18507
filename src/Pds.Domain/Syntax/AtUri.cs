using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Pds.Domain.Syntax;

/// <summary>
/// An AT URI in the restricted form Lexicons use:
/// <c>at://AUTHORITY[/COLLECTION[/RKEY]][#/FRAGMENT]</c>, where the authority is a DID or handle,
/// the collection an NSID and the record key a <see cref="RecordKey"/>. No query, no trailing
/// slash, at most 8 KiB. The canonical form lower-cases a handle authority.
/// </summary>
[JsonConverter(typeof(SyntaxJsonConverter<AtUri>))]
public sealed class AtUri : IEquatable<AtUri>, IParsable<AtUri>
{
    public const int MaxLength = 8 * 1024;

    private const string Scheme = "at://";

    private static readonly SearchValues<char> FragmentChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~:@!$&%')(*+,;=-[]/\\");

    private readonly string _value;

    private AtUri(string value, AtIdentifier authority, Nsid? collection, RecordKey? recordKey, string? fragment)
    {
        _value = value;
        Authority = authority;
        Collection = collection;
        RecordKey = recordKey;
        Fragment = fragment;
    }

    public AtIdentifier Authority { get; }

    public Nsid? Collection { get; }

    public RecordKey? RecordKey { get; }

    /// <summary>The fragment without its leading <c>#</c> (it always starts with <c>/</c>), or null.</summary>
    public string? Fragment { get; }

    /// <summary>Builds <c>at://authority[/collection[/rkey]]</c>.</summary>
    public static AtUri Create(AtIdentifier authority, Nsid? collection = null, RecordKey? recordKey = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (recordKey is not null && collection is null)
        {
            throw new ArgumentException("A record key requires a collection.", nameof(recordKey));
        }

        var value = collection is null
            ? Scheme + authority
            : recordKey is null
                ? string.Concat(Scheme, authority.ToString(), "/", collection.ToString())
                : string.Concat(Scheme, authority.ToString(), "/", collection.ToString()) + "/" + recordKey;
        if (value.Length > MaxLength)
        {
            throw new ArgumentException("The AT URI would be longer than 8 KiB.", nameof(recordKey));
        }

        return new AtUri(value, authority, collection, recordKey, null);
    }

    public static AtUri Parse(string s) => Parse(s, null);

    public static AtUri Parse(string s, IFormatProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(s);
        var error = TryParseCore(s, out var result);
        return error is null ? result! : throw new FormatException($"Invalid AT URI: {error}.");
    }

    public static bool TryParse([NotNullWhen(true)] string? s, [MaybeNullWhen(false)] out AtUri result) =>
        TryParse(s, null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out AtUri result)
    {
        if (s is not null && TryParseCore(s, out var parsed) is null)
        {
            result = parsed!;
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>True when <paramref name="s"/> is a valid AT URI in the restricted Lexicon form.</summary>
    public static bool IsValid(ReadOnlySpan<char> s) => Validate(s, out _) is null;

    private static string? TryParseCore(string s, out AtUri? result)
    {
        result = null;
        var error = Validate(s, out var parts);
        if (error is not null)
        {
            return error;
        }

        var authority = parts.AuthorityIsDid
            ? new AtIdentifier(Did.FromValidated(s[parts.Authority]))
            : new AtIdentifier(Handle.FromValidated(s[parts.Authority]));
        var collection = parts.Collection.End.Value > 0 ? Nsid.FromValidated(s[parts.Collection]) : null;
        var recordKey = parts.RecordKey.End.Value > 0 ? RecordKey.FromValidated(s[parts.RecordKey]) : null;
        var fragment = parts.Fragment < 0 ? null : s[(parts.Fragment + 1)..];

        // Only a handle authority can differ from its canonical (lower-case) spelling.
        var authorityText = s.AsSpan(parts.Authority);
        var canonical = !parts.AuthorityIsDid && !authorityText.SequenceEqual(authority.ToString())
            ? string.Concat(Scheme, authority.ToString(), s.AsSpan(Scheme.Length + authorityText.Length))
            : s;
        result = new AtUri(canonical, authority, collection, recordKey, fragment);
        return null;
    }

    private struct Parts
    {
        public Range Authority;
        public bool AuthorityIsDid;
        public Range Collection;
        public Range RecordKey;
        public int Fragment;
    }

    private static string? Validate(ReadOnlySpan<char> s, out Parts parts)
    {
        parts = default;
        parts.Fragment = -1;
        if (s.Length > MaxLength)
        {
            return "longer than 8 KiB";
        }

        if (!s.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return "must start with 'at://'";
        }

        var pathEnd = s.Length;
        var hash = s.IndexOf('#');
        if (hash >= 0)
        {
            var fragmentError = ValidateFragment(s[(hash + 1)..]);
            if (fragmentError is not null)
            {
                return fragmentError;
            }

            parts.Fragment = hash;
            pathEnd = hash;
        }

        var rest = s[Scheme.Length..pathEnd];
        if (rest.IndexOf('?') >= 0)
        {
            return "query parts are not supported";
        }

        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        if (authority.Length == 0)
        {
            return "the authority is empty";
        }

        parts.AuthorityIsDid = authority.StartsWith("did:", StringComparison.Ordinal);
        if (!(parts.AuthorityIsDid ? Did.IsValid(authority) : Handle.IsValid(authority)))
        {
            return "the authority is not a valid DID or handle";
        }

        parts.Authority = new Range(Scheme.Length, Scheme.Length + authority.Length);
        if (slash < 0)
        {
            return null;
        }

        var pathStart = Scheme.Length + slash + 1;
        var path = rest[(slash + 1)..];
        var slash2 = path.IndexOf('/');
        var collection = slash2 < 0 ? path : path[..slash2];
        if (collection.Length == 0)
        {
            return "empty path segment (trailing or duplicate slash)";
        }

        if (!Nsid.IsValid(collection))
        {
            return "the collection is not a valid NSID";
        }

        parts.Collection = new Range(pathStart, pathStart + collection.Length);
        if (slash2 < 0)
        {
            return null;
        }

        var rkey = path[(slash2 + 1)..];
        if (rkey.Length == 0)
        {
            return "empty path segment (trailing or duplicate slash)";
        }

        if (rkey.IndexOf('/') >= 0)
        {
            return "the path has more than two segments";
        }

        if (!Syntax.RecordKey.IsValid(rkey))
        {
            return "the record key is not valid";
        }

        var rkeyStart = pathStart + slash2 + 1;
        parts.RecordKey = new Range(rkeyStart, rkeyStart + rkey.Length);
        return null;
    }

    // Fragments are JSON-Path-like: '/' followed by URI path characters (no '#', no whitespace).
    private static string? ValidateFragment(ReadOnlySpan<char> f)
    {
        if (f.Length == 0 || f[0] != '/')
        {
            return "a fragment must start with '/'";
        }

        return f.ContainsAnyExcept(FragmentChars) ? "the fragment contains a character that is not allowed" : null;
    }

    public bool Equals(AtUri? other) => other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is AtUri other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);

    public override string ToString() => _value;

    public static bool operator ==(AtUri? left, AtUri? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(AtUri? left, AtUri? right) => !(left == right);
}
