using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Each Result Reason the spec gives an operation (KMIP 1.4 §11, 2.1 §11) that applies to this server, in the
/// protocol generation where it differs: one case per reason, named after the rule it checks.
/// </summary>
public class OperationResultReasonTests : IAsyncLifetime
{
    private KmsFixture _kms = null!;
    private KmipClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _kms = await KmsFixture.StartAsync();
        _client = await _kms.ConnectAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _kms.DisposeAsync();
    }

    public sealed record Case(string Rule, string Version, ResultReason Expected, Func<Setup, Task<BatchItemRequest>> Request)
    {
        public override string ToString() => $"{Rule} (KMIP {Version})";
    }

    /// <summary>What a case may prepare before its request: keys in given states.</summary>
    public sealed class Setup(KmipClient client, ProtocolVersion version)
    {
        public ProtocolVersion Version => version;
        public Task<string> Key(params KmipAttribute[] extra) => client.CreateKeyAsync(version, extra);

        public async Task<string> ActiveKey()
        {
            var id = await Key();
            (await client.OneAsync(version, KmipBatchItems.Activate(id))).EnsureSuccess();
            return id;
        }

        public async Task<string> DestroyedKey()
        {
            var id = await Key();
            (await client.OneAsync(version, KmipBatchItems.Destroy(id))).EnsureSuccess();
            return id;
        }
    }

    private static BatchItemRequest Item(Operation op, params TtlvNode?[] fields) => new(op, KmipRequests.Payload(fields));
    private static TtlvNode Uid(string id) => TtlvNode.Text(Tag.UniqueIdentifier, id);
    private static TtlvNode Attr(ProtocolVersion v, string name, TtlvNode value) => new KmipAttribute(name, value).ToTtlv(v);
    private static TtlvNode Text(string s) => TtlvNode.Text(Tag.AttributeValue, s);
    private static TtlvNode AttributesOf(ProtocolVersion v, params (string Name, TtlvNode Value)[] attributes) =>
        TtlvNode.Structure(v.IsV2 ? Tag.Attributes : Tag.TemplateAttribute, attributes.Select(a => Attr(v, a.Name, a.Value)));
    private static TtlvNode NewAttribute(ProtocolVersion v, string name, TtlvNode value) =>
        v.IsV2 ? TtlvNode.Structure(Tag.NewAttribute, Attr(v, name, value)) : Attr(v, name, value);
    private static readonly (string, TtlvNode)[] Aes256 =
    [
        ("Cryptographic Algorithm", TtlvNode.Enumeration(Tag.AttributeValue, CryptographicAlgorithm.AES)),
        ("Cryptographic Length", TtlvNode.Integer(Tag.AttributeValue, 256)),
    ];

    public static TheoryData<Case> Cases()
    {
        var cases = new List<Case>();
        foreach (var version in new[] { "1.4", "2.1" })
        {
            var v = ProtocolVersion.Parse(version);
            ResultReason R(ResultReason v1, ResultReason v2) => v.IsV2 ? v2 : v1;
            ResultReason notFound = R(ResultReason.ItemNotFound, ResultReason.ObjectNotFound);

            // Create
            cases.Add(new("Create of an object type other than a symmetric key is Invalid Field", version, ResultReason.InvalidField,
                _ => Task.FromResult(Item(Operation.Create, TtlvNode.Enumeration(Tag.ObjectType, ObjectType.PrivateKey), AttributesOf(v, Aes256)))));
            cases.Add(new("Create of an AES key of 100 bits is Invalid Field", version, ResultReason.InvalidField,
                _ => Task.FromResult(Item(Operation.Create, TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
                    AttributesOf(v, Aes256[0], ("Cryptographic Length", TtlvNode.Integer(Tag.AttributeValue, 100)))))));
            cases.Add(new("Create without a Cryptographic Algorithm is Invalid Field", version, ResultReason.InvalidField,
                _ => Task.FromResult(Item(Operation.Create, TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey), AttributesOf(v, Aes256[1])))));
            cases.Add(new("Create with a Name another object has is refused", version, R(ResultReason.InvalidField, ResultReason.NonUniqueNameAttribute),
                async s =>
                {
                    var name = "taken-" + Guid.NewGuid();
                    await s.Key(KmipAttribute.ObjectName(name));
                    return KmipBatchItems.CreateSymmetricKey(v, [.. KmipAttribute.Aes256EncryptDecrypt, KmipAttribute.ObjectName(name)]);
                }));
            cases.Add(new("Create with a server-only attribute is refused", version, R(ResultReason.InvalidField, ResultReason.AttributeReadOnly),
                _ => Task.FromResult(Item(Operation.Create, TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
                    AttributesOf(v, Aes256[0], Aes256[1], ("Initial Date", TtlvNode.DateTime(Tag.AttributeValue, DateTimeOffset.UnixEpoch)))))));

            // Register
            cases.Add(new("Register whose Object Type does not match the object is Invalid Field", version, ResultReason.InvalidField,
                _ => Task.FromResult(Item(Operation.Register, TtlvNode.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey), AttributesOf(v),
                    TtlvNode.Structure(Tag.OpaqueObject, TtlvNode.Enumeration(Tag.OpaqueDataType, 0x80000001u), TtlvNode.Bytes(Tag.OpaqueDataValue, [1, 2, 3]))))));

            // Get
            cases.Add(new("Get of an unknown object is not found", version, notFound,
                _ => Task.FromResult(KmipBatchItems.Get("no-such-object"))));
            cases.Add(new("Get of a symmetric key in PKCS#1 format is Key Format Type Not Supported", version, ResultReason.KeyFormatTypeNotSupported,
                async s => KmipBatchItems.Get(await s.Key(), KeyFormatType.PKCS_1)));
            cases.Add(new("Get of a destroyed key is refused", version, R(ResultReason.ItemNotFound, ResultReason.ObjectDestroyed),
                async s => KmipBatchItems.Get(await s.DestroyedKey())));
            cases.Add(new("Get of a Sensitive key without wrapping is refused", version, R(ResultReason.PermissionDenied, ResultReason.Sensitive),
                async s => KmipBatchItems.Get(await s.Key(KmipAttribute.Standard(Tag.Sensitive, TtlvNode.Boolean(Tag.Sensitive, true))))));
            cases.Add(new("Get wrapped with a key that does not exist is Item Not Found", version, ResultReason.ItemNotFound,
                async s => Item(Operation.Get, Uid(await s.Key()), TtlvNode.Structure(Tag.KeyWrappingSpecification,
                    TtlvNode.Enumeration(Tag.WrappingMethod, WrappingMethod.Encrypt),
                    TtlvNode.Structure(Tag.EncryptionKeyInformation, Uid("no-such-wrapping-key"))))));

            // Get Attributes, Get Attribute List
            cases.Add(new("Get Attributes of an unknown object is not found", version, notFound,
                _ => Task.FromResult(KmipBatchItems.GetAttributes(v, "no-such-object", ["State"]))));
            cases.Add(new("Get Attributes naming an attribute twice is Invalid Message", version, ResultReason.InvalidMessage,
                async s => KmipBatchItems.GetAttributes(v, await s.Key(), ["State", "State"])));
            cases.Add(new("Get Attribute List of an unknown object is not found", version, notFound,
                _ => Task.FromResult(KmipBatchItems.GetAttributeList("no-such-object"))));

            // Add Attribute
            cases.Add(new("Add Attribute of a server-only attribute is refused", version, R(ResultReason.PermissionDenied, ResultReason.AttributeReadOnly),
                async s => Item(Operation.AddAttribute, Uid(await s.Key()), NewAttribute(v, "State", TtlvNode.Enumeration(Tag.AttributeValue, State.Active)))));
            cases.Add(new("Add Attribute of a single-valued attribute the object has is refused", version, R(ResultReason.IllegalOperation, ResultReason.AttributeSingleValued),
                async s => Item(Operation.AddAttribute, Uid(await s.Key(new KmipAttribute("Contact Information", Text("ops@example.com")))),
                    NewAttribute(v, "Contact Information", Text("other@example.com")))));
            cases.Add(new("Add Attribute of an unknown object is not found", version, notFound,
                _ => Task.FromResult(Item(Operation.AddAttribute, Uid("no-such-object"), NewAttribute(v, "x-Vendor", Text("VMware, Inc."))))));

            // Modify Attribute
            cases.Add(new("Modify Attribute of an attribute the object lacks is refused", version, R(ResultReason.InvalidField, ResultReason.AttributeNotFound),
                async s => Item(Operation.ModifyAttribute, Uid(await s.Key()), NewAttribute(v, "Contact Information", Text("ops@example.com")))));
            cases.Add(new("Modify Attribute of a server-only attribute is refused", version, R(ResultReason.PermissionDenied, ResultReason.AttributeReadOnly),
                async s => Item(Operation.ModifyAttribute, Uid(await s.Key()), NewAttribute(v, "Object Type", TtlvNode.Enumeration(Tag.AttributeValue, ObjectType.SecretData)))));
            cases.Add(new("Modify Attribute of the Activation Date of an Active key is refused", version, R(ResultReason.PermissionDenied, ResultReason.WrongKeyLifecycleState),
                async s => Item(Operation.ModifyAttribute, Uid(await s.ActiveKey()), NewAttribute(v, "Activation Date", TtlvNode.DateTime(Tag.AttributeValue, DateTimeOffset.UtcNow.AddDays(1))))));

            // Delete Attribute
            var deleteObjectType = (string id) => v.IsV2
                ? Item(Operation.DeleteAttribute, Uid(id), TtlvNode.Enumeration(Tag.AttributeReference, (uint)Tag.ObjectType))
                : Item(Operation.DeleteAttribute, Uid(id), TtlvNode.Text(Tag.AttributeName, "Object Type"));
            var deleteContact = (string id) => v.IsV2
                ? Item(Operation.DeleteAttribute, Uid(id), TtlvNode.Enumeration(Tag.AttributeReference, (uint)Tag.ContactInformation))
                : Item(Operation.DeleteAttribute, Uid(id), TtlvNode.Text(Tag.AttributeName, "Contact Information"));
            cases.Add(new("Delete Attribute of a required attribute is refused", version, R(ResultReason.PermissionDenied, ResultReason.AttributeReadOnly),
                async s => deleteObjectType(await s.Key())));
            cases.Add(new("Delete Attribute of an attribute the object lacks is refused", version, R(ResultReason.ItemNotFound, ResultReason.AttributeNotFound),
                async s => deleteContact(await s.Key())));

            // Locate
            cases.Add(new("Locate by an attribute the server does not know is Invalid Field", version, ResultReason.InvalidField,
                _ => Task.FromResult(v.IsV2
                    ? Item(Operation.Locate, TtlvNode.Structure(Tag.Attributes, TtlvNode.Structure(Tag.Attribute,
                        TtlvNode.Text(Tag.VendorIdentification, ""), TtlvNode.Text(Tag.AttributeName, "No Such Attribute"), Text("x"))))
                    : Item(Operation.Locate, Attr(v, "No Such Attribute", Text("x"))))));

            // Activate, Revoke, Destroy, Check, Re-key
            cases.Add(new("Activate of an Active key is refused", version, R(ResultReason.PermissionDenied, ResultReason.WrongKeyLifecycleState),
                async s => KmipBatchItems.Activate(await s.ActiveKey())));
            cases.Add(new("Revoke of a destroyed key is refused", version, R(ResultReason.PermissionDenied, ResultReason.WrongKeyLifecycleState),
                async s => KmipBatchItems.Revoke(await s.DestroyedKey(), RevocationReasonCode.CessationOfOperation)));
            cases.Add(new("Destroy of an Active key is refused", version, R(ResultReason.PermissionDenied, ResultReason.WrongKeyLifecycleState),
                async s => KmipBatchItems.Destroy(await s.ActiveKey())));
            cases.Add(new("Destroy of a destroyed key is refused", version, R(ResultReason.PermissionDenied, ResultReason.ObjectDestroyed),
                async s => KmipBatchItems.Destroy(await s.DestroyedKey())));
            cases.Add(new("Check for a usage the key does not allow is refused", version, R(ResultReason.PermissionDenied, ResultReason.IncompatibleCryptographicUsageMask),
                async s => Item(Operation.Check, Uid(await s.Key()), TtlvNode.Integer(Tag.CryptographicUsageMask, (int)CryptographicUsageMask.Sign))));
            cases.Add(new("Re-key of a destroyed key is Key Value Not Present", version, ResultReason.KeyValueNotPresent,
                async s => Item(Operation.ReKey, Uid(await s.DestroyedKey()))));
            cases.Add(new("Re-key with an Offset of a key without Activation Date is Illegal Operation", version, ResultReason.IllegalOperation,
                async s => Item(Operation.ReKey, Uid(await s.Key()), TtlvNode.Interval(Tag.Offset, 3600))));
        }
        // Operations of KMIP 2.x only
        cases.Add(new("Set Attribute of a multi-valued attribute is Multi Valued Attribute", "2.1", ResultReason.MultiValuedAttribute,
            async s => Item(Operation.SetAttribute, Uid(await s.Key()), NewAttribute(s.Version, "Name",
                TtlvNode.Structure(Tag.AttributeValue, TtlvNode.Text(Tag.NameValue, "n"), TtlvNode.Enumeration(Tag.NameType, NameType.UninterpretedTextString))))));
        cases.Add(new("Set Attribute does not exist in KMIP 1.4", "1.4", ResultReason.OperationNotSupported,
            async s => Item(Operation.SetAttribute, Uid(await s.Key()))));
        cases.Add(new("Log does not exist in KMIP 1.4", "1.4", ResultReason.OperationNotSupported,
            _ => Task.FromResult(Item(Operation.Log, TtlvNode.Text(Tag.LogMessage, "hello")))));
        cases.Add(new("Interop does not exist in KMIP 1.4 (it came with 2.0)", "1.4", ResultReason.OperationNotSupported,
            _ => Task.FromResult(Item(Operation.Interop, TtlvNode.Enumeration(Tag.InteropFunction, InteropFunction.Begin), TtlvNode.Text(Tag.InteropIdentifier, "x")))));
        var data = new TheoryData<Case>();
        foreach (var c in cases) data.Add(c);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Operation_FailureTheSpecNames_GetsItsResultReason(Case c)
    {
        var v = ProtocolVersion.Parse(c.Version);
        var request = await c.Request(new Setup(_client, v));
        var item = await _client.OneAsync(v, request);
        item.ResultStatus.Should().Be(ResultStatus.OperationFailed, c.Rule);
        item.ResultReason.Should().Be(c.Expected, $"{c.Rule}: {item.ResultMessage}");
        item.ResultMessage.Should().NotBeNullOrWhiteSpace();
    }
}
