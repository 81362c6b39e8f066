using Microsoft.Extensions.Logging;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// Discover Versions (KMIP 1.4 §4.26, 2.1 §6.1.19): the versions both sides speak, in the client's order of
/// preference; all the server's versions, highest first, when the client lists none.
/// </summary>
public sealed class DiscoverVersionsOperation : KmipOperation
{
    public override Operation Operation => Operation.DiscoverVersions;
    public override ProtocolVersion Since => ProtocolVersion.V1_1;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var asked = payload.ChildrenOf(Tag.ProtocolVersion).Select(ProtocolVersion.Parse).ToList();
        var answer = asked.Count == 0 ? ProtocolVersion.Supported.ToList() : asked.Where(v => v.IsSupported).ToList();
        return Payload(answer.Select(v => v.ToNode()));
    }
}

/// <summary>
/// Query (KMIP 1.4 §4.25, 2.1 §6.1.37), reporting what this server implements: the operations of the request's version,
/// the object types it registers, server information, and from 1.3 the RNG Parameters of RNG Retrieve's generator, the
/// profiles whose OASIS test cases it passes (of the request's version: the 1.3/1.4-named profiles, or the 2.x ones),
/// its capabilities (streaming and asynchronous yes; attestation when some operation needs it, with its type TPM Quote; batch Undo and Continue yes; wrapped keys
/// unwrapped by the server; Destroy deletes the key material and keeps the attributes; Quantum Safe policy, 2.x) and the
/// client registration method (certificates the CA issues, registered with the server); from 2.0 the storage protection
/// masks (Software) and the Defaults Information the client set (Set Defaults). Application namespaces, extensions and validations have
/// nothing to report, and are answered with nothing, as the spec allows.
/// </summary>
public sealed class QueryOperation : KmipOperation
{
    public const string Vendor = "Harness";

    private static readonly ObjectType[] Objects =
    [
        ObjectType.SymmetricKey, ObjectType.SecretData, ObjectType.OpaqueObject, ObjectType.Certificate,
        ObjectType.PublicKey, ObjectType.PrivateKey, ObjectType.SplitKey, ObjectType.PGPKey,
    ];

    public override Operation Operation => Operation.Query;

    /// <summary>
    /// The server profiles whose OASIS test cases (../shared/kmip-vectors, the suite's mandatory files) this server
    /// passes: Baseline, Symmetric Key Lifecycle and Foundry, Asymmetric Key Lifecycle, Basic, Advanced and RNG
    /// Cryptographic, Opaque Managed Object Store, Tape Library, Storage Array with Self-Encrypting Drives, and (2.x)
    /// Quantum Safe, named as the request's version names them.
    /// </summary>
    private static IEnumerable<ProfileName> Profiles(ProtocolVersion version) => version.IsV2
        ? [
            ProfileName.BaselineServer, ProfileName.SymmetricKeyLifecycleServer, ProfileName.SymmetricKeyFoundryServer,
            ProfileName.AsymmetricKeyLifecycleServer, ProfileName.BasicCryptographicServer, ProfileName.AdvancedCryptographicServer,
            ProfileName.RNGCryptographicServer, ProfileName.OpaqueManagedObjectStoreServer, ProfileName.TapeLibraryServer,
            ProfileName.StorageArrayWithSelfEncryptingDriveServer, ProfileName.QuantumSafeServer,
        ]
        : version >= ProtocolVersion.V1_4
        ? [
            ProfileName.BaselineServerBasicKMIPV1_4, ProfileName.BaselineServerTLSV1_2KMIPV1_4, ProfileName.SymmetricKeyLifecycleServerKMIPV1_4,
            ProfileName.SymmetricKeyFoundryServerKMIPV1_4, ProfileName.AsymmetricKeyLifecycleServerKMIPV1_4, ProfileName.BasicCryptographicServerKMIPV1_4,
            ProfileName.AdvancedCryptographicServerKMIPV1_4, ProfileName.RNGCryptographicServerKMIPV1_4, ProfileName.OpaqueManagedObjectStoreServerKMIPV1_4,
            ProfileName.TapeLibraryServerKMIPV1_4, ProfileName.StorageArrayWithSelfEncryptingDriveServerKMIPV1_4,
        ]
        : [
            ProfileName.BaselineServerBasicKMIPV1_3, ProfileName.BaselineServerTLSV1_2KMIPV1_3, ProfileName.SymmetricKeyLifecycleServerKMIPV1_3,
            ProfileName.SymmetricKeyFoundryServerKMIPV1_3, ProfileName.AsymmetricKeyLifecycleServerKMIPV1_3, ProfileName.BasicCryptographicServerKMIPV1_3,
            ProfileName.AdvancedCryptographicServerKMIPV1_3, ProfileName.RNGCryptographicServerKMIPV1_3, ProfileName.OpaqueManagedObjectStoreServerKMIPV1_3,
            ProfileName.TapeLibraryServerKMIPV1_3, ProfileName.StorageArrayWithSelfEncryptingDriveServerKMIPV1_3,
        ];

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var functions = payload.ChildrenOf(Tag.QueryFunction).Select(f => f.AsEnumOf<QueryFunction>()).ToHashSet();
        var items = new List<TtlvNode?>();
        if (functions.Contains(QueryFunction.QueryOperations))
            items.AddRange(ctx.Kms.Operations.Values.Where(o => ctx.Version >= o.Since).Select(o => o.Operation).Order()
                .Select(op => TtlvNode.Enumeration(Tag.Operation, op)));
        if (functions.Contains(QueryFunction.QueryObjects))
            items.AddRange(Objects.Append(ctx.Version.IsV2 ? ObjectType.CertificateRequest : ObjectType.Template)
                .Select(t => TtlvNode.Enumeration(Tag.ObjectType, t)));
        if (functions.Contains(QueryFunction.QueryServerInformation))
        {
            items.Add(TtlvNode.Text(Tag.VendorIdentification, Vendor));
            items.Add(TtlvNode.Structure(Tag.ServerInformation, ctx.Version.IsV2
                ? [
                    TtlvNode.Text(Tag.ServerName, "Harness KMS"),
                    TtlvNode.Text(Tag.ServerVersion, typeof(QueryOperation).Assembly.GetName().Version?.ToString() ?? "0"),
                    TtlvNode.Text(Tag.ProductName, "Harness KMIP server"),
                ]
                : []));
        }
        if (functions.Contains(QueryFunction.QueryRNGs) && ctx.Version >= ProtocolVersion.V1_3)
            items.Add(Cryptography.RandomGenerator.Parameters);
        if (functions.Contains(QueryFunction.QueryProfiles) && ctx.Version >= ProtocolVersion.V1_3)
            items.AddRange(Profiles(ctx.Version).Select(p => TtlvNode.Structure(Tag.ProfileInformation, TtlvNode.Enumeration(Tag.ProfileName, p))));
        if (functions.Contains(QueryFunction.QueryCapabilities) && ctx.Version >= ProtocolVersion.V1_3)
            items.Add(TtlvNode.Structure(Tag.CapabilityInformation,
                TtlvNode.Boolean(Tag.StreamingCapability, true),
                TtlvNode.Boolean(Tag.AsynchronousCapability, true),
                TtlvNode.Boolean(Tag.AttestationCapability, ctx.Kms.Options.AttestationRequiredFor.Count > 0),
                ctx.Version >= ProtocolVersion.V1_4 ? TtlvNode.Boolean(Tag.BatchUndoCapability, true) : null,
                ctx.Version >= ProtocolVersion.V1_4 ? TtlvNode.Boolean(Tag.BatchContinueCapability, true) : null,
                TtlvNode.Enumeration(Tag.UnwrapMode, UnwrapMode.Processed),
                TtlvNode.Enumeration(Tag.DestroyAction, DestroyAction.KeyMaterialDeleted),
                TtlvNode.Enumeration(Tag.ShreddingAlgorithm, ShreddingAlgorithm.Unsupported),
                TtlvNode.Enumeration(Tag.RNGMode, RNGMode.SharedInstantiation),
                ctx.Version.IsV2 ? TtlvNode.Boolean(Tag.QuantumSafeCapability, true) : null));
        if (functions.Contains(QueryFunction.QueryClientRegistrationMethods) && ctx.Version >= ProtocolVersion.V1_3)
            items.Add(TtlvNode.Enumeration(Tag.ClientRegistrationMethod, ClientRegistrationMethod.ClientRegistered));
        if (functions.Contains(QueryFunction.QueryStorageProtectionMasks) && ctx.Version.IsV2)
            items.Add(TtlvNode.Structure(Tag.ProtectionStorageMasks, TtlvNode.Integer(Tag.ProtectionStorageMask, (int)ProtectionStorageMask.Software)));
        if (functions.Contains(QueryFunction.QueryAttestationTypes) && ctx.Version >= ProtocolVersion.V1_2 && ctx.Kms.Options.AttestationRequiredFor.Count > 0)
            items.Add(TtlvNode.Enumeration(Tag.AttestationType, AttestationType.TPMQuote));
        if (functions.Contains(QueryFunction.QueryDefaultsInformation) && ctx.Version.IsV2 && ctx.Kms.Policies.Defaults(ctx.Client.Id) is { } defaults)
            items.Add(defaults);
        return Payload(items);
    }
}

/// <summary>Log (KMIP 2.1 §6.1.28): writes the client's message to the server log. No Result Reasons beyond the general ones.</summary>
public sealed class LogOperation : KmipOperation
{
    public override Operation Operation => Operation.Log;
    public override ProtocolVersion Since => ProtocolVersion.V2_0;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var message = payload.Required(Tag.LogMessage).AsText;
        if (ctx.Kms.RequestLog.Allow()) ctx.Kms.Log.LogInformation("client log from {Client}: {Message}", LogText.Of(ctx.Client.Subject), LogText.Of(message));
        return Payload();
    }
}

/// <summary>
/// Interop (KMIP 2.0 on; 2.1 §6.1.26): test cases of the profiles (Baseline BL-M-*) announce Begin, End and Reset. The server
/// records the test cases in progress; End or Reset of a case that never began is Invalid Field.
/// </summary>
public sealed class InteropOperation : KmipOperation
{
    public override Operation Operation => Operation.Interop;
    public override ProtocolVersion Since => ProtocolVersion.V2_0;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var function = payload.Required(Tag.InteropFunction).AsEnumOf<InteropFunction>();
        var id = payload.Required(Tag.InteropIdentifier).AsText;
        var key = $"{ctx.Client.Id}/{id}";
        switch (function)
        {
            case InteropFunction.Begin:
                if (id.Length > 256) throw new KmipException(ResultReason.InvalidField, $"an Interop Identifier of {id.Length:N0} characters is longer than the 256 this server keeps");
                ctx.Kms.InteropCases[key] = ctx.Now;
                var prefix = ctx.Client.Id + "/";
                var mine = ctx.Kms.InteropCases.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                foreach (var old in mine.Where(c => c.Key != key).OrderBy(c => c.Value).Take(Math.Max(0, mine.Count - KmsState.MaxInteropCasesPerClient)))
                    ctx.Kms.InteropCases.TryRemove(old.Key, out _);
                if (ctx.Kms.RequestLog.Allow()) ctx.Kms.Log.LogInformation("interop test case {Case} begins for {Client}", LogText.Of(id), LogText.Of(ctx.Client.Subject));
                break;
            case InteropFunction.End:
            case InteropFunction.Reset:
                ctx.Kms.InteropCases.TryRemove(key, out _);
                if (ctx.Kms.RequestLog.Allow()) ctx.Kms.Log.LogInformation("interop test case {Case}: {Function} for {Client}", LogText.Of(id), function, LogText.Of(ctx.Client.Subject));
                break;
        }
        return Payload();
    }
}

public static class OperationCatalog
{
    public static IEnumerable<KmipOperation> Create() =>
    [
        new CreateOperation(), new RegisterOperation(), new ReKeyOperation(), new LocateOperation(), new CheckOperation(),
        new GetOperation(), new GetAttributesOperation(), new GetAttributeListOperation(), new AddAttributeOperation(),
        new ModifyAttributeOperation(), new DeleteAttributeOperation(), new ActivateOperation(), new RevokeOperation(),
        new DestroyOperation(), new QueryOperation(), new DiscoverVersionsOperation(), new SetAttributeOperation(),
        new LogOperation(), new InteropOperation(),
        new RngRetrieveOperation(), new RngSeedOperation(), new HashOperation(), new MacOperation(), new MacVerifyOperation(),
        new EncryptOperation(), new DecryptOperation(), new CreateKeyPairOperation(), new ReKeyKeyPairOperation(), new SignOperation(), new ValidateOperation(), new CertifyOperation(), new ReCertifyOperation(), new ArchiveOperation(), new RecoverOperation(), new ObtainLeaseOperation(), new GetUsageAllocationOperation(), new AdjustAttributeOperation(), new PingOperation(), new PollOperation(), new CancelOperation(), new ProcessOperation(), new QueryAsynchronousRequestsOperation(), new SetDefaultsOperation(), new ReProvisionOperation(), new ServerToClientOperation(Operation.Notify), new ServerToClientOperation(Operation.Put), new SetEndpointRoleOperation(), new DelegatedLoginOperation(), new Pkcs11Operation(), new SetConstraintsOperation(), new GetConstraintsOperation(), new DeriveKeyOperation(), new CreateSplitKeyOperation(), new JoinSplitKeyOperation(), new ExportOperation(), new ImportOperation(), new LoginOperation(), new LogoutOperation(), new SignatureVerifyOperation(),
    ];
}
