namespace Pds.Domain.Repo.Car;

/// <summary>
/// A CAR stream that is malformed, truncated, fails block verification, or exceeds the reader's limits.
/// </summary>
public sealed class CarException : FormatException
{
    public CarException(string message)
        : base(message)
    {
    }

    public CarException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
