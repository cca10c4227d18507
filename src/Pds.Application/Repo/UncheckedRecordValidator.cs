using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Data;

namespace Pds.Application.Repo;

/// <summary>
/// The record validator for a server that knows no lexicons: every record is stored as
/// <c>unknown</c>, and a write that demands validation is refused because no lexicon can be found.
/// </summary>
public sealed class UncheckedRecordValidator : IRecordValidator
{
    public RecordValidationStatus Validate(string collection, LexMap record, bool? validate) =>
        validate == true
            ? throw XrpcException.InvalidRequest($"Lexicon not found: lex:{collection}")
            : RecordValidationStatus.Unknown;
}
