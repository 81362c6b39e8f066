using System.Security.Cryptography;
using System.Text;
using Harness.Kmip.Client;
using Harness.Kmip.Payloads;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Derive Key over mutual TLS: each derivation method against its RFC's known answer or .NET's own implementation, the
/// links between base and derived objects, and each refusal with its reason.
/// </summary>
public class DeriveKeyTests
{
    private static Task<string> RegisterAsync(KmipClient client, ProtocolVersion v, CryptographicAlgorithm algorithm, byte[] material,
        CryptographicUsageMask usage = CryptographicUsageMask.DeriveKey) => client.RegisterKeyAsync(v, algorithm, material, usage);

    private static TtlvNode Parameters(HashingAlgorithm? hash = null, byte[]? data = null, byte[]? salt = null, int? iterations = null, BlockCipherMode? mode = null) =>
        TtlvNode.Structure(Tag.DerivationParameters,
            hash is null && mode is null ? null : new CryptographicParameters(HashingAlgorithm: hash, BlockCipherMode: mode).ToNode(),
            data is null ? null : TtlvNode.Bytes(Tag.DerivationData, data),
            salt is null ? null : TtlvNode.Bytes(Tag.Salt, salt),
            iterations is null ? null : TtlvNode.Integer(Tag.IterationCount, iterations.Value));

    private static async Task<byte[]> DeriveAsync(KmipClient client, ProtocolVersion v, string baseKey, DerivationMethod method, TtlvNode parameters, int bytes,
        ObjectType type = ObjectType.SecretData)
    {
        List<KmipAttribute> attributes = [KmipAttribute.CryptographicLength(bytes * 8)];
        if (type == ObjectType.SymmetricKey) attributes.Add(KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES));
        var id = (await client.OneAsync(v, KmipBatchItems.DeriveKey(v, type, [baseKey], method, parameters, attributes)))
            .EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        return (await new KmipOperations(client, v).GetAsync(id)).KeyBlock!.Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes;
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task EachMethod_GivesItsKnownAnswer(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        // PBKDF2-HMAC-SHA1, RFC 6070 test 2.
        var password = await RegisterAsync(client, v, CryptographicAlgorithm.HMAC_SHA1, "password"u8.ToArray());
        Convert.ToHexString(await DeriveAsync(client, v, password, DerivationMethod.PBKDF2, Parameters(salt: "salt"u8.ToArray(), iterations: 2), 20))
            .Should().BeEquivalentTo("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
        // HMAC-SHA256 under the key's own algorithm, RFC 4231 test case 2.
        var jefe = await RegisterAsync(client, v, CryptographicAlgorithm.HMAC_SHA256, "Jefe"u8.ToArray());
        Convert.ToHexString(await DeriveAsync(client, v, jefe, DerivationMethod.HMAC, Parameters(data: "what do ya want for nothing?"u8.ToArray()), 32))
            .Should().BeEquivalentTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // HASH of the Derivation Data: SHA-256("abc"), FIPS 180-2, cut to 128 bits.
        Convert.ToHexString(await DeriveAsync(client, v, jefe, DerivationMethod.HASH, Parameters(HashingAlgorithm.SHA_256, "abc"u8.ToArray()), 16))
            .Should().BeEquivalentTo("ba7816bf8f01cfea414140de5dae2223");
        // ENCRYPT: AES-ECB of one block, as .NET encrypts it; into a symmetric key.
        var aesKey = RandomNumberGenerator.GetBytes(32);
        var aes = await RegisterAsync(client, v, CryptographicAlgorithm.AES, aesKey);
        using var dotnet = Aes.Create();
        dotnet.Key = aesKey;
        var block = Encoding.ASCII.GetBytes("sixteen byte blk");
        (await DeriveAsync(client, v, aes, DerivationMethod.ENCRYPT, Parameters(data: block, mode: BlockCipherMode.ECB), 16, ObjectType.SymmetricKey))
            .Should().Equal(dotnet.EncryptEcb(block, PaddingMode.None));
        // NIST SP 800-108 counter mode with HMAC-SHA256: the Derivation Data is Label ‖ 0x00 ‖ Context ‖ [L]₃₂, as .NET builds it.
        var kdk = RandomNumberGenerator.GetBytes(32);
        var kdkId = await RegisterAsync(client, v, CryptographicAlgorithm.HMAC_SHA256, kdk);
        byte[] label = "label"u8.ToArray(), context = "context"u8.ToArray();
        var fixedInput = label.Append((byte)0).Concat(context).Concat(new byte[] { 0, 0, 0x01, 0x80 }).ToArray(); // L = 384 bits
        (await DeriveAsync(client, v, kdkId, DerivationMethod.NIST800_108_C, Parameters(HashingAlgorithm.SHA_256, fixedInput), 48))
            .Should().Equal(SP800108HmacCounterKdf.DeriveBytes(kdk, HashAlgorithmName.SHA256, label, context, 48));
    }

    [Fact]
    public async Task Hkdf_GivesRfc5869sFirstAnswer_AndTheObjectsAreLinkedBothWays()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var ikm = await RegisterAsync(client, V21, CryptographicAlgorithm.HMAC_SHA256, Enumerable.Repeat((byte)0x0b, 22).ToArray());
        var parameters = Parameters(HashingAlgorithm.SHA_256, Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9"), Convert.FromHexString("000102030405060708090a0b0c"));

        var id = (await client.OneAsync(V21, KmipBatchItems.DeriveKey(V21, ObjectType.SecretData, [ikm], DerivationMethod.HKDF, parameters, [KmipAttribute.CryptographicLength(42 * 8)])))
            .EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;

        Convert.ToHexString((await ops.GetAsync(id)).KeyBlock!.Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes)
            .Should().BeEquivalentTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
        string Linked(IEnumerable<KmipAttribute> attributes, LinkType type) => attributes
            .Single(a => a.Name == "Link" && a.Value.Required(Tag.LinkType).AsEnumOf<LinkType>() == type).Value.Required(Tag.LinkedObjectIdentifier).AsText;
        Linked(await ops.GetAttributesAsync(id), LinkType.DerivationBaseObjectLink).Should().Be(ikm);
        Linked(await ops.GetAttributesAsync(ikm), LinkType.DerivedKeyLink).Should().Be(id);
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task BadRequests_AreRefusedSayingWhy_AndDeriveNothing(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var key = await RegisterAsync(client, v, CryptographicAlgorithm.HMAC_SHA256, RandomNumberGenerator.GetBytes(32));
        var noDerive = await RegisterAsync(client, v, CryptographicAlgorithm.HMAC_SHA256, RandomNumberGenerator.GetBytes(32), CryptographicUsageMask.MACGenerate);
        int stored = kms.Server.State.Store.Count;
        async Task<ResponseBatchItem> Refused(string baseKey, DerivationMethod method, TtlvNode parameters, params KmipAttribute[] attributes)
        {
            var item = await client.OneAsync(v, KmipBatchItems.DeriveKey(v, ObjectType.SecretData, [baseKey], method, parameters, attributes));
            item.IsSuccess.Should().BeFalse();
            return item;
        }
        var length = KmipAttribute.CryptographicLength(256);

        (await Refused(noDerive, DerivationMethod.HMAC, Parameters(data: [1]), length)).ResultReason
            .Should().Be(v.IsV2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied);
        var noLength = await Refused(key, DerivationMethod.HMAC, Parameters(data: [1]));
        noLength.ResultReason.Should().Be(ResultReason.InvalidField);
        noLength.ResultMessage.Should().Be("Derive Key needs the Cryptographic Length of the object to derive");
        var tooLong = await Refused(key, DerivationMethod.HASH, Parameters(HashingAlgorithm.SHA_1, [1]), length);
        tooLong.ResultReason.Should().Be(ResultReason.InvalidField);
        tooLong.ResultMessage.Should().Be("HASH derivation gives 160 bits here, fewer than the Cryptographic Length of 256");
        var noSalt = await Refused(key, DerivationMethod.PBKDF2, Parameters(iterations: 10), length);
        noSalt.ResultMessage.Should().Be("PBKDF2 derivation needs a Salt");
        var feedback = await Refused(key, DerivationMethod.NIST800_108_F, Parameters(HashingAlgorithm.SHA_256, [1]), length);
        feedback.ResultReason.Should().Be(ResultReason.FeatureNotSupported);
        kms.Server.State.Store.Count.Should().Be(stored, "no refused derivation stores anything");
    }
}
