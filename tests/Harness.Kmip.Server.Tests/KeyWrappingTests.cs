using System.Security.Cryptography;
using Harness.Kmip.Client;
using Harness.Kmip.Payloads;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Key Wrapping Specification on Get and Key Wrapping Data on Register (KMIP 1.4 §2.1.5, §2.1.6): every wrapping
/// method, the wrapped values checked by BouncyCastle's RFC 3394 engine and .NET's HMAC and ECDSA, a key registered
/// wrapped given back as registered or unwrapped (Key Wrap Type) and used unwrapped, and each refusal with its reason.
/// </summary>
public class KeyWrappingTests
{
    private static readonly byte[] Kek = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static readonly byte[] HmacKey = RandomNumberGenerator.GetBytes(32);

    private static Task<string> RegisterAsync(KmipClient client, CryptographicAlgorithm algorithm, byte[] material, CryptographicUsageMask usage) =>
        client.RegisterKeyAsync(V21, algorithm, material, usage);

    private static TtlvNode Information(Tag tag, string id, CryptographicParameters? parameters = null) =>
        TtlvNode.Structure(tag, TtlvNode.Text(Tag.UniqueIdentifier, id), parameters?.ToNode());

    private static TtlvNode Specification(WrappingMethod method, string? encryptionKey, string? macKey, CryptographicParameters? macParameters = null) =>
        TtlvNode.Structure(Tag.KeyWrappingSpecification, TtlvNode.Enumeration(Tag.WrappingMethod, method),
            encryptionKey is null ? null : Information(Tag.EncryptionKeyInformation, encryptionKey),
            macKey is null ? null : Information(Tag.MACSignatureKeyInformation, macKey, macParameters));

    private static async Task<TtlvNode> GetAsync(KmipClient client, string id, params TtlvNode?[] fields)
    {
        var item = await client.OneAsync(V21, new BatchItemRequest(Operation.Get, KmipRequests.Payload([TtlvNode.Text(Tag.UniqueIdentifier, id), .. fields])));
        return item.EnsureSuccess().RequiredPayload.Required(Tag.SymmetricKey);
    }

    private static byte[] Encoded(TtlvNode node) => TtlvWriter.Encode(node);

    private static byte[] Rfc3394Unwrap(byte[] kek, byte[] wrapped)
    {
        var engine = new Org.BouncyCastle.Crypto.Engines.Rfc3394WrapEngine(new Org.BouncyCastle.Crypto.Engines.AesEngine());
        engine.Init(false, new Org.BouncyCastle.Crypto.Parameters.KeyParameter(kek));
        return engine.Unwrap(wrapped, 0, wrapped.Length);
    }

    [Fact]
    public async Task EveryWrappingMethod_WrapsAsTheSpecSays_AndAKeyRegisteredWrappedComesBackAsRegisteredOrUnwrapped_AndIsUsed()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var kek = await RegisterAsync(client, CryptographicAlgorithm.AES, Kek, CryptographicUsageMask.WrapKey | CryptographicUsageMask.UnwrapKey);
        var hmac = await RegisterAsync(client, CryptographicAlgorithm.HMAC_SHA256, HmacKey, CryptographicUsageMask.MACGenerate | CryptographicUsageMask.MACVerify);
        var key = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        await ops.ActivateAsync(key);
        var clear = await GetAsync(client, key);
        var clearValue = clear.Required(Tag.KeyBlock).Required(Tag.KeyValue);
        var encodedValue = TtlvWriter.Encode(clearValue);

        // Encrypt: RFC 3394 of the TTLV-encoded Key Value.
        var encrypted = await GetAsync(client, key, Specification(WrappingMethod.Encrypt, kek, null));
        var wrapped = encrypted.Required(Tag.KeyBlock).Required(Tag.KeyValue).AsBytes;
        Rfc3394Unwrap(Kek, wrapped).Should().Equal(encodedValue);
        // MAC/sign: the Key Value stays clear and the MAC is HMAC-SHA256 of its encoding.
        var maced = await GetAsync(client, key, Specification(WrappingMethod.MACSign, null, hmac));
        Encoded(maced.Required(Tag.KeyBlock).Required(Tag.KeyValue)).Should().Equal(Encoded(clearValue));
        maced.Required(Tag.KeyBlock).Required(Tag.KeyWrappingData).Required(Tag.MACSignature).AsBytes.Should().Equal(HMACSHA256.HashData(HmacKey, encodedValue));
        // Encrypt then MAC: the MAC covers the wrapped bytes; MAC then encrypt: the clear encoding.
        var encryptThenMac = (await GetAsync(client, key, Specification(WrappingMethod.EncryptThenMACSign, kek, hmac))).Required(Tag.KeyBlock);
        encryptThenMac.Required(Tag.KeyWrappingData).Required(Tag.MACSignature).AsBytes
            .Should().Equal(HMACSHA256.HashData(HmacKey, encryptThenMac.Required(Tag.KeyValue).AsBytes));
        var macThenEncrypt = (await GetAsync(client, key, Specification(WrappingMethod.MACSignThenEncrypt, kek, hmac))).Required(Tag.KeyBlock);
        macThenEncrypt.Required(Tag.KeyWrappingData).Required(Tag.MACSignature).AsBytes.Should().Equal(HMACSHA256.HashData(HmacKey, encodedValue));
        Rfc3394Unwrap(Kek, macThenEncrypt.Required(Tag.KeyValue).AsBytes).Should().Equal(encodedValue);

        // Each wrapped form registers as a new key: stored as registered, given back unwrapped when asked, and used.
        var ecb = new CryptographicParameters(BlockCipherMode: BlockCipherMode.ECB);
        var block = new byte[16];
        var expected = (await ops.EncryptAsync(new EncryptRequest(key, ecb, block))).Data;
        foreach (var form in new[] { encrypted, maced, TtlvNode.Structure(Tag.SymmetricKey, encryptThenMac), TtlvNode.Structure(Tag.SymmetricKey, macThenEncrypt) })
        {
            var registered = (await client.OneAsync(V21, KmipBatchItems.Register(V21, ObjectType.SymmetricKey, form,
                [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Encrypt)]))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
            await ops.ActivateAsync(registered);
            Encoded(await GetAsync(client, registered)).Should().Equal(Encoded(form), "Get gives a key as registered");
            Encoded(await GetAsync(client, registered, TtlvNode.Enumeration(Tag.KeyWrapType, KeyWrapType.AsRegistered))).Should().Equal(Encoded(form));
            var unwrapped = await GetAsync(client, registered, TtlvNode.Enumeration(Tag.KeyWrapType, KeyWrapType.NotWrapped));
            unwrapped.Required(Tag.KeyBlock).Child(Tag.KeyWrappingData).Should().BeNull();
            Encoded(unwrapped.Required(Tag.KeyBlock).Required(Tag.KeyValue)).Should().Equal(Encoded(clearValue));
            (await ops.EncryptAsync(new EncryptRequest(registered, ecb, block))).Data.Should().Equal(expected, "the server uses the key it unwraps");
        }
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task AttributeNamesInTheSpecification_GoInsideTheWrappedKeyValue_InTheirVersionsForm(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var kek = await client.RegisterKeyAsync(v, CryptographicAlgorithm.AES, Kek, CryptographicUsageMask.WrapKey);
        var key = await ops.CreateSymmetricKeyAsync([.. KmipAttribute.Aes256EncryptDecrypt, KmipAttribute.ObjectName("wrapped with its name")]);
        var spec = TtlvNode.Structure(Tag.KeyWrappingSpecification, TtlvNode.Enumeration(Tag.WrappingMethod, WrappingMethod.Encrypt),
            Information(Tag.EncryptionKeyInformation, kek), TtlvNode.Text(Tag.AttributeName, "Name"), TtlvNode.Text(Tag.AttributeName, "Cryptographic Usage Mask"));

        var item = await client.OneAsync(v, new BatchItemRequest(Operation.Get, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, key), spec)));
        var wrapped = item.EnsureSuccess().RequiredPayload.Required(Tag.SymmetricKey).Required(Tag.KeyBlock).Required(Tag.KeyValue).AsBytes;

        var keyValue = TtlvReader.Decode(Rfc3394Unwrap(Kek, wrapped));
        keyValue.Tag.Should().Be(Tag.KeyValue);
        keyValue.Required(Tag.KeyMaterial).AsBytes.Should().HaveCount(32);
        if (v.IsV2)
        {
            var attributes = keyValue.Required(Tag.Attributes);
            attributes.Required(Tag.Name).Required(Tag.NameValue).AsText.Should().Be("wrapped with its name");
            attributes.Required(Tag.CryptographicUsageMask).AsInt32.Should().Be((int)(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt));
        }
        else
            keyValue.ChildrenOf(Tag.Attribute).Select(a => a.Required(Tag.AttributeName).AsText).Should().BeEquivalentTo(["Name", "Cryptographic Usage Mask"]);
    }

    [Fact]
    public async Task SignedWrapping_IsAnEcdsaSignatureDotNetVerifies()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var pair = await ops.CreateKeyPairAsync([KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.EC), KmipAttribute.RecommendedCurve(RecommendedCurve.P_256)],
            [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Sign)], [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Verify)]);
        await ops.ActivateAsync(pair.PrivateKeyUniqueIdentifier);
        var key = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        var ecdsa = new CryptographicParameters(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.ECDSAWithSHA256);

        var signed = (await GetAsync(client, key, Specification(WrappingMethod.MACSign, null, pair.PrivateKeyUniqueIdentifier, ecdsa))).Required(Tag.KeyBlock);

        using var verifier = ECDsa.Create();
        var publicKey = (await ops.GetAsync(pair.PublicKeyUniqueIdentifier)).KeyBlock!.Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes;
        verifier.ImportSubjectPublicKeyInfo(publicKey, out _);
        verifier.VerifyData(TtlvWriter.Encode(signed.Required(Tag.KeyValue)), signed.Required(Tag.KeyWrappingData).Required(Tag.MACSignature).AsBytes,
            HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence).Should().BeTrue();
    }

    [Fact]
    public async Task BadWrappedKeys_AreRefusedSayingWhy_AndNothingIsStored()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var kek = await RegisterAsync(client, CryptographicAlgorithm.AES, Kek, CryptographicUsageMask.WrapKey | CryptographicUsageMask.UnwrapKey);
        var otherKek = await RegisterAsync(client, CryptographicAlgorithm.AES, RandomNumberGenerator.GetBytes(32), CryptographicUsageMask.WrapKey | CryptographicUsageMask.UnwrapKey);
        var hmac = await RegisterAsync(client, CryptographicAlgorithm.HMAC_SHA256, HmacKey, CryptographicUsageMask.MACGenerate | CryptographicUsageMask.MACVerify);
        var key = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        int stored = kms.Server.State.Store.Count;
        TtlvNode WithWrappingData(TtlvNode value, Func<TtlvNode, TtlvNode> change)
        {
            var block = value.Required(Tag.KeyBlock);
            return TtlvNode.Structure(Tag.SymmetricKey, TtlvNode.Structure(Tag.KeyBlock,
                block.Items.Select(c => c.Tag == Tag.KeyWrappingData ? change(c) : c)));
        }
        async Task<ResponseBatchItem> Register(TtlvNode value) =>
            await client.FailsAsync(V21, Operation.Register, KmipBatchItems.Register(V21, ObjectType.SymmetricKey, value, []).Payload!);

        // Wrapped under one KEK but naming another the server holds: the integrity check fails.
        var encrypted = await GetAsync(client, key, Specification(WrappingMethod.Encrypt, kek, null));
        var otherNamed = await Register(WithWrappingData(encrypted, d => TtlvNode.Structure(Tag.KeyWrappingData,
            d.Items.Select(c => c.Tag == Tag.EncryptionKeyInformation ? Information(Tag.EncryptionKeyInformation, otherKek) : c))));
        otherNamed.ResultReason.Should().Be(ResultReason.CryptographicFailure);
        otherNamed.ResultMessage.Should().Be("the wrapped data does not unwrap: its integrity check failed (wrong key, mode, or damaged data)");
        // A MAC that does not match the value.
        var maced = await GetAsync(client, key, Specification(WrappingMethod.MACSign, null, hmac));
        var badMac = await Register(WithWrappingData(maced, d => TtlvNode.Structure(Tag.KeyWrappingData,
            d.Items.Select(c => c.Tag == Tag.MACSignature ? TtlvNode.Bytes(Tag.MACSignature, new byte[32]) : c))));
        badMac.ResultReason.Should().Be(ResultReason.CryptographicFailure);
        badMac.ResultMessage.Should().Be($"the MAC/Signature of the SymmetricKey to register does not verify under '{hmac}': the wrapped key was changed, or another key made it");
        // Encrypt then MAC without the MAC key's information.
        var noMacKey = await client.FailsAsync(V21, Operation.Get, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, key),
            Specification(WrappingMethod.EncryptThenMACSign, kek, null)));
        noMacKey.ResultReason.Should().Be(ResultReason.InvalidField);
        noMacKey.ResultMessage.Should().Be("wrapping method EncryptThenMACSign needs MAC/Signature Key Information");
        // A MAC key cannot encrypt a wrap: it lacks Wrap Key.
        var macAsKek = await client.FailsAsync(V21, Operation.Get, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, key),
            Specification(WrappingMethod.Encrypt, hmac, null)));
        macAsKek.ResultReason.Should().Be(ResultReason.IncompatibleCryptographicUsageMask);
        macAsKek.ResultMessage.Should().Be($"wrapping key '{hmac}' lacks the WrapKey usage");
        kms.Server.State.Store.Count.Should().Be(stored, "no refused Register stores anything");

        // Wrapped by a key the server does not hold: kept as registered, but it cannot be used or given unwrapped.
        var foreign = WithWrappingData(encrypted, d => TtlvNode.Structure(Tag.KeyWrappingData,
            d.Items.Select(c => c.Tag == Tag.EncryptionKeyInformation ? Information(Tag.EncryptionKeyInformation, "a-key-the-client-keeps") : c)));
        var kept = (await client.OneAsync(V21, KmipBatchItems.Register(V21, ObjectType.SymmetricKey, foreign,
            [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Encrypt)]))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        await ops.ActivateAsync(kept);
        Encoded(await GetAsync(client, kept)).Should().Equal(Encoded(foreign));
        var use = await client.FailsAsync(V21, Operation.Encrypt, new EncryptRequest(kept, new CryptographicParameters(BlockCipherMode: BlockCipherMode.ECB), new byte[16]).ToNode());
        use.ResultReason.Should().Be(ResultReason.KeyValueNotPresent);
        use.ResultMessage.Should().Be($"'{kept}' was registered wrapped by 'a-key-the-client-keeps', which is not on the server: there is no clear key material to use");
        var unwrap = await client.FailsAsync(V21, Operation.Get, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, kept), TtlvNode.Enumeration(Tag.KeyWrapType, KeyWrapType.NotWrapped)));
        unwrap.ResultReason.Should().Be(ResultReason.ItemNotFound);
        unwrap.ResultMessage.Should().Be("no wrapping key with Unique Identifier 'a-key-the-client-keeps'");
        var both = await client.FailsAsync(V21, Operation.Get, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, kept),
            TtlvNode.Enumeration(Tag.KeyWrapType, KeyWrapType.AsRegistered), Specification(WrappingMethod.Encrypt, kek, null)));
        both.ResultReason.Should().Be(ResultReason.InvalidField);
    }
}
