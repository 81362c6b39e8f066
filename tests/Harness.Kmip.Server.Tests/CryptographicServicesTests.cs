using System.Security.Cryptography;
using System.Text;
using Harness.Kmip.Client;
using Harness.Kmip.Payloads;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// RNG Retrieve, RNG Seed, Hash, MAC and MAC Verify over mutual TLS, through the client's typed payloads: results checked
/// against known answers and .NET's own implementations, streams by parts, and each refusal with its Result Reason.
/// </summary>
public class CryptographicServicesTests
{
    private static readonly byte[] Abc = Encoding.ASCII.GetBytes("abc");
    private static readonly byte[] HmacKey = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    private static Task<string> RegisterMacKeyAsync(KmipClient client, ProtocolVersion v, CryptographicAlgorithm algorithm = CryptographicAlgorithm.HMAC_SHA256,
        CryptographicUsageMask usage = CryptographicUsageMask.MACGenerate | CryptographicUsageMask.MACVerify, bool activate = true, byte[]? material = null)
        => client.RegisterKeyAsync(v, algorithm, material ?? HmacKey, usage, activate);

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task RngRetrieve_GivesFreshBytesOfTheLengthAsked_AndRngSeedCountsWhatItUsed(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var a = (await ops.RngRetrieveAsync(new RngRetrieveRequest(32))).Data;
        var b = (await ops.RngRetrieveAsync(new RngRetrieveRequest(32))).Data;
        a.Should().HaveCount(32);
        a.Should().NotEqual(b);
        (await ops.RngSeedAsync(new RngSeedRequest(new byte[32]))).DataLength.Should().Be(32);
        (await ops.RngSeedAsync(new RngSeedRequest(new byte[5000]))).DataLength.Should().Be(1024, "at most 1,024 bytes of one seed are used");
        (await ops.RngRetrieveAsync(new RngRetrieveRequest(1000))).Data.Should().HaveCount(1000);

        var zero = await client.FailsAsync(v, Operation.RNGRetrieve, new RngRetrieveRequest(0).ToNode());
        zero.ResultReason.Should().Be(ResultReason.InvalidField);
        zero.ResultMessage.Should().Be("Data Length must be at least 1, not 0");
        var huge = await client.FailsAsync(v, Operation.RNGRetrieve, new RngRetrieveRequest(int.MaxValue).ToNode());
        huge.ResultReason.Should().Be(ResultReason.ResponseTooLarge);

        // Query RNGs names the generator: a DRBG, HMAC with SHA-256.
        var query = await client.OneAsync(v, KmipBatchItems.Query([QueryFunction.QueryRNGs]));
        var rng = query.EnsureSuccess().RequiredPayload.Required(Tag.RNGParameters);
        rng.Required(Tag.RNGAlgorithm).AsEnumOf<RNGAlgorithm>().Should().Be(RNGAlgorithm.DRBG);
        rng.Required(Tag.DRBGAlgorithm).AsEnumOf<DRBGAlgorithm>().Should().Be(DRBGAlgorithm.HMAC);
        rng.Required(Tag.HashingAlgorithm).AsEnumOf<HashingAlgorithm>().Should().Be(HashingAlgorithm.SHA_256);
    }

    /// <summary>An entropy source that always gives the same bytes, so two generators on it agree until one is seeded.</summary>
    private sealed class FixedEntropy : Org.BouncyCastle.Crypto.IEntropySource
    {
        public bool IsPredictionResistant => false;
        public int EntropySize => 256;
        public byte[] GetEntropy() => Enumerable.Repeat((byte)7, 32).ToArray();
#if NET
        public int GetEntropy(Span<byte> output) { output[..32].Fill(7); return 32; }
#endif
    }

    [Fact]
    public void RngSeed_ChangesWhatTheGeneratorGives_TheSeedIsReallyUsed()
    {
        var seeded = new Cryptography.RandomGenerator(new FixedEntropy(), new byte[16]);
        var unseeded = new Cryptography.RandomGenerator(new FixedEntropy(), new byte[16]);
        seeded.Next(32).Should().Equal(unseeded.Next(32), "the same entropy and nonce give the same output");
        seeded.Seed(new byte[] { 1, 2, 3 }).Should().Be(3);
        unseeded.Seed(new byte[] { 1, 2, 4 });
        seeded.Next(32).Should().NotEqual(unseeded.Next(32), "the seeds differ, so the outputs do");
        seeded.Next(200_000).Should().HaveCount(200_000, "output longer than one DRBG request is drawn in parts");
    }

    [Theory]
    [InlineData(HashingAlgorithm.SHA_256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData(HashingAlgorithm.SHA_224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")]
    [InlineData(HashingAlgorithm.SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData(HashingAlgorithm.SHA_3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")]
    [InlineData(HashingAlgorithm.SHA_512_256, "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23")]
    [InlineData(HashingAlgorithm.RIPEMD_160, "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc")]
    public async Task Hash_Of_abc_IsTheKnownDigest(HashingAlgorithm algorithm, string digest)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var answer = await ops.HashAsync(new HashRequest(new CryptographicParameters(HashingAlgorithm: algorithm), Abc));
        Convert.ToHexStringLower(answer.Data!).Should().Be(digest);
        answer.CorrelationValue.Should().BeNull();
    }

    [Fact]
    public async Task Hash_ByParts_GivesTheDigestOfTheWhole_AndAnotherClientCannotContinueTheStream()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var sha256 = new CryptographicParameters(HashingAlgorithm: HashingAlgorithm.SHA_256);
        var first = await ops.HashAsync(new HashRequest(sha256, "ab"u8.ToArray(), new StreamPart(InitIndicator: true)));
        first.Data.Should().BeNull();
        var correlation = first.CorrelationValue!;

        using var otherCert = kms.Pki.Ca.IssueClient("Another Client");
        await using var other = await kms.ConnectAsync(otherCert);
        var foreign = await other.FailsAsync(V21, Operation.Hash, new HashRequest(sha256, "c"u8.ToArray(), new StreamPart(correlation, FinalIndicator: true)).ToNode());
        foreign.ResultReason.Should().Be(ResultReason.InvalidCorrelationValue);
        foreign.ResultMessage.Should().StartWith("no Hash of this client is in progress with Correlation Value ");
        var foreign14 = await other.FailsAsync(V14, Operation.Hash, new HashRequest(sha256, "c"u8.ToArray(), new StreamPart(correlation, FinalIndicator: true)).ToNode());
        foreign14.ResultReason.Should().Be(ResultReason.ItemNotFound, "KMIP 1.4 says Item Not Found for a stream that does not exist");

        var middle = await ops.HashAsync(new HashRequest(sha256, null, new StreamPart(correlation)));
        middle.CorrelationValue.Should().Equal(correlation);
        var last = await ops.HashAsync(new HashRequest(sha256, "c"u8.ToArray(), new StreamPart(correlation, FinalIndicator: true)));
        last.Data.Should().Equal(SHA256.HashData(Abc));
        var again = await client.FailsAsync(V21, Operation.Hash, new HashRequest(sha256, Abc, new StreamPart(correlation, FinalIndicator: true)).ToNode());
        again.ResultReason.Should().Be(ResultReason.InvalidCorrelationValue, "a finished stream is gone");
    }

    [Fact]
    public async Task Hash_WithoutAnAlgorithmOrData_IsInvalidField_AndAnUnknownAlgorithmIsRefused()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var noAlgorithm = await client.FailsAsync(V21, Operation.Hash, new HashRequest(new CryptographicParameters(), Abc).ToNode());
        noAlgorithm.ResultReason.Should().Be(ResultReason.InvalidField);
        noAlgorithm.ResultMessage.Should().Be("Hash needs a Hashing Algorithm in its Cryptographic Parameters");
        var noData = await client.FailsAsync(V21, Operation.Hash, new HashRequest(new CryptographicParameters(HashingAlgorithm: HashingAlgorithm.SHA_256), null).ToNode());
        noData.ResultMessage.Should().Be("a single-part Hash needs Data");
        var unknown = await client.FailsAsync(V21, Operation.Hash, KmipRequests.Payload(
            TtlvNode.Structure(Tag.CryptographicParameters, TtlvNode.Enumeration(Tag.HashingAlgorithm, 0x7Fu)), TtlvNode.Bytes(Tag.Data, Abc)));
        unknown.ResultReason.Should().Be(ResultReason.InvalidField);
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task Mac_IsTheHmacOfTheKey_AndMacVerifyTellsValidFromInvalid(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var key = await RegisterMacKeyAsync(client, v);
        var expected = HMACSHA256.HashData(HmacKey, Abc);

        var mac = await ops.MacAsync(new MacRequest(key, null, Abc));
        mac.UniqueIdentifier.Should().Be(key);
        mac.MacData.Should().Equal(expected);
        (await ops.MacVerifyAsync(new MacVerifyRequest(key, null, Abc, expected))).ValidityIndicator.Should().Be(ValidityIndicator.Valid);
        var tampered = (byte[])expected.Clone();
        tampered[0] ^= 1;
        (await ops.MacVerifyAsync(new MacVerifyRequest(key, null, Abc, tampered))).ValidityIndicator.Should().Be(ValidityIndicator.Invalid);

        // By parts: the same MAC.
        var open = await ops.MacAsync(new MacRequest(key, null, "a"u8.ToArray(), new StreamPart(InitIndicator: true)));
        var done = await ops.MacAsync(new MacRequest(key, null, "bc"u8.ToArray(), new StreamPart(open.CorrelationValue, FinalIndicator: true)));
        done.MacData.Should().Equal(expected);
        // A stream of this key does not continue with another key.
        var other = await RegisterMacKeyAsync(client, v);
        var verify = await ops.MacVerifyAsync(new MacVerifyRequest(key, null, "a"u8.ToArray(), null, new StreamPart(InitIndicator: true)));
        var crossed = await client.FailsAsync(v, Operation.MACVerify, new MacVerifyRequest(other, null, "bc"u8.ToArray(), expected, new StreamPart(verify.CorrelationValue, FinalIndicator: true)).ToNode());
        crossed.ResultReason.Should().Be(v.IsV2 ? ResultReason.InvalidCorrelationValue : ResultReason.InvalidField);
        crossed.ResultMessage.Should().Contain($"belongs to a MACVerify with key '{key}'");
        var finished = await ops.MacVerifyAsync(new MacVerifyRequest(key, null, "bc"u8.ToArray(), expected, new StreamPart(verify.CorrelationValue, FinalIndicator: true)));
        finished.ValidityIndicator.Should().Be(ValidityIndicator.Valid);
    }

    [Fact]
    public async Task Mac_WithAes_IsCmac_AsNistSp800_38B()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        // NIST SP 800-38B, D.1 Example 2: AES-128, a 16-byte message.
        var key = await RegisterMacKeyAsync(client, V21, CryptographicAlgorithm.AES, material: Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c"));
        var mac = await ops.MacAsync(new MacRequest(key, new CryptographicParameters(BlockCipherMode: BlockCipherMode.CMAC), Convert.FromHexString("6bc1bee22e409f96e93d7e117393172a")));
        Convert.ToHexStringLower(mac.MacData!).Should().Be("070a16b46b4d4144f79bdd9dd04a287c");
    }

    [Theory]
    [InlineData("1.4", ResultReason.PermissionDenied, ResultReason.PermissionDenied)]
    [InlineData("2.1", ResultReason.IncompatibleCryptographicUsageMask, ResultReason.WrongKeyLifecycleState)]
    public async Task Mac_RefusesAKeyWithoutMacGenerate_ANotActiveKey_AnUnusableAlgorithm_AndAnotherClientsKey(string version, ResultReason noUsage, ResultReason notActive)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();

        var verifyOnly = await RegisterMacKeyAsync(client, v, usage: CryptographicUsageMask.MACVerify);
        var usage = await client.FailsAsync(v, Operation.MAC, new MacRequest(verifyOnly, null, Abc).ToNode());
        usage.ResultReason.Should().Be(noUsage);
        usage.ResultMessage.Should().Be($"the Cryptographic Usage Mask of '{verifyOnly}' does not allow MACGenerate");

        var preActive = await RegisterMacKeyAsync(client, v, activate: false);
        var state = await client.FailsAsync(v, Operation.MAC, new MacRequest(preActive, null, Abc).ToNode());
        state.ResultReason.Should().Be(notActive);
        state.ResultMessage.Should().Be($"'{preActive}' is PreActive: a key must be Active to protect data");

        var des3 = await RegisterMacKeyAsync(client, v, CryptographicAlgorithm.DES3, material: new byte[24]);
        var algorithm = await client.FailsAsync(v, Operation.MAC, new MacRequest(des3, null, Abc).ToNode());
        algorithm.ResultReason.Should().Be(ResultReason.FeatureNotSupported);
        algorithm.ResultMessage.Should().Be("MAC with DES3 is not supported by this server");

        var key = await RegisterMacKeyAsync(client, v);
        using var otherCert = kms.Pki.Ca.IssueClient("Another Client");
        await using var other = await kms.ConnectAsync(otherCert);
        (await other.FailsAsync(v, Operation.MAC, new MacRequest(key, null, Abc).ToNode())).ResultReason.Should().Be(v.IsV2 ? ResultReason.ObjectNotFound : ResultReason.ItemNotFound);

        var noMac = await client.FailsAsync(v, Operation.MACVerify, new MacVerifyRequest(key, null, Abc, null).ToNode());
        noMac.ResultReason.Should().Be(ResultReason.InvalidField);
        noMac.ResultMessage.Should().Be("MAC Verify needs the MAC Data to check (in the single or the final part)");
    }

    private static readonly byte[] Aes256Key = Convert.FromHexString("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");

    private static Task<string> RegisterCipherKeyAsync(KmipClient client, ProtocolVersion v, CryptographicAlgorithm algorithm = CryptographicAlgorithm.AES,
        byte[]? material = null, CryptographicUsageMask usage = CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt) =>
        RegisterMacKeyAsync(client, v, algorithm, usage, material: material ?? Aes256Key);

    [Theory]
    [InlineData(BlockCipherMode.NISTKeyWrap, "000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")] // RFC 3394 §4.1
    [InlineData(BlockCipherMode.AESKeyWrapPadding, "5840DF6E29B02AF1AB493B705BF16EA1AE8338F4DCC176A8", "466F7250617369", "AFBEB0F07DFBF5419200F2CCB50BB24F")] // RFC 5649 §6
    public async Task EncryptAndDecrypt_KeyWrapModes_GiveTheRfcsKnownAnswers_AndADamagedWrapIsRefused(BlockCipherMode mode, string kek, string key, string wrapped)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var id = await RegisterCipherKeyAsync(client, V21, material: Convert.FromHexString(kek));
        var parameters = new CryptographicParameters(BlockCipherMode: mode);

        var encrypted = await ops.EncryptAsync(new EncryptRequest(id, parameters, Convert.FromHexString(key)));
        Convert.ToHexString(encrypted.Data!).Should().Be(wrapped);
        encrypted.IvCounterNonce.Should().BeNull("a key wrap mode has no IV");
        (await ops.DecryptAsync(new DecryptRequest(id, parameters, encrypted.Data))).Data.Should().Equal(Convert.FromHexString(key));

        var damaged = encrypted.Data!.ToArray();
        damaged[^1] ^= 1;
        var refused = await client.FailsAsync(V21, Operation.Decrypt, new DecryptRequest(id, parameters, damaged).ToNode());
        refused.ResultReason.Should().Be(ResultReason.CryptographicFailure);
        refused.ResultMessage.Should().Contain("integrity check failed");
    }

    [Fact]
    public async Task EncryptAndDecrypt_AesCcm_MatchDotNet()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var id = await RegisterCipherKeyAsync(client, V21);
        var ccm = new CryptographicParameters(BlockCipherMode: BlockCipherMode.CCM, IVLength: 13 * 8, TagLength: 8);
        var nonce = Enumerable.Range(1, 13).Select(i => (byte)i).ToArray();
        var data = "counter with CBC-MAC"u8.ToArray();
        var aad = "header"u8.ToArray();

        var encrypted = await ops.EncryptAsync(new EncryptRequest(id, ccm, data, nonce, AuthenticatedEncryptionAdditionalData: aad));

        using var dotnet = new AesCcm(Aes256Key);
        var expected = new byte[data.Length];
        var tag = new byte[8];
        dotnet.Encrypt(nonce, data, expected, tag, aad);
        encrypted.Data.Should().Equal(expected);
        encrypted.AuthenticatedEncryptionTag.Should().Equal(tag);
        (await ops.DecryptAsync(new DecryptRequest(id, ccm, expected, nonce, AuthenticatedEncryptionAdditionalData: aad, AuthenticatedEncryptionTag: tag))).Data.Should().Equal(data);
        var oddTag = await client.FailsAsync(V21, Operation.Encrypt, new EncryptRequest(id, ccm with { TagLength = 7 }, data, nonce).ToNode());
        oddTag.ResultMessage.Should().Be("CCM's Tag Length is 4, 6, ... 16 bytes, not 7");
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task UsageLimits_CountDownWhatEncryptAndMacProtect_AndAUseBeyondThemIsDenied(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        KmipAttribute Limits(long total, UsageLimitsUnit unit) => KmipAttribute.Standard(Tag.UsageLimits, TtlvNode.Structure(Tag.UsageLimits,
            TtlvNode.LongInteger(Tag.UsageLimitsTotal, total), TtlvNode.Enumeration(Tag.UsageLimitsUnit, unit)));
        var aes = (await client.OneAsync(v, KmipBatchItems.RegisterSymmetricKey(v, CryptographicAlgorithm.AES, Aes256Key,
            [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Encrypt), Limits(40, UsageLimitsUnit.Byte)]))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        await ops.ActivateAsync(aes);
        var ecb = new CryptographicParameters(BlockCipherMode: BlockCipherMode.ECB);

        await ops.EncryptAsync(new EncryptRequest(aes, ecb, new byte[16]));
        await ops.EncryptAsync(new EncryptRequest(aes, ecb, new byte[16]));
        var denied = await client.FailsAsync(v, Operation.Encrypt, new EncryptRequest(aes, ecb, new byte[16]).ToNode());
        denied.ResultReason.Should().Be(ResultReason.PermissionDenied);
        denied.ResultMessage.Should().Be($"DENIED: the Usage Limits of '{aes}' allow 8 more bytes of 40; this use needs 16");
        var limits = (await ops.GetAttributesAsync(aes, ["Usage Limits"])).Single().Value;
        limits.Required(Tag.UsageLimitsCount).Number.Should().Be(8, "the refused Encrypt counted nothing");

        var hmac = (await client.OneAsync(v, KmipBatchItems.RegisterSymmetricKey(v, CryptographicAlgorithm.HMAC_SHA256, HmacKey,
            [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.MACGenerate), Limits(1, UsageLimitsUnit.Object)]))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        await ops.ActivateAsync(hmac);
        await ops.MacAsync(new MacRequest(hmac, null, new byte[1000]));
        (await client.FailsAsync(v, Operation.MAC, new MacRequest(hmac, null, Abc).ToNode())).ResultReason.Should().Be(ResultReason.PermissionDenied, "one object, and it was used");
    }

    /// <summary>Ciphers .NET lacks, on BouncyCastle, checked against their standards' known answers (one block in ECB).</summary>
    [Theory]
    [InlineData(CryptographicAlgorithm.Camellia, "0123456789abcdeffedcba9876543210", "0123456789abcdeffedcba9876543210", "67673138549669730857065648eabe43")] // RFC 3713 App. A
    [InlineData(CryptographicAlgorithm.ARIA, "000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff", "d718fbd6ab644c739da95f3be6451778")] // RFC 5794 App. A.1
    [InlineData(CryptographicAlgorithm.SM4, "0123456789abcdeffedcba9876543210", "0123456789abcdeffedcba9876543210", "681edf34d206965e86b3e94f536e4246")] // GB/T 32907 A.1
    [InlineData(CryptographicAlgorithm.RC5, "00000000000000000000000000000000", "0000000000000000", "21a5dbee154b8f6d")] // Rivest, RC5-32/12/16 test 1
    public async Task EncryptAndDecrypt_CiphersDotNetLacks_GiveTheirStandardsKnownAnswers(CryptographicAlgorithm algorithm, string key, string plaintext, string ciphertext)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var id = await RegisterCipherKeyAsync(client, V21, algorithm, Convert.FromHexString(key));
        var ecb = new CryptographicParameters(BlockCipherMode: BlockCipherMode.ECB);

        var encrypted = await ops.EncryptAsync(new EncryptRequest(id, ecb, Convert.FromHexString(plaintext)));

        Convert.ToHexString(encrypted.Data!).Should().BeEquivalentTo(ciphertext);
        (await ops.DecryptAsync(new DecryptRequest(id, ecb, encrypted.Data))).Data.Should().Equal(Convert.FromHexString(plaintext));
        // And CBC with PKCS5 padding round-trips under an IV the server makes (one block: the known answer's length).
        var cbc = new CryptographicParameters(BlockCipherMode: BlockCipherMode.CBC, PaddingMethod: PaddingMethod.PKCS5);
        var sealedData = await ops.EncryptAsync(new EncryptRequest(id, cbc, "twenty-one bytes long"u8.ToArray()));
        sealedData.IvCounterNonce.Should().HaveCount(plaintext.Length / 2);
        (await ops.DecryptAsync(new DecryptRequest(id, cbc, sealedData.Data, sealedData.IvCounterNonce))).Data.Should().Equal("twenty-one bytes long"u8.ToArray());
    }

    /// <summary>
    /// XTS-AES against IEEE 1619's vectors 4 (first and last blocks of 512 bytes) and 15 (17 bytes: ciphertext
    /// stealing), and a 512-bit key over 45 bytes (the answer from OpenSSL through Python's cryptography); one part and
    /// by parts give the same.
    /// </summary>
    [Theory]
    [InlineData("2718281828459045235360287471352631415926535897932384626433832795", "00000000000000000000000000000000", 512,
        "27a7479befa1d476489f308cd4cfa6e2a96e4bbe3208ff25287dd3819616e89c", "0a282df920147beabe421ee5319d0568")]
    [InlineData("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0", "9a785634120000000000000000000000", 17,
        "6c1625db4671522d3d7599601de7ca09ed", "")]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
        "0f0e0d0c0b0a09080706050403020100", 45, "e68229a7c602143d1bdc61fb26fda75dac93cd262933b887ff2fa456caca5194470b67422f9e6174ebb9047a29", "")]
    public async Task EncryptAndDecrypt_AesXts_GiveIeee1619sKnownAnswers_InOnePartAndByParts(string key, string tweak, int length, string head, string tail)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var id = await RegisterCipherKeyAsync(client, V21, material: Convert.FromHexString(key));
        var xts = new CryptographicParameters(BlockCipherMode: BlockCipherMode.XTS);
        var iv = Convert.FromHexString(tweak);
        // IEEE 1619's plaintexts count up from 0 (vectors 4 and 15); the third counts up from 100.
        var plain = Enumerable.Range(length == 45 ? 100 : 0, length).Select(i => (byte)i).ToArray();

        var encrypted = (await ops.EncryptAsync(new EncryptRequest(id, xts, plain, iv))).Data!;

        Convert.ToHexString(encrypted[..(head.Length / 2)]).Should().BeEquivalentTo(head);
        Convert.ToHexString(encrypted[^(tail.Length / 2)..]).Should().BeEquivalentTo(tail);
        (await ops.DecryptAsync(new DecryptRequest(id, xts, encrypted, iv))).Data.Should().Equal(plain);
        foreach (var (encrypt, input, output) in new[] { (true, plain, encrypted), (false, encrypted, plain) })
        {
            // Parts of 5 bytes, then the middle, then the last 7: none on a block boundary.
            var parts = new List<byte>();
            byte[]? correlation = null;
            foreach (var (from, to) in new[] { (0, 5), (5, length - 7), (length - 7, length) })
            {
                var stream = new StreamPart(correlation, InitIndicator: from == 0 ? true : null, FinalIndicator: to == length ? true : null);
                var (data, next) = encrypt
                    ? await ops.EncryptAsync(new EncryptRequest(id, xts, plain[from..to], from == 0 ? iv : null, stream)) is var e ? (e.Data, e.CorrelationValue) : default
                    : await ops.DecryptAsync(new DecryptRequest(id, xts, encrypted[from..to], from == 0 ? iv : null, stream)) is var d ? (d.Data, d.CorrelationValue) : default;
                parts.AddRange(data ?? []);
                correlation ??= next;
            }
            parts.Should().Equal(output, encrypt ? "encrypting by parts" : "decrypting by parts");
        }
    }

    [Fact]
    public async Task EncryptAndDecrypt_AesCfbMatchesDotNet_AndOfbStartsAsCfbAndRoundTrips()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var id = await RegisterCipherKeyAsync(client, V21);
        var iv = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
        var plain = "thirty-three bytes, not in blocks"u8.ToArray();
        using var aes = Aes.Create();
        aes.Key = Aes256Key;
        var cfb = new CryptographicParameters(BlockCipherMode: BlockCipherMode.CFB);
        var ofb = new CryptographicParameters(BlockCipherMode: BlockCipherMode.OFB);

        var byCfb = (await ops.EncryptAsync(new EncryptRequest(id, cfb, plain, iv))).Data!;
        var byOfb = (await ops.EncryptAsync(new EncryptRequest(id, ofb, plain, iv))).Data!;

        // .NET's CFB-128 takes whole blocks: the server's first two are its; the server also takes the last byte.
        byCfb[..32].Should().Equal(aes.EncryptCfb(plain[..32], iv, PaddingMode.None, feedbackSizeInBits: 128));
        byCfb.Should().HaveCount(plain.Length);
        byOfb[..16].Should().Equal(byCfb[..16], "both modes start with E(IV) XOR the first block");
        byOfb.Should().HaveCount(plain.Length);
        byOfb[16..].Should().NotEqual(byCfb[16..], "then OFB chains the keystream, CFB the ciphertext");
        (await ops.DecryptAsync(new DecryptRequest(id, cfb, byCfb, iv))).Data.Should().Equal(plain);
        (await ops.DecryptAsync(new DecryptRequest(id, ofb, byOfb, iv))).Data.Should().Equal(plain);
    }

    [Fact]
    public async Task EncryptAesXts_ShorterThanABlock_ASingleAesKey_OrAnIvThatIsNotATweak_IsRefusedSayingWhy()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var xts = new CryptographicParameters(BlockCipherMode: BlockCipherMode.XTS);
        var id = await RegisterCipherKeyAsync(client, V21);
        var tweak = new byte[16];

        var shortData = await client.FailsAsync(V21, Operation.Encrypt, new EncryptRequest(id, xts, new byte[15], tweak).ToNode());
        shortData.ResultReason.Should().Be(ResultReason.CryptographicFailure);
        shortData.ResultMessage.Should().Be("XTS works on data units of 16 bytes or more, not 15");
        var notATweak = await client.FailsAsync(V21, Operation.Encrypt, new EncryptRequest(id, xts, new byte[32], new byte[12]).ToNode());
        notATweak.ResultReason.Should().Be(ResultReason.InvalidField);
        notATweak.ResultMessage.Should().Be("XTS's IV is the 16-byte tweak, not 12 bytes");
        var single = await RegisterCipherKeyAsync(client, V21, material: new byte[24]);
        var oneKey = await client.FailsAsync(V21, Operation.Encrypt, new EncryptRequest(single, xts, new byte[32], tweak).ToNode());
        oneKey.ResultReason.Should().Be(ResultReason.CryptographicFailure);
        oneKey.ResultMessage.Should().Be("an XTS-AES key is two AES keys: 256 or 512 bits, not 192");
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task EncryptAndDecrypt_AesCbcPkcs5_MatchDotNet_WithAnIvTheServerMakes_AndByParts(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var key = await RegisterCipherKeyAsync(client, v);
        var cbc = new CryptographicParameters(BlockCipherMode: BlockCipherMode.CBC, PaddingMethod: PaddingMethod.PKCS5);
        var plain = Encoding.ASCII.GetBytes("forty-one bytes of plaintext, not aligned");

        var encrypted = await ops.EncryptAsync(new EncryptRequest(key, cbc, plain));
        encrypted.IvCounterNonce.Should().HaveCount(16, "CBC needs an IV and the request gave none: the server makes one and says which");
        using var aes = Aes.Create();
        aes.Key = Aes256Key;
        encrypted.Data.Should().Equal(aes.EncryptCbc(plain, encrypted.IvCounterNonce!, PaddingMode.PKCS7));
        (await ops.DecryptAsync(new DecryptRequest(key, cbc, encrypted.Data, encrypted.IvCounterNonce))).Data.Should().Equal(plain);

        // By parts, with the IV given: the same ciphertext as one part.
        var iv = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
        var first = await ops.EncryptAsync(new EncryptRequest(key, cbc, plain[..20], iv, new StreamPart(InitIndicator: true)));
        first.IvCounterNonce.Should().BeNull("the IV was given");
        var last = await ops.EncryptAsync(new EncryptRequest(key, cbc, plain[20..], null, new StreamPart(first.CorrelationValue, FinalIndicator: true)));
        first.Data!.Concat(last.Data!).Should().Equal(aes.EncryptCbc(plain, iv, PaddingMode.PKCS7));

        var noIv = await client.FailsAsync(v, Operation.Decrypt, new DecryptRequest(key, cbc, encrypted.Data).ToNode());
        noIv.ResultReason.Should().Be(ResultReason.InvalidMessage, "as the OASIS CS-BC vectors expect");
        noIv.ResultMessage.Should().Be("decrypting with AES in mode CBC needs the IV/Counter/Nonce it was encrypted with");
        var cut = await client.FailsAsync(v, Operation.Decrypt, new DecryptRequest(key, cbc, encrypted.Data![..^1], encrypted.IvCounterNonce).ToNode());
        cut.ResultReason.Should().Be(ResultReason.CryptographicFailure, "a ciphertext one byte short is not whole blocks");
    }

    [Fact]
    public async Task EncryptAndDecrypt_AesGcm_MatchDotNet_AndAWrongTagIsACryptographicFailure()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var key = await RegisterCipherKeyAsync(client, V21);
        var gcm = new CryptographicParameters(BlockCipherMode: BlockCipherMode.GCM, TagLength: 16);
        var iv = Convert.FromHexString("cafebabefacedbaddecaf888");
        var aad = Encoding.ASCII.GetBytes("header");
        var plain = Encoding.ASCII.GetBytes("authenticated and encrypted");

        var encrypted = await ops.EncryptAsync(new EncryptRequest(key, gcm, plain, iv, AuthenticatedEncryptionAdditionalData: aad));
        using var dotnet = new AesGcm(Aes256Key, 16);
        var expected = new byte[plain.Length];
        var expectedTag = new byte[16];
        dotnet.Encrypt(iv, plain, expected, expectedTag, aad);
        encrypted.Data.Should().Equal(expected);
        encrypted.AuthenticatedEncryptionTag.Should().Equal(expectedTag);
        (await ops.DecryptAsync(new DecryptRequest(key, gcm, expected, iv, null, aad, expectedTag))).Data.Should().Equal(plain);

        var badTag = (byte[])expectedTag.Clone();
        badTag[^1] ^= 1;
        var refused = await client.FailsAsync(V21, Operation.Decrypt, new DecryptRequest(key, gcm, expected, iv, null, aad, badTag).ToNode());
        refused.ResultReason.Should().Be(ResultReason.CryptographicFailure);
        refused.ResultMessage.Should().StartWith("the Authenticated Encryption Tag does not match");
        var badLength = await client.FailsAsync(V21, Operation.Encrypt, new EncryptRequest(key, gcm with { TagLength = 32 }, plain, iv).ToNode());
        badLength.ResultReason.Should().Be(ResultReason.GeneralFailure, "as the OASIS CS-BC-M-GCM-1 vectors expect");
        badLength.ResultMessage.Should().Be("GCM's Tag Length is 4 to 16 bytes, not 32");
    }

    [Fact]
    public async Task EncryptAndDecrypt_3DesCbc_AndChaCha20Poly1305_MatchDotNet()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var plain = Encoding.ASCII.GetBytes("sixteen bytes!!!");

        var desKey = Convert.FromHexString("0123456789abcdef23456789abcdef01456789abcdef0123");
        var des = await RegisterCipherKeyAsync(client, V21, CryptographicAlgorithm.DES3, desKey);
        var iv8 = Convert.FromHexString("0001020304050607");
        var desCbc = new CryptographicParameters(BlockCipherMode: BlockCipherMode.CBC, PaddingMethod: PaddingMethod.PKCS5);
        using var tdes = TripleDES.Create();
        tdes.Key = desKey;
        (await ops.EncryptAsync(new EncryptRequest(des, desCbc, plain, iv8))).Data.Should().Equal(tdes.EncryptCbc(plain, iv8, PaddingMode.PKCS7));

        if (!ChaCha20Poly1305.IsSupported) return;
        var chachaKey = Aes256Key;
        var chacha = await RegisterCipherKeyAsync(client, V21, CryptographicAlgorithm.ChaCha20Poly1305, chachaKey);
        var nonce = Convert.FromHexString("070000004041424344454647");
        var sealedBox = await ops.EncryptAsync(new EncryptRequest(chacha, null, plain, nonce));
        using var dotnet = new ChaCha20Poly1305(chachaKey);
        var expected = new byte[plain.Length];
        var tag = new byte[16];
        dotnet.Encrypt(nonce, plain, expected, tag);
        sealedBox.Data.Should().Equal(expected);
        sealedBox.AuthenticatedEncryptionTag.Should().Equal(tag);

        // A tag cut to 12 bytes (Tag Length 12), as the OASIS vectors use: made and checked on its first 12 bytes.
        var aead12 = new CryptographicParameters(BlockCipherMode: BlockCipherMode.AEAD, TagLength: 12);
        (await ops.EncryptAsync(new EncryptRequest(chacha, aead12, plain, nonce))).AuthenticatedEncryptionTag.Should().Equal(tag[..12]);
        (await ops.DecryptAsync(new DecryptRequest(chacha, aead12, expected, nonce, null, null, tag[..12]))).Data.Should().Equal(plain);
        var bad = tag[..12];
        bad[0] ^= 1;
        var refused = await client.FailsAsync(V21, Operation.Decrypt, new DecryptRequest(chacha, aead12, expected, nonce, null, null, bad).ToNode());
        refused.ResultReason.Should().Be(ResultReason.CryptographicFailure);
    }

    [Theory]
    [InlineData("1.4", ResultReason.PermissionDenied)]
    [InlineData("2.1", ResultReason.IncompatibleCryptographicUsageMask)]
    public async Task Encrypt_RefusesAKeyWithoutEncrypt_AModeItHasNot_NoMode_AndUnalignedDataWithoutPadding(string version, ResultReason noUsage)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var decryptOnly = await RegisterCipherKeyAsync(client, v, usage: CryptographicUsageMask.Decrypt);
        var ecb = new CryptographicParameters(BlockCipherMode: BlockCipherMode.ECB);
        var usage = await client.FailsAsync(v, Operation.Encrypt, new EncryptRequest(decryptOnly, ecb, new byte[16]).ToNode());
        usage.ResultReason.Should().Be(noUsage);
        usage.ResultMessage.Should().Be($"the Cryptographic Usage Mask of '{decryptOnly}' does not allow Encrypt");

        var key = await RegisterCipherKeyAsync(client, v);
        var xts = await client.FailsAsync(v, Operation.Encrypt, new EncryptRequest(key, new CryptographicParameters(BlockCipherMode: BlockCipherMode.X9_102AESKW), new byte[32]).ToNode());
        xts.ResultReason.Should().Be(ResultReason.FeatureNotSupported);
        xts.ResultMessage.Should().Be("AES in mode X9_102AESKW is not supported by this server");
        var noMode = await client.FailsAsync(v, Operation.Encrypt, new EncryptRequest(key, null, new byte[16]).ToNode());
        noMode.ResultReason.Should().Be(ResultReason.InvalidField);
        noMode.ResultMessage.Should().StartWith("no Block Cipher Mode for AES");
        var unaligned = await client.FailsAsync(v, Operation.Encrypt, new EncryptRequest(key, ecb, new byte[15]).ToNode());
        unaligned.ResultReason.Should().Be(ResultReason.CryptographicFailure);
        unaligned.ResultMessage.Should().Contain("a block mode without padding needs whole blocks");
    }
}
