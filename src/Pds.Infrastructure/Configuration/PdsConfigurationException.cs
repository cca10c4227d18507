namespace Pds.Infrastructure.Configuration;

/// <summary>A missing or invalid setting; the message is one line that names the key.</summary>
public sealed class PdsConfigurationException : Exception
{
    public PdsConfigurationException(string key, string message)
        : base($"{key} {message}")
    {
        Key = key;
    }

    public PdsConfigurationException()
    {
        Key = string.Empty;
    }

    public PdsConfigurationException(string message)
        : base(message)
    {
        Key = string.Empty;
    }

    public PdsConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = string.Empty;
    }

    public string Key { get; }
}
