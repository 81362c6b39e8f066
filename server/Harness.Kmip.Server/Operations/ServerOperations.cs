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
/// Query (KMIP 1.4 §4.25, 2.1 §6.1.37): operations, object types, server information and (1.3+) the RNG Parameters of
/// RNG Retrieve's generator. Other query functions are
/// answered with nothing, as the spec allows for functions a server has nothing to report on.
/// </summary>
public sealed class QueryOperation : KmipOperation
{
    public const string Vendor = "Harness";

    private static readonly ObjectType[] Objects =
    [
        ObjectType.SymmetricKey, ObjectType.SecretData, ObjectType.OpaqueObject, ObjectType.Certificate,
        ObjectType.PublicKey, ObjectType.PrivateKey, ObjectType.SplitKey,
    ];

    public override Operation Operation => Operation.Query;

    public override TtlvNode Execute(RequestContext ctx, TtlvNode payload)
    {
        var functions = payload.ChildrenOf(Tag.QueryFunction).Select(f => f.AsEnumOf<QueryFunction>()).ToHashSet();
        var items = new List<TtlvNode?>();
        if (functions.Contains(QueryFunction.QueryOperations))
            items.AddRange(ctx.Kms.Operations.Values.Where(o => ctx.Version >= o.Since).Select(o => o.Operation).Order()
                .Select(op => TtlvNode.Enumeration(Tag.Operation, op)));
        if (functions.Contains(QueryFunction.QueryObjects))
            items.AddRange(Objects.Select(t => TtlvNode.Enumeration(Tag.ObjectType, t)));
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
        new EncryptOperation(), new DecryptOperation(), new CreateKeyPairOperation(), new ReKeyKeyPairOperation(), new SignOperation(), new ValidateOperation(), new CertifyOperation(), new ReCertifyOperation(), new ArchiveOperation(), new RecoverOperation(), new ObtainLeaseOperation(), new GetUsageAllocationOperation(), new AdjustAttributeOperation(), new PingOperation(), new DeriveKeyOperation(), new CreateSplitKeyOperation(), new JoinSplitKeyOperation(), new ExportOperation(), new ImportOperation(), new SignatureVerifyOperation(),
    ];
}
