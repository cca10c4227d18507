using Pds.Application.Common.Abstractions;
using Pds.Application.Common.Errors;
using Pds.Domain.Data;
using Pds.Domain.Lexicon;

namespace Pds.Infrastructure.Lexicons;

/// <summary>
/// Record validation against the embedded lexicons, with the reference PDS's semantics for the
/// <c>validate</c> flag: null checks records of known lexicons and stores unknown ones as
/// <c>unknown</c>; true demands a known lexicon; false skips validation.
/// </summary>
public sealed class LexiconRecordValidator(LexiconValidator validator) : IRecordValidator
{
    public RecordValidationStatus? Validate(string collection, string recordKey, LexMap record, bool? validate)
    {
        if (validate == false)
        {
            return null;
        }

        if (validator.FindRecord(collection) is null)
        {
            return validate == true
                ? throw XrpcException.InvalidRequest($"Lexicon not found: lex:{collection}")
                : RecordValidationStatus.Unknown;
        }

        try
        {
            validator.ValidateRecord(collection, recordKey, record);
        }
        catch (LexiconValidationException e)
        {
            throw XrpcException.InvalidRequest($"Invalid {collection} record: {e.Message}");
        }

        return RecordValidationStatus.Valid;
    }
}
