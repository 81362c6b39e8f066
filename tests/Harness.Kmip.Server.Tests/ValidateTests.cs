using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>Validate over mutual TLS: chains made with .NET, given as values or as registered certificates, in any order.</summary>
public class ValidateTests
{
    private static readonly DateTimeOffset NotBefore = DateTimeOffset.UtcNow.AddDays(-1), NotAfter = DateTimeOffset.UtcNow.AddDays(30);

    private static X509Certificate2 Issue(string subject, X509Certificate2? issuer, ECDsa key, bool ca, DateTimeOffset? notAfter = null)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        return issuer is null
            ? request.CreateSelfSigned(NotBefore, notAfter ?? NotAfter)
            : request.Create(issuer, NotBefore, notAfter ?? NotAfter, RandomNumberGenerator.GetBytes(8));
    }

    private static TtlvNode Certificate(X509Certificate2 c) => TtlvNode.Structure(Tag.Certificate,
        TtlvNode.Enumeration(Tag.CertificateType, CertificateType.X_509), TtlvNode.Bytes(Tag.CertificateValue, c.RawData));

    private static BatchItemRequest Validate(IEnumerable<TtlvNode> items, DateTimeOffset? at = null) =>
        new(Operation.Validate, TtlvNode.Structure(Tag.RequestPayload, items.Append(at is { } d ? TtlvNode.DateTime(Tag.ValidityDate, d) : null)));

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task Validate_AChainInAnyOrder_IsValid_AndEachFlawIsInvalidOrUnknown(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        using ECDsa rootKey = ECDsa.Create(), middleKey = ECDsa.Create(), leafKey = ECDsa.Create(), strangerKey = ECDsa.Create();
        using var root = Issue("CN=Root", null, rootKey, ca: true); // self-signed: it carries its key
        using var middle = Issue("CN=Middle", root, middleKey, ca: true);
        using var middleWithKey = middle.CopyWithPrivateKey(middleKey);
        using var leaf = Issue("CN=Leaf", middleWithKey, leafKey, ca: false, notAfter: DateTimeOffset.UtcNow.AddDays(10));
        async Task<ValidityIndicator> ValidityAsync(IEnumerable<TtlvNode> items, DateTimeOffset? at = null) =>
            (await client.OneAsync(v, Validate(items, at))).EnsureSuccess().RequiredPayload.Required(Tag.ValidityIndicator).AsEnumOf<ValidityIndicator>();

        var registered = (await client.OneAsync(v, new BatchItemRequest(Operation.Register, TtlvNode.Structure(Tag.RequestPayload,
            TtlvNode.Enumeration(Tag.ObjectType, ObjectType.Certificate), v.IsV2 ? TtlvNode.Structure(Tag.Attributes) : TtlvNode.Structure(Tag.TemplateAttribute),
            Certificate(middle))))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;

        (await ValidityAsync([Certificate(root), Certificate(leaf), TtlvNode.Text(Tag.UniqueIdentifier, registered)])).Should().Be(ValidityIndicator.Valid);
        (await ValidityAsync([Certificate(root)])).Should().Be(ValidityIndicator.Valid, "a self-signed CA alone is a chain");
        (await ValidityAsync([Certificate(leaf), Certificate(middle)])).Should().Be(ValidityIndicator.Unknown, "the chain stops before a self-signed certificate");
        (await ValidityAsync([Certificate(leaf), Certificate(middle), Certificate(root)], DateTimeOffset.UtcNow.AddDays(20)))
            .Should().Be(ValidityIndicator.Invalid, "the leaf has expired by then");

        using var stranger = Issue("CN=Middle", null, strangerKey, ca: true); // same name, another key: the leaf's signature does not verify
        (await ValidityAsync([Certificate(leaf), Certificate(stranger)])).Should().Be(ValidityIndicator.Invalid);
        // .NET will not issue under a non-CA; signing by hand with the leaf's key makes the certificate anyway.
        using var underLeaf = new CertificateRequest("CN=Under Leaf", strangerKey, HashAlgorithmName.SHA256)
            .Create(leaf.SubjectName, X509SignatureGenerator.CreateForECDsa(leafKey), NotBefore, DateTimeOffset.UtcNow.AddDays(5), RandomNumberGenerator.GetBytes(8));
        (await ValidityAsync([Certificate(underLeaf), Certificate(leaf), Certificate(middle), Certificate(root)]))
            .Should().Be(ValidityIndicator.Invalid, "the leaf is not a CA: it cannot issue");
        (await ValidityAsync([Certificate(leaf), Certificate(root)])).Should().Be(ValidityIndicator.Invalid, "not one chain: the middle is missing");

        var none = await client.OneAsync(v, Validate([]));
        none.ResultReason.Should().Be(ResultReason.InvalidField);
        var garbage = await client.OneAsync(v, Validate([TtlvNode.Structure(Tag.Certificate, TtlvNode.Enumeration(Tag.CertificateType, CertificateType.X_509),
            TtlvNode.Bytes(Tag.CertificateValue, [1, 2, 3]))]));
        garbage.ResultReason.Should().Be(ResultReason.InvalidField);
        garbage.ResultMessage.Should().StartWith("a Certificate of the request is not a DER X.509 certificate");
    }
}
