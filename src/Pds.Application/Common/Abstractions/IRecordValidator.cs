using Pds.Domain.Data;

namespace Pds.Application.Common.Abstractions;

/// <summary>The <c>validationStatus</c> reported for a written record.</summary>
public enum RecordValidationStatus
{
    /// <summary>The record was checked against its lexicon.</summary>
    Valid,

    /// <summary>No lexicon is known for the collection, so the record was stored unchecked.</summary>
    Unknown,
}

/// <summary>
/// Checks record data against the lexicon of its collection. <c>validate</c> true requires a known
/// lexicon; false skips the check; null checks known lexicons and lets unknown ones pass.
/// Throws <see cref="Errors.XrpcException"/> (400 <c>InvalidRequest</c>) for invalid records.
/// </summary>
public interface IRecordValidator
{
    /// <returns>The status to report, or null when validation was skipped (<paramref name="validate"/> false).</returns>
    RecordValidationStatus? Validate(string collection, string recordKey, LexMap record, bool? validate);
}
