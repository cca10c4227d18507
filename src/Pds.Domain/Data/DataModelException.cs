namespace Pds.Domain.Data;

/// <summary>Input that is not valid under the atproto data model (or not canonical DAG-CBOR).</summary>
public sealed class DataModelException : FormatException
{
    public DataModelException(string message)
        : base(message)
    {
    }

    public DataModelException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
