using System.Reflection;
using System.Reflection.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Internal;

namespace Pds.Infrastructure.Persistence;

#pragma warning disable EF1001 // MigrationsAssembly is EF Core's own implementation: only how it finds the classes changes.

/// <summary>
/// Finds the context's migrations and model snapshot without loading every type of the assembly.
/// </summary>
/// <remarks>
/// EF Core's own discovery asks the runtime for every type defined in the migrations assembly, which
/// is this whole project: the runtime then loads each class, and with them every library their
/// fields and signatures name (StackExchange.Redis, the AWS SDK, MailKit, Npgsql on a SQLite
/// server), and keeps their type data for the life of the process. Here the assembly's metadata
/// table is read instead, and only the classes that derive directly from <see cref="Migration"/> or
/// <see cref="ModelSnapshot"/> are loaded; they are then filtered exactly as EF Core does (by their
/// <see cref="DbContextAttribute"/> and <see cref="MigrationAttribute"/>). When the metadata cannot
/// be read, EF Core's own discovery runs.
/// </remarks>
internal sealed class MigrationsFromMetadata : MigrationsAssembly
{
    private readonly Type _contextType;
    private readonly IDiagnosticsLogger<DbLoggerCategory.Migrations> _logger;
    private IReadOnlyDictionary<string, TypeInfo>? _migrations;
    private bool _snapshotFound;
    private ModelSnapshot? _snapshot;

    public MigrationsFromMetadata(
        ICurrentDbContext currentContext,
        IDbContextOptions options,
        IMigrationsIdGenerator idGenerator,
        IDiagnosticsLogger<DbLoggerCategory.Migrations> logger)
        : base(currentContext, options, idGenerator, logger)
    {
        _contextType = currentContext.Context.GetType();
        _logger = logger;
    }

    public override IReadOnlyDictionary<string, TypeInfo> Migrations =>
        _migrations ??= DirectSubclasses(Assembly, typeof(Migration)) is { } candidates ? Select(candidates) : base.Migrations;

    // One instance, as EF Core keeps: a snapshot builds its model once, on first use.
    public override ModelSnapshot? ModelSnapshot
    {
        get
        {
            if (!_snapshotFound)
            {
                if (DirectSubclasses(Assembly, typeof(ModelSnapshot)) is not { } candidates)
                {
                    return base.ModelSnapshot;
                }

                _snapshot = candidates.FirstOrDefault(t => ContextOf(t) == _contextType) is { } type
                    ? (ModelSnapshot)Activator.CreateInstance(type.AsType())!
                    : null;
                _snapshotFound = true;
            }

            return _snapshot;
        }
    }

    private SortedList<string, TypeInfo> Select(IEnumerable<TypeInfo> candidates)
    {
        var result = new SortedList<string, TypeInfo>();
        foreach (var type in candidates.Where(t => ContextOf(t) == _contextType))
        {
            if (type.GetCustomAttribute<MigrationAttribute>()?.Id is not { } id)
            {
                _logger.MigrationAttributeMissingWarning(type);
                continue;
            }

            result[id] = type;
        }

        return result;
    }

    // As EF Core does: the first DbContextAttribute up the class's inheritance chain.
    private static Type? ContextOf(Type type)
    {
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            if (current.GetCustomAttribute<DbContextAttribute>(inherit: false) is { } attribute)
            {
                return attribute.ContextType;
            }
        }

        return null;
    }

    /// <summary>
    /// The non-abstract, non-generic, non-nested classes of <paramref name="assembly"/> whose base
    /// class is <paramref name="baseType"/>, loading no other type; null when its metadata is not
    /// available.
    /// </summary>
    internal static unsafe List<TypeInfo>? DirectSubclasses(Assembly assembly, Type baseType)
    {
        if (!assembly.TryGetRawMetadata(out var blob, out var length))
        {
            return null;
        }

        var reader = new MetadataReader(blob, length);
        var result = new List<TypeInfo>();
        foreach (var handle in reader.TypeDefinitions)
        {
            var definition = reader.GetTypeDefinition(handle);
            if (definition.BaseType.Kind != HandleKind.TypeReference
                || !definition.GetDeclaringType().IsNil
                || (definition.Attributes & (TypeAttributes.Abstract | TypeAttributes.Interface)) != 0
                || definition.GetGenericParameters().Count > 0)
            {
                continue;
            }

            var baseReference = reader.GetTypeReference((TypeReferenceHandle)definition.BaseType);
            if (!reader.StringComparer.Equals(baseReference.Name, baseType.Name)
                || !reader.StringComparer.Equals(baseReference.Namespace, baseType.Namespace ?? string.Empty))
            {
                continue;
            }

            var name = reader.GetString(definition.Name);
            var ns = reader.GetString(definition.Namespace);
            var fullName = ns.Length == 0 ? name : ns + "." + name;
            if (assembly.GetType(fullName, throwOnError: false) is { } type && type.IsSubclassOf(baseType))
            {
                result.Add(type.GetTypeInfo());
            }
        }

        return result;
    }
}
