using System.Text.Json;
using Pds.Domain.Identity;
using Pds.Domain.Tests.Interop;

namespace Pds.Domain.Tests.Identity;

public sealed class PlcAuditLogInteropTests
{
    public static TheoryData<string> ValidLogs() => InteropFiles.AsTheory(InteropFiles.PlcValid);

    public static TheoryData<string> InvalidLogs() => InteropFiles.AsTheory(InteropFiles.PlcInvalid);

    [Theory]
    [MemberData(nameof(ValidLogs))]
    public void Verify_ValidLog_YieldsStateOfLastLiveOperation(string file)
    {
        var json = InteropFiles.ReadText(file);
        var entries = PlcLogEntry.ParseAuditLog(json);

        var state = PlcAuditLog.Verify(entries[0].Did, entries);

        // Expected final state straight from the vector JSON: the last entry not marked nullified.
        using var doc = JsonDocument.Parse(json);
        var lastLive = doc.RootElement.EnumerateArray().Last(e => !e.GetProperty("nullified").GetBoolean());
        Assert.Equal(lastLive.GetProperty("cid").GetString(), state.HeadCid.ToString());
        var op = lastLive.GetProperty("operation");
        var type = op.GetProperty("type").GetString();
        if (type == "plc_tombstone")
        {
            Assert.True(state.IsTombstoned);
            Assert.Null(state.Data);
            return;
        }

        Assert.NotNull(state.Data);
        Assert.Equal(entries[0].Did, state.Data.Did);
        if (type == "plc_operation")
        {
            Assert.Equal(op.GetProperty("rotationKeys").EnumerateArray().Select(k => k.GetString()!), state.Data.RotationKeys);
            Assert.Equal(op.GetProperty("alsoKnownAs").EnumerateArray().Select(k => k.GetString()!), state.Data.AlsoKnownAs);
            Assert.Equal(
                op.GetProperty("verificationMethods").EnumerateObject().Select(p => (p.Name, p.Value.GetString()!)),
                state.Data.VerificationMethods.Select(p => (p.Key, p.Value)));
            Assert.Equal(
                op.GetProperty("services").EnumerateObject().Select(p => (p.Name, p.Value.GetProperty("type").GetString()!, p.Value.GetProperty("endpoint").GetString()!)),
                state.Data.Services.Select(p => (p.Key, p.Value.Type, p.Value.Endpoint)));
        }
    }

    [Theory]
    [MemberData(nameof(ValidLogs))]
    public void Verify_ValidLog_EveryEntryCidMatchesItsOperation(string file)
    {
        var entries = PlcLogEntry.ParseAuditLog(InteropFiles.ReadText(file));

        foreach (var entry in entries)
        {
            Assert.Equal(entry.Cid, entry.Operation.Cid);
        }

        Assert.Equal(entries[0].Did, PlcDid.Derive(entries[0].Operation));
    }

    [Theory]
    [MemberData(nameof(ValidLogs))]
    public void ToAuditLogJson_ValidLog_ReparsesAndVerifiesToSameHead(string file)
    {
        var entries = PlcLogEntry.ParseAuditLog(InteropFiles.ReadText(file));
        var state = PlcAuditLog.Verify(entries[0].Did, entries);

        var again = PlcLogEntry.ParseAuditLog(PlcLogEntry.ToAuditLogJson(entries));

        Assert.Equal(entries.Select(e => (e.Cid, e.Nullified, e.CreatedAt)), again.Select(e => (e.Cid, e.Nullified, e.CreatedAt)));
        Assert.Equal(state.HeadCid, PlcAuditLog.Verify(again).HeadCid);
        Assert.Equal(entries.Count(e => !e.Nullified), state.ActiveOperations.Count());
    }

    [Theory]
    [MemberData(nameof(ValidLogs))]
    public void Validate_ReplayingValidLogOneOpAtATime_ReproducesServedNullifications(string file)
    {
        var entries = PlcLogEntry.ParseAuditLog(InteropFiles.ReadText(file));
        var did = entries[0].Did;
        var stored = new List<PlcLogEntry>();

        foreach (var entry in entries)
        {
            var accepted = PlcOpValidator.Validate(did, stored, entry.Operation, entry.CreatedAt);
            Assert.Equal(entry.Cid, accepted.Cid);
            for (var i = 0; i < stored.Count; i++)
            {
                if (accepted.Nullified.Contains(stored[i].Cid))
                {
                    stored[i] = stored[i] with { Nullified = true };
                }
            }

            stored.Add(PlcLogEntry.Create(did, entry.Operation, entry.CreatedAt));
        }

        Assert.Equal(entries.Select(e => e.Nullified), stored.Select(e => e.Nullified));
    }

    public static TheoryData<string, PlcValidationError> InvalidLogReasons() => new()
    {
        { "plc/audit_log/invalid/log_invalid_nullification_reused_key.json", PlcValidationError.InsufficientKeyAuthority },
        { "plc/audit_log/invalid/log_invalid_nullification_too_slow.json", PlcValidationError.RecoveryWindowExpired },
        { "plc/audit_log/invalid/log_invalid_sig_b64_newline.json", PlcValidationError.InvalidSignatureEncoding },
        { "plc/audit_log/invalid/log_invalid_sig_b64_padding_bits.json", PlcValidationError.InvalidSignatureEncoding },
        { "plc/audit_log/invalid/log_invalid_sig_b64_padding_chars.json", PlcValidationError.InvalidSignatureEncoding },
        { "plc/audit_log/invalid/log_invalid_sig_der.json", PlcValidationError.InvalidSignature },
        { "plc/audit_log/invalid/log_invalid_sig_k256_high_s.json", PlcValidationError.InvalidSignature },
        { "plc/audit_log/invalid/log_invalid_sig_p256_high_s.json", PlcValidationError.InvalidSignature },
        { "plc/audit_log/invalid/log_invalid_update_nullified.json", PlcValidationError.PrevNullified },
        { "plc/audit_log/invalid/log_invalid_update_tombstoned.json", PlcValidationError.AfterTombstone },
    };

    [Fact]
    public void InvalidLogReasons_CoverEveryInvalidVector()
    {
        Assert.Equal(
            InteropFiles.PlcInvalid.Order(StringComparer.Ordinal),
            InvalidLogReasons().Select(row => (string)row[0]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(InvalidLogReasons))]
    public void Verify_InvalidLog_RejectedForTheVectorsReason(string file, PlcValidationError expected)
    {
        var entries = PlcLogEntry.ParseAuditLog(InteropFiles.ReadText(file));

        var ex = Assert.Throws<PlcValidationException>(() => PlcAuditLog.Verify(entries[0].Did, entries));

        Assert.Equal(expected, ex.Error);
    }
}
