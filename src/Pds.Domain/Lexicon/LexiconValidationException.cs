namespace Pds.Domain.Lexicon;

/// <summary>
/// Data that does not conform to its lexicon. <see cref="Exception.Message"/> names the offending
/// location and the rule, e.g. <c>Record/embed/images/0/alt must not be longer than 1000 graphemes</c>.
/// </summary>
public sealed class LexiconValidationException : Exception
{
    public LexiconValidationException(string path, string problem)
        : base($"{path} {problem}")
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>Where the problem is: the root name followed by <c>/</c>-separated keys and indexes.</summary>
    public string Path { get; }

    /// <summary>The rule that was broken, without the path.</summary>
    public string Problem { get; }
}
