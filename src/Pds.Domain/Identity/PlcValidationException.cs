namespace Pds.Domain.Identity;

/// <summary>Why a PLC operation or audit log was rejected.</summary>
public enum PlcValidationError
{
    /// <summary>The operation does not have one of the three accepted shapes, or a field is ill-formed.</summary>
    MalformedOperation,

    /// <summary>The operation exceeds the DAG-CBOR size limit for new submissions.</summary>
    OperationTooLarge,

    /// <summary>The <c>sig</c> string is not strict unpadded base64url of a 64-byte signature.</summary>
    InvalidSignatureEncoding,

    /// <summary>No permitted rotation key produced the signature (includes high-S and DER signatures).</summary>
    InvalidSignature,

    /// <summary>The signature is from a rotation key of the prior operation, but one without enough authority to fork here.</summary>
    InsufficientKeyAuthority,

    /// <summary>The DID does not equal the hash of the signed genesis operation.</summary>
    DidMismatch,

    /// <summary>A log entry's <c>cid</c> is not the CID of its operation.</summary>
    CidMismatch,

    /// <summary>A log entry belongs to another DID than the log.</summary>
    InconsistentDid,

    /// <summary>The log is empty, or an update arrived for a DID that has no genesis operation.</summary>
    MissingGenesis,

    /// <summary>A genesis operation arrived for a DID that already exists, or a genesis shape is used after creation.</summary>
    UnexpectedGenesis,

    /// <summary>The <c>prev</c> CID names no earlier operation of this DID.</summary>
    PrevNotFound,

    /// <summary>The operation extends an operation that has been nullified.</summary>
    PrevNullified,

    /// <summary>The operation extends a tombstone: a deactivated DID accepts no further updates.</summary>
    AfterTombstone,

    /// <summary>The operation's timestamp is not after the operation it must follow.</summary>
    TimestampOrder,

    /// <summary>A fork tried to nullify an operation older than the 72-hour recovery window.</summary>
    RecoveryWindowExpired,

    /// <summary>A log entry's <c>nullified</c> flag disagrees with the recovery rules.</summary>
    NullifiedMismatch,
}

/// <summary>A PLC operation or audit log failed validation; <see cref="Error"/> says which rule.</summary>
public sealed class PlcValidationException : Exception
{
    public PlcValidationException(PlcValidationError error, string message)
        : base(message)
    {
        Error = error;
    }

    public PlcValidationException(PlcValidationError error, string message, Exception inner)
        : base(message, inner)
    {
        Error = error;
    }

    public PlcValidationException()
        : this(PlcValidationError.MalformedOperation, "invalid PLC operation")
    {
    }

    public PlcValidationException(string message)
        : this(PlcValidationError.MalformedOperation, message)
    {
    }

    public PlcValidationException(string message, Exception inner)
        : this(PlcValidationError.MalformedOperation, message, inner)
    {
    }

    public PlcValidationError Error { get; }
}
