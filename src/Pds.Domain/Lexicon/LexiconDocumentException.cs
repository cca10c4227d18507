namespace Pds.Domain.Lexicon;

/// <summary>A lexicon document that is malformed or breaks the rules of the lexicon language.</summary>
public sealed class LexiconDocumentException : FormatException
{
    public LexiconDocumentException(string message)
        : base(message)
    {
    }

    public LexiconDocumentException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
