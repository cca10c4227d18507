namespace Pds.Domain.Lexicon.Validation;

/// <summary>
/// A validation failure travelling up from the value that broke a rule. Path segments are added
/// innermost first while the checks unwind, so nothing is allocated for the path on success.
/// </summary>
internal sealed class Failure(string problem)
{
    private readonly List<object> _segments = [];

    public string Problem { get; } = problem;

    public Failure Under(string key)
    {
        _segments.Add(key);
        return this;
    }

    public Failure Under(int index)
    {
        _segments.Add(index);
        return this;
    }

    public string PathFrom(string root)
    {
        var sb = new System.Text.StringBuilder(root);
        for (var i = _segments.Count - 1; i >= 0; i--)
        {
            sb.Append('/');
            sb.Append(_segments[i] is int n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : (string)_segments[i]);
        }

        return sb.ToString();
    }

    public void Throw(string root) => throw new LexiconValidationException(PathFrom(root), Problem);
}
