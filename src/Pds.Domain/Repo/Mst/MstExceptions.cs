namespace Pds.Domain.Repo.Mst;

/// <summary>An MST node or tree is malformed (bad encoding, unsorted keys, wrong depths, bad shape).</summary>
public sealed class MstException(string message) : Exception(message);

/// <summary>A string is not a valid MST key (repository path).</summary>
public sealed class InvalidMstKeyException(string key, string reason)
    : ArgumentException($"invalid repository path \"{Truncate(key)}\": {reason}")
{
    public string Key { get; } = key;

    private static string Truncate(string key) => key.Length <= 100 ? key : key[..100] + "...";
}

/// <summary>An add targeted a key that is already in the tree.</summary>
public sealed class MstKeyExistsException(string key)
    : InvalidOperationException($"the tree already holds a value at \"{key}\"")
{
    public string Key { get; } = key;
}

/// <summary>An update or delete targeted a key that is not in the tree.</summary>
public sealed class MstKeyNotFoundException(string key)
    : KeyNotFoundException($"the tree holds no value at \"{key}\"")
{
    public string Key { get; } = key;
}
