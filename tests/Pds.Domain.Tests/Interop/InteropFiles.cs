using System.Collections.Concurrent;

namespace Pds.Domain.Tests.Interop;

/// <summary>
/// Locates the official atproto interop vectors in <c>../shared/interop</c> (beside the checkout)
/// and lists every vector file the tests read. <see cref="InteropManifestTests"/> fails when a
/// file on disk is not listed here or a listed file is missing, so no vector file can silently
/// stop being read.
/// </summary>
public static class InteropFiles
{
    private static readonly Lazy<string> RootDir = new(FindRoot);
    private static readonly ConcurrentDictionary<string, bool> Read = new(StringComparer.Ordinal);

    public static string Root => RootDir.Value;

    /// <summary>The absolute path of a vector file; records that a test read it.</summary>
    public static string PathOf(string relative)
    {
        Read[relative] = true;
        return Locate(relative);
    }

    /// <summary>The absolute path of a vector file, without counting it as read.</summary>
    internal static string Locate(string relative) => Path.Combine(Root, relative);

    /// <summary>The vector files that tests have opened so far in this run.</summary>
    internal static IReadOnlyCollection<string> FilesRead => Read.Keys.ToList();

    public static string ReadText(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>
    /// Non-empty lines that are not comments. Comments are "# ..." lines; a line such as "#extra"
    /// (no space after '#') is a vector in its own right and is kept.
    /// </summary>
    public static IEnumerable<string> ReadVectorLines(string relative) =>
        File.ReadAllLines(PathOf(relative))
            .Where(l => l.Length > 0 && l != "#" && !l.StartsWith("# ", StringComparison.Ordinal));

    private static string FindRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PDS_INTEROP_DIR");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "interop");
            if (Directory.Exists(candidate) && dir.GetDirectories(".git").Length == 0)
            {
                return candidate;
            }

            var sibling = Path.Combine(dir.FullName, "..", "shared", "interop");
            if (Directory.Exists(sibling))
            {
                return Path.GetFullPath(sibling);
            }
        }

        throw new DirectoryNotFoundException(
            "The interop vectors were not found: expected ../shared/interop beside the checkout, or set PDS_INTEROP_DIR.");
    }

    // ---- Every vector file the test suite reads, by area. ----

    public static readonly string[] Syntax =
    [
        "syntax/atidentifier_syntax_valid.txt", "syntax/atidentifier_syntax_invalid.txt",
        "syntax/aturi_syntax_valid.txt", "syntax/aturi_syntax_invalid.txt",
        "syntax/cid_syntax_valid.txt", "syntax/cid_syntax_invalid.txt",
        "syntax/datetime_syntax_valid.txt", "syntax/datetime_syntax_invalid.txt", "syntax/datetime_parse_invalid.txt",
        "syntax/did_syntax_valid.txt", "syntax/did_syntax_invalid.txt",
        "syntax/handle_syntax_valid.txt", "syntax/handle_syntax_invalid.txt",
        "syntax/language_syntax_valid.txt", "syntax/language_syntax_invalid.txt", "syntax/language_parse_invalid.txt",
        "syntax/nsid_syntax_valid.txt", "syntax/nsid_syntax_invalid.txt",
        "syntax/recordkey_syntax_valid.txt", "syntax/recordkey_syntax_invalid.txt",
        "syntax/tid_syntax_valid.txt", "syntax/tid_syntax_invalid.txt",
        "syntax/uri_syntax_valid.txt", "syntax/uri_syntax_invalid.txt",
    ];

    public static readonly string[] DataModel =
    [
        "data-model/data-model-fixtures.json",
        "data-model/data-model-valid.json",
        "data-model/data-model-invalid.json",
    ];

    public static readonly string[] Crypto =
    [
        "crypto/signature-fixtures.json",
        "crypto/w3c_didkey_K256.json",
        "crypto/w3c_didkey_P256.json",
    ];

    public static readonly string[] Mst =
    [
        "mst/common_prefix.json",
        "mst/key_heights.json",
        "mst/example_keys.txt",
        "firehose/commit-proof-fixtures.json",
    ];

    public static readonly string[] PlcValid =
    [
        "plc/audit_log/valid/log_bnewbold_robocracy.json",
        "plc/audit_log/valid/log_bskyapp.json",
        "plc/audit_log/valid/log_duplicate_rotation_keys.json",
        "plc/audit_log/valid/log_empty_rotation_keys.json",
        "plc/audit_log/valid/log_legacy_dholms.json",
        "plc/audit_log/valid/log_nullification.json",
        "plc/audit_log/valid/log_nullification_at_exactly_72h.json",
        "plc/audit_log/valid/log_nullification_nontrivial.json",
        "plc/audit_log/valid/log_nullified_tombstone.json",
        "plc/audit_log/valid/log_tombstone.json",
    ];

    public static readonly string[] PlcInvalid =
    [
        "plc/audit_log/invalid/log_invalid_nullification_reused_key.json",
        "plc/audit_log/invalid/log_invalid_nullification_too_slow.json",
        "plc/audit_log/invalid/log_invalid_sig_b64_newline.json",
        "plc/audit_log/invalid/log_invalid_sig_b64_padding_bits.json",
        "plc/audit_log/invalid/log_invalid_sig_b64_padding_chars.json",
        "plc/audit_log/invalid/log_invalid_sig_der.json",
        "plc/audit_log/invalid/log_invalid_sig_k256_high_s.json",
        "plc/audit_log/invalid/log_invalid_sig_p256_high_s.json",
        "plc/audit_log/invalid/log_invalid_update_nullified.json",
        "plc/audit_log/invalid/log_invalid_update_tombstoned.json",
    ];

    /// <summary>
    /// Lexicon vectors: document validity, record data, and the catalog lexicons the record vectors
    /// refer to (read by <c>Lexicon/LexiconInteropTests</c>).
    /// </summary>
    public static readonly string[] Lexicon =
    [
        "lexicon/catalog/permission-set.json",
        "lexicon/catalog/procedure.json",
        "lexicon/catalog/query.json",
        "lexicon/catalog/record.json",
        "lexicon/catalog/subscription.json",
        "lexicon/lexicon-invalid.json",
        "lexicon/lexicon-valid.json",
        "lexicon/record-data-invalid.json",
        "lexicon/record-data-valid.json",
    ];

    public static IEnumerable<string> All =>
        Syntax.Concat(DataModel).Concat(Crypto).Concat(Mst).Concat(PlcValid).Concat(PlcInvalid).Concat(Lexicon);

    public static TheoryData<string> AsTheory(IEnumerable<string> files)
    {
        var data = new TheoryData<string>();
        foreach (var f in files)
        {
            data.Add(f);
        }

        return data;
    }
}
