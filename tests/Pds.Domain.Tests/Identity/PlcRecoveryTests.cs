using Pds.Domain.Crypto;
using Pds.Domain.Identity;

namespace Pds.Domain.Tests.Identity;

/// <summary>Forks, nullification and per-key authority, on logs built with generated keys.</summary>
public sealed class PlcRecoveryTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly IKeypair _recovery = Secp256k1Keypair.Generate();
    private readonly IKeypair _rotation = P256Keypair.Generate();
    private readonly IKeypair _stranger = Secp256k1Keypair.Generate();
    private readonly PlcRegularOperation _genesis;
    private readonly string _did;

    public PlcRecoveryTests()
    {
        // Index 0 (highest authority) is the recovery key; index 1 the everyday rotation key.
        _genesis = PlcOperation.CreateAtprotoGenesis([_recovery.DidKey(), _rotation.DidKey()], _rotation.DidKey(), "alice.test", "https://pds.test").Sign(_rotation);
        _did = PlcDid.Derive(_genesis);
    }

    public void Dispose()
    {
        _recovery.Dispose();
        _rotation.Dispose();
        _stranger.Dispose();
    }

    private List<PlcLogEntry> LogWithHijack(out PlcRegularOperation hijack)
    {
        // The rotation key (index 1) moves the account and drops the recovery key.
        hijack = PlcOperation.CreateUpdate(_genesis, new PlcOperationChanges { RotationKeys = [_stranger.DidKey()], Handle = "mallory.test" }).Sign(_rotation);
        return [PlcLogEntry.Create(_did, _genesis, T0), PlcLogEntry.Create(_did, hijack, T0.AddHours(1))];
    }

    private PlcRegularOperation RecoveryFork(IKeypair signer) =>
        PlcOperation.CreateUpdate(_genesis, new PlcOperationChanges { RotationKeys = [_recovery.DidKey()] }).Sign(signer);

    [Fact]
    public void Validate_ForkByHigherAuthorityWithin72h_NullifiesLaterOps()
    {
        var log = LogWithHijack(out var hijack);
        var recovery = RecoveryFork(_recovery);

        var accepted = PlcOpValidator.ValidateSubmission(_did, log, recovery, T0.AddHours(50));

        Assert.Equal([hijack.Cid], accepted.Nullified);
        Assert.Equal(_genesis.Cid, accepted.Prev);
        Assert.Equal(0, accepted.KeyIndex);

        log[1] = log[1] with { Nullified = true };
        log.Add(PlcLogEntry.Create(_did, recovery, T0.AddHours(50)));
        var state = PlcAuditLog.Verify(_did, log);
        Assert.Equal(recovery.Cid, state.HeadCid);
        Assert.Equal([_recovery.DidKey()], state.Data!.RotationKeys);
        Assert.Equal("alice.test", state.ToDidDocument()!.GetHandle()?.ToString());
    }

    [Fact]
    public void Validate_ForkExactly72hAfterNullifiedOp_Accepted()
    {
        var log = LogWithHijack(out _);

        var accepted = PlcOpValidator.ValidateSubmission(_did, log, RecoveryFork(_recovery), log[1].CreatedAt + PlcOpValidator.RecoveryWindow);

        Assert.Single(accepted.Nullified);
    }

    [Fact]
    public void Validate_ForkAfter72h_RejectedAsLateRecovery()
    {
        var log = LogWithHijack(out _);

        var ex = Assert.Throws<PlcValidationException>(() =>
            PlcOpValidator.ValidateSubmission(_did, log, RecoveryFork(_recovery), log[1].CreatedAt + PlcOpValidator.RecoveryWindow + TimeSpan.FromMilliseconds(1)));

        Assert.Equal(PlcValidationError.RecoveryWindowExpired, ex.Error);
    }

    [Fact]
    public void Verify_LogClaimingLateNullification_Rejected()
    {
        var log = LogWithHijack(out _);
        var recovery = RecoveryFork(_recovery);
        log[1] = log[1] with { Nullified = true };
        log.Add(PlcLogEntry.Create(_did, recovery, log[1].CreatedAt.AddHours(73)));

        var ex = Assert.Throws<PlcValidationException>(() => PlcAuditLog.Verify(_did, log));

        Assert.Equal(PlcValidationError.RecoveryWindowExpired, ex.Error);
    }

    [Fact]
    public void Validate_ForkBySameAuthorityKey_RejectedForKeyAuthority()
    {
        var log = LogWithHijack(out _);

        var ex = Assert.Throws<PlcValidationException>(() => PlcOpValidator.ValidateSubmission(_did, log, RecoveryFork(_rotation), T0.AddHours(2)));

        Assert.Equal(PlcValidationError.InsufficientKeyAuthority, ex.Error);
    }

    [Fact]
    public void Validate_SecondForkNeedsEvenHigherAuthority()
    {
        // genesis signed by index 1; update A by index 1; fork B from genesis by index 0 nullifies A;
        // a further fork from genesis would need an index below 0, so nothing can fork there again.
        var log = LogWithHijack(out _);
        var fork = RecoveryFork(_recovery);
        var accepted = PlcOpValidator.ValidateSubmission(_did, log, fork, T0.AddHours(2));
        log[1] = log[1] with { Nullified = true };
        log.Add(PlcLogEntry.Create(_did, fork, T0.AddHours(2)));

        var again = PlcOperation.CreateUpdate(_genesis, new PlcOperationChanges { Handle = "other.test" }).Sign(_recovery);
        var ex = Assert.Throws<PlcValidationException>(() => PlcOpValidator.ValidateSubmission(_did, log, again, T0.AddHours(3)));

        Assert.Equal(0, accepted.KeyIndex);
        Assert.Equal(PlcValidationError.InsufficientKeyAuthority, ex.Error);
    }

    [Fact]
    public void Validate_UpdateSignedByUnlistedKey_RejectedAsInvalidSignature()
    {
        var log = LogWithHijack(out var hijack);
        var op = PlcOperation.CreateUpdate(hijack, new PlcOperationChanges { Handle = "x.test" }).Sign(_recovery);

        var ex = Assert.Throws<PlcValidationException>(() => PlcOpValidator.ValidateSubmission(_did, log, op, T0.AddHours(2)));

        Assert.Equal(PlcValidationError.InvalidSignature, ex.Error);
    }

    [Fact]
    public void Validate_UpdateNotAfterPrev_RejectedForTimestampOrder()
    {
        var log = LogWithHijack(out var hijack);
        var op = PlcOperation.CreateUpdate(hijack, new PlcOperationChanges { Handle = "x.test" }).Sign(_stranger);

        var ex = Assert.Throws<PlcValidationException>(() => PlcOpValidator.ValidateSubmission(_did, log, op, log[1].CreatedAt));

        Assert.Equal(PlcValidationError.TimestampOrder, ex.Error);
    }

    [Fact]
    public void Validate_RegularUpdate_NullifiesNothing()
    {
        var log = LogWithHijack(out var hijack);
        var op = PlcOperation.CreateUpdate(hijack, new PlcOperationChanges { Handle = "x.test" }).Sign(_stranger);

        var accepted = PlcOpValidator.ValidateSubmission(_did, log, op, T0.AddHours(2));

        Assert.Empty(accepted.Nullified);
        Assert.Equal(hijack.Cid, accepted.Prev);
        Assert.Equal(op.Cid, accepted.Cid);
    }

    [Fact]
    public void Validate_TombstoneThenUpdate_RejectedButRecoveryMayUndoTombstone()
    {
        var tombstone = PlcOperation.CreateTombstone(_genesis.Cid).Sign(_rotation);
        var log = new List<PlcLogEntry> { PlcLogEntry.Create(_did, _genesis, T0), PlcLogEntry.Create(_did, tombstone, T0.AddHours(1)) };
        var afterTombstone = PlcOperation.CreateUpdate(new PlcData(_did, [], [], [], []), tombstone.Cid, new PlcOperationChanges { RotationKeys = [_recovery.DidKey()] }).Sign(_recovery);

        var ex = Assert.Throws<PlcValidationException>(() => PlcOpValidator.ValidateSubmission(_did, log, afterTombstone, T0.AddHours(2)));
        var undo = PlcOpValidator.ValidateSubmission(_did, log, RecoveryFork(_recovery), T0.AddHours(2));

        Assert.Equal(PlcValidationError.AfterTombstone, ex.Error);
        Assert.Equal([tombstone.Cid], undo.Nullified);
    }

    [Fact]
    public void Validate_GenesisForExistingDid_Rejected()
    {
        var log = LogWithHijack(out _);

        var ex = Assert.Throws<PlcValidationException>(() => PlcOpValidator.ValidateSubmission(_did, log, _genesis, T0.AddHours(2)));

        Assert.Equal(PlcValidationError.UnexpectedGenesis, ex.Error);
    }

    [Fact]
    public void Validate_UnknownPrev_Rejected()
    {
        var other = PlcOperation.CreateAtprotoGenesis([_rotation.DidKey()], _rotation.DidKey(), "z.test", "https://pds.test").Sign(_rotation);
        var op = PlcOperation.CreateUpdate(other, new PlcOperationChanges()).Sign(_rotation);

        var ex = Assert.Throws<PlcValidationException>(() => PlcOpValidator.ValidateSubmission(_did, [PlcLogEntry.Create(_did, _genesis, T0)], op, T0.AddHours(1)));

        Assert.Equal(PlcValidationError.PrevNotFound, ex.Error);
    }

    [Fact]
    public void Validate_GenesisForWrongDid_Rejected()
    {
        var ex = Assert.Throws<PlcValidationException>(() => PlcOpValidator.ValidateSubmission("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", [], _genesis, T0));

        Assert.Equal(PlcValidationError.DidMismatch, ex.Error);
    }

    [Fact]
    public void Validate_FirstOpNotGenesis_Rejected()
    {
        var tombstone = PlcOperation.CreateTombstone(_genesis.Cid).Sign(_rotation);

        var ex = Assert.Throws<PlcValidationException>(() => PlcOpValidator.ValidateSubmission(_did, [], tombstone, T0));

        Assert.Equal(PlcValidationError.MissingGenesis, ex.Error);
    }

    [Fact]
    public void Verify_NullifiedFlagNotImpliedByRules_Rejected()
    {
        var log = LogWithHijack(out _);
        log[1] = log[1] with { Nullified = true };

        var ex = Assert.Throws<PlcValidationException>(() => PlcAuditLog.Verify(_did, log));

        Assert.Equal(PlcValidationError.NullifiedMismatch, ex.Error);
    }

    [Fact]
    public void Verify_EntryCidNotOperationCid_Rejected()
    {
        var log = LogWithHijack(out _);
        log[1] = log[1] with { Cid = _genesis.Cid };

        var ex = Assert.Throws<PlcValidationException>(() => PlcAuditLog.Verify(_did, log));

        Assert.Equal(PlcValidationError.CidMismatch, ex.Error);
    }

    [Fact]
    public void Verify_EntryOfAnotherDid_Rejected()
    {
        var log = LogWithHijack(out _);
        log[1] = log[1] with { Did = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa" };

        var ex = Assert.Throws<PlcValidationException>(() => PlcAuditLog.Verify(_did, log));

        Assert.Equal(PlcValidationError.InconsistentDid, ex.Error);
    }

    [Fact]
    public void Verify_EmptyLog_Rejected()
    {
        var ex = Assert.Throws<PlcValidationException>(() => PlcAuditLog.Verify(_did, []));

        Assert.Equal(PlcValidationError.MissingGenesis, ex.Error);
    }

    [Fact]
    public void Verify_TamperedSignature_Rejected()
    {
        var sig = PlcSignature.DecodeCompact(_genesis.Signature);
        sig[10] ^= 1;
        var tampered = (PlcRegularOperation)_genesis.WithSignature(sig);
        var did = PlcDid.Derive(tampered);

        var ex = Assert.Throws<PlcValidationException>(() => PlcAuditLog.Verify(did, [PlcLogEntry.Create(did, tampered, T0)]));

        Assert.Equal(PlcValidationError.InvalidSignature, ex.Error);
    }

    [Fact]
    public void CheckSubmission_RejectsOpsTheDirectoryRefuses()
    {
        var dupKeys = PlcOperation.CreateAtprotoGenesis([_rotation.DidKey(), _rotation.DidKey()], _rotation.DidKey(), "a.test", "https://pds.test").Sign(_rotation);
        var noKeys = PlcOperation.CreateAtprotoGenesis([], _rotation.DidKey(), "a.test", "https://pds.test").Sign(_rotation);
        var badKey = PlcOperation.CreateAtprotoGenesis(["did:key:zNotAKey0"], _rotation.DidKey(), "a.test", "https://pds.test").Sign(_rotation);
        var huge = PlcOperation.CreateGenesis([_rotation.DidKey()], [], [new string('a', 8000)], []).Sign(_rotation);
        var unsigned = PlcOperation.CreateAtprotoGenesis([_rotation.DidKey()], _rotation.DidKey(), "a.test", "https://pds.test");
        var legacy = PlcOperation.FromJson("""{"type":"create","signingKey":"did:key:zQ3shP5TBe1sQfSttXty15FAEHV1DZgcxRZNxvEWnPfLFwLxJ","recoveryKey":"did:key:zQ3shhCGUqDKjStzuDxPkTxN6ujddP4RkEKJJouJGRRkaLGbg","handle":"a.test","service":"https://pds.test","prev":null,"sig":"AA"}""");

        Assert.Equal(PlcValidationError.MalformedOperation, Assert.Throws<PlcValidationException>(() => PlcOpValidator.CheckSubmission(dupKeys)).Error);
        Assert.Equal(PlcValidationError.MalformedOperation, Assert.Throws<PlcValidationException>(() => PlcOpValidator.CheckSubmission(noKeys)).Error);
        Assert.Equal(PlcValidationError.MalformedOperation, Assert.Throws<PlcValidationException>(() => PlcOpValidator.CheckSubmission(badKey)).Error);
        Assert.Equal(PlcValidationError.OperationTooLarge, Assert.Throws<PlcValidationException>(() => PlcOpValidator.CheckSubmission(huge)).Error);
        Assert.Equal(PlcValidationError.MalformedOperation, Assert.Throws<PlcValidationException>(() => PlcOpValidator.CheckSubmission(unsigned)).Error);
        Assert.Equal(PlcValidationError.MalformedOperation, Assert.Throws<PlcValidationException>(() => PlcOpValidator.CheckSubmission(legacy)).Error);
        PlcOpValidator.CheckSubmission(_genesis);
    }
}
