using System.Collections.Frozen;

namespace Pds.Domain.Lexicon.Validation;

/// <summary>Turns parsed definitions into check trees. Refs become lazy nodes resolved on first use.</summary>
internal static class Compiler
{
    public static Node CompileNamed(LexiconValidator validator, LexiconDocument doc, LexiconDef def) => def switch
    {
        RecordDef r => new RecordNode(CompileObject(validator, doc, r.Record)),
        TokenDef => new RejectNode("must not be a token: tokens have no data representation"),
        QueryDef or ProcedureDef or SubscriptionDef or PermissionSetDef => new RejectNode($"refers to a {def.Type} definition, which is not a data type"),
        _ => Compile(validator, doc, def),
    };

    public static Node Compile(LexiconValidator validator, LexiconDocument doc, LexiconDef def) => def switch
    {
        BooleanDef b => new BooleanNode(b.Const),
        IntegerDef i => new IntegerNode(i),
        StringDef s => new StringNode(s),
        BytesDef b => new BytesNode(b.MinLength, b.MaxLength),
        CidLinkDef => CidLinkNode.Instance,
        BlobDef b => new BlobNode(b.Accept, b.MaxSize),
        ArrayDef a => new ArrayNode(Compile(validator, doc, a.Items), a.MinLength, a.MaxLength),
        ObjectDef o => CompileObject(validator, doc, o),
        RefDef r => new RefNode(validator, Qualify(doc, r.Ref)),
        UnionDef u => CompileUnion(validator, doc, u),
        UnknownDef => UnknownNode.Instance,
        _ => CompileNamed(validator, doc, def),
    };

    private static ObjectNode CompileObject(LexiconValidator validator, LexiconDocument doc, ObjectDef def)
    {
        var slots = new ObjectNode.Slot[def.Properties.Count];
        var i = 0;
        foreach (var (name, propDef) in def.Properties)
        {
            var hasDefault = propDef switch
            {
                BooleanDef b => b.Default is not null,
                IntegerDef n => n.Default is not null,
                StringDef s => s.Default is not null,
                _ => false,
            };
            slots[i++] = new ObjectNode.Slot(
                name,
                Compile(validator, doc, propDef),
                def.Required.Contains(name),
                def.Nullable.Contains(name),
                hasDefault);
        }

        return new ObjectNode(slots);
    }

    private static UnionNode CompileUnion(LexiconValidator validator, LexiconDocument doc, UnionDef def)
    {
        // Keyed by the $type spelling a variant must use: the bare NSID for a main definition,
        // nsid#name otherwise. The value is the definition key nsid#name.
        var byType = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in def.Refs)
        {
            var key = Qualify(doc, r);
            var typeName = key.EndsWith("#main", StringComparison.Ordinal) ? key[..^5] : key;
            byType[typeName] = key;
        }

        return new UnionNode(validator, byType.ToFrozenDictionary(StringComparer.Ordinal), def.Closed, string.Join(", ", def.Refs));
    }

    /// <summary>A definition key <c>nsid#name</c> for a ref written as <c>#name</c>, <c>nsid</c> or <c>nsid#name</c>.</summary>
    internal static string Qualify(LexiconDocument doc, string reference)
    {
        var hash = reference.IndexOf('#', StringComparison.Ordinal);
        return hash switch
        {
            < 0 => reference + "#main",
            0 => doc.Id + reference,
            _ => reference,
        };
    }
}
