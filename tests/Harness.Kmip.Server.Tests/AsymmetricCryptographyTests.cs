using System.Security.Cryptography;
using Harness.Kmip.Client;
using Harness.Kmip.Payloads;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Create Key Pair, Sign, Signature Verify and RSA Encrypt/Decrypt over mutual TLS, through the client's typed payloads:
/// the keys the server makes are read back with .NET, its signatures and ciphertexts are checked by .NET, .NET's are
/// checked by the server, and each refusal has its Result Reason and message.
/// </summary>
public class AsymmetricCryptographyTests
{
    private static readonly byte[] Message = "the data a key pair signs"u8.ToArray();

    private static async Task<(KmipOperations Ops, string Private, string Public)> PairAsync(KmipClient client, ProtocolVersion v,
        CryptographicAlgorithm algorithm, int length, RecommendedCurve? curve = null,
        CryptographicUsageMask privateUsage = CryptographicUsageMask.Sign | CryptographicUsageMask.Decrypt,
        CryptographicUsageMask publicUsage = CryptographicUsageMask.Verify | CryptographicUsageMask.Encrypt, bool activate = true)
    {
        var ops = new KmipOperations(client, v);
        List<KmipAttribute> common = [KmipAttribute.CryptographicAlgorithm(algorithm), KmipAttribute.CryptographicLength(length)];
        if (curve is { } c) common.Add(KmipAttribute.RecommendedCurve(c));
        var pair = await ops.CreateKeyPairAsync(common, [KmipAttribute.CryptographicUsageMask(privateUsage)], [KmipAttribute.CryptographicUsageMask(publicUsage)]);
        if (activate)
            foreach (var id in new[] { pair.PrivateKeyUniqueIdentifier, pair.PublicKeyUniqueIdentifier })
                (await client.OneAsync(v, KmipBatchItems.Activate(id))).EnsureSuccess();
        return (ops, pair.PrivateKeyUniqueIdentifier, pair.PublicKeyUniqueIdentifier);
    }

    private static async Task<byte[]> MaterialAsync(KmipOperations ops, string id, KeyFormatType expected)
    {
        var key = await ops.GetAsync(id);
        var block = key.KeyBlock!;
        block.Required(Tag.KeyFormatType).AsEnumOf<KeyFormatType>().Should().Be(expected);
        return block.Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes;
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task CreateKeyPair_Rsa_MakesLinkedPkcs1KeysOfTheLength_ThatDotNetReads(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, v, CryptographicAlgorithm.RSA, 2048, activate: false);

        using var rsaPrivate = RSA.Create();
        rsaPrivate.ImportRSAPrivateKey(await MaterialAsync(ops, priv, KeyFormatType.PKCS_1), out _);
        using var rsaPublic = RSA.Create();
        rsaPublic.ImportRSAPublicKey(await MaterialAsync(ops, pub, KeyFormatType.PKCS_1), out _);
        rsaPrivate.KeySize.Should().Be(2048);
        rsaPublic.ExportParameters(false).Modulus.Should().Equal(rsaPrivate.ExportParameters(false).Modulus, "the two keys are one pair");

        var privateAttributes = await ops.GetAttributesAsync(priv);
        Value(privateAttributes, "Object Type").AsEnumOf<ObjectType>().Should().Be(ObjectType.PrivateKey);
        Value(privateAttributes, "State").AsEnumOf<State>().Should().Be(State.PreActive);
        Value(privateAttributes, "Cryptographic Usage Mask").AsInt32.Should().Be((int)(CryptographicUsageMask.Sign | CryptographicUsageMask.Decrypt));
        Value(privateAttributes, "Link").Required(Tag.LinkType).AsEnumOf<LinkType>().Should().Be(LinkType.PublicKeyLink);
        Value(privateAttributes, "Link").Required(Tag.LinkedObjectIdentifier).AsText.Should().Be(pub);
        var publicAttributes = await ops.GetAttributesAsync(pub);
        Value(publicAttributes, "Link").Required(Tag.LinkType).AsEnumOf<LinkType>().Should().Be(LinkType.PrivateKeyLink);
        Value(publicAttributes, "Link").Required(Tag.LinkedObjectIdentifier).AsText.Should().Be(priv);
        Value(publicAttributes, "Cryptographic Length").AsInt32.Should().Be(2048);
    }

    private static TtlvNode Value(IReadOnlyList<KmipAttribute> attributes, string name) =>
        attributes.First(a => a.Name == name).Value;

    [Theory]
    [InlineData(RecommendedCurve.P_256, 256, "1.2.840.10045.3.1.7")]
    [InlineData(RecommendedCurve.P_384, 384, "1.3.132.0.34")]
    [InlineData(RecommendedCurve.P_521, 521, "1.3.132.0.35")]
    public async Task CreateKeyPair_Ec_MakesPkcs8AndSubjectPublicKeyInfoOnTheCurve(RecommendedCurve curve, int bits, string oid)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.EC, bits, curve);
        using var ecPrivate = ECDsa.Create();
        ecPrivate.ImportPkcs8PrivateKey(await MaterialAsync(ops, priv, KeyFormatType.PKCS_8), out _);
        using var ecPublic = ECDsa.Create();
        ecPublic.ImportSubjectPublicKeyInfo(await MaterialAsync(ops, pub, KeyFormatType.X_509), out _);
        ecPrivate.ExportParameters(false).Curve.Oid.Value.Should().Be(oid);
        ecPublic.ExportParameters(false).Q.X.Should().Equal(ecPrivate.ExportParameters(false).Q.X);
    }

    [Fact]
    public async Task CreateKeyPair_EcWithALengthAndNoCurve_TakesTheNistPrimeCurveOfThatLength()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V14);
        var pair = await ops.CreateKeyPairAsync([KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.ECDSA), KmipAttribute.CryptographicLength(384)]);
        using var ec = ECDsa.Create();
        ec.ImportSubjectPublicKeyInfo(await MaterialAsync(ops, pair.PublicKeyUniqueIdentifier, KeyFormatType.X_509), out _);
        ec.KeySize.Should().Be(384);
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task Ecdsa_TheServersSignatureVerifiesInDotNet_AndDotNetsVerifiesOnTheServer(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, v, CryptographicAlgorithm.EC, 256, RecommendedCurve.P_256);
        var ecdsa = new CryptographicParameters(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.ECDSAWithSHA256);

        var signature = (await ops.SignAsync(new SignRequest(priv, ecdsa, Message))).SignatureData!;
        using var dotnet = ECDsa.Create();
        dotnet.ImportSubjectPublicKeyInfo(await MaterialAsync(ops, pub, KeyFormatType.X_509), out _);
        dotnet.VerifyData(Message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence).Should().BeTrue();

        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, ecdsa, Message, signature))).ValidityIndicator.Should().Be(ValidityIndicator.Valid);
        var other = "other data"u8.ToArray();
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, ecdsa, other, signature))).ValidityIndicator.Should().Be(ValidityIndicator.Invalid);
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, ecdsa, Message, [1, 2, 3]))).ValidityIndicator
            .Should().Be(ValidityIndicator.Invalid, "a signature that is not even DER is not valid, and not an error");

        // Digested Data: the client hashes, the server signs the digest.
        var digest = SHA256.HashData(Message);
        var ofDigest = (await ops.SignAsync(new SignRequest(priv, ecdsa, null, digest))).SignatureData!;
        dotnet.VerifyHash(digest, ofDigest, DSASignatureFormat.Rfc3279DerSequence).Should().BeTrue();
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, ecdsa, null, ofDigest, digest))).ValidityIndicator.Should().Be(ValidityIndicator.Valid);
    }

    [Fact]
    public async Task RsaSignatures_Pkcs1AndPss_AgreeWithDotNet_AndPssWithoutASaltLengthReadsItFromTheSignature()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.RSA, 2048);
        using var dotnet = RSA.Create();
        dotnet.ImportRSAPrivateKey(await MaterialAsync(ops, priv, KeyFormatType.PKCS_1), out _);

        var pkcs1 = new CryptographicParameters(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.SHA_256WithRSAEncryption);
        var signed = (await ops.SignAsync(new SignRequest(priv, pkcs1, Message))).SignatureData!;
        signed.Should().Equal(dotnet.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), "PKCS#1 v1.5 signatures are deterministic");

        // .NET's PSS uses a salt as long as the hash; the server, asked for that salt, makes signatures .NET accepts.
        var pss = new CryptographicParameters(CryptographicAlgorithm.RSA, HashingAlgorithm.SHA_256, PaddingMethod: PaddingMethod.PSS);
        var pssSigned = (await ops.SignAsync(new SignRequest(priv, pss with { SaltLength = 32 }, Message))).SignatureData!;
        dotnet.VerifyData(Message, pssSigned, HashAlgorithmName.SHA256, RSASignaturePadding.Pss).Should().BeTrue();
        // Without a Salt Length the server signs with the longest salt (as PyKMIP does) and verifies any.
        var longest = (await ops.SignAsync(new SignRequest(priv, pss, Message))).SignatureData!;
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, pss, Message, longest))).ValidityIndicator.Should().Be(ValidityIndicator.Valid);
        var byDotNet = dotnet.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, pss, Message, byDotNet))).ValidityIndicator.Should().Be(ValidityIndicator.Valid);
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, pss with { HashingAlgorithm = HashingAlgorithm.SHA_1 }, Message, byDotNet)))
            .ValidityIndicator.Should().Be(ValidityIndicator.Invalid);
    }

    [Fact]
    public async Task Sign_ByParts_SignsTheWhole_AndItsCorrelationValueIsNotASignatureVerifys()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.RSA, 2048);
        var pkcs1 = new CryptographicParameters(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.SHA_256WithRSAEncryption);
        var first = await ops.SignAsync(new SignRequest(priv, pkcs1, Message[..5], Stream: new StreamPart(InitIndicator: true)));
        first.SignatureData.Should().BeNull();

        var crossed = await client.FailsAsync(V21, Operation.SignatureVerify,
            new SignatureVerifyRequest(pub, pkcs1, Message[5..], [1], Stream: new StreamPart(first.CorrelationValue, FinalIndicator: true)).ToNode());
        crossed.ResultReason.Should().Be(ResultReason.InvalidCorrelationValue);
        crossed.ResultMessage.Should().Contain("belongs to a Sign");

        var last = await ops.SignAsync(new SignRequest(priv, pkcs1, Message[5..], Stream: new StreamPart(first.CorrelationValue, FinalIndicator: true)));
        var whole = await ops.SignAsync(new SignRequest(priv, pkcs1, Message));
        last.SignatureData.Should().Equal(whole.SignatureData);
    }

    [Theory]
    [InlineData(PaddingMethod.OAEP)]
    [InlineData(PaddingMethod.PKCS1V1_5)]
    public async Task RsaEncryption_TheServersCiphertextDecryptsInDotNet_AndDotNetsOnTheServer(PaddingMethod padding)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.RSA, 2048);
        using var dotnet = RSA.Create();
        dotnet.ImportRSAPrivateKey(await MaterialAsync(ops, priv, KeyFormatType.PKCS_1), out _);
        var parameters = new CryptographicParameters(CryptographicAlgorithm.RSA, HashingAlgorithm.SHA_256, PaddingMethod: padding);
        var dotnetPadding = padding == PaddingMethod.OAEP ? RSAEncryptionPadding.OaepSHA256 : RSAEncryptionPadding.Pkcs1;

        var ciphertext = (await ops.EncryptAsync(new EncryptRequest(pub, parameters, Message))).Data!;
        dotnet.Decrypt(ciphertext, dotnetPadding).Should().Equal(Message);
        var fromDotNet = dotnet.Encrypt(Message, dotnetPadding);
        (await ops.DecryptAsync(new DecryptRequest(priv, parameters, fromDotNet))).Data.Should().Equal(Message);

        var tampered = fromDotNet.ToArray();
        tampered[^1] ^= 1;
        var refused = await client.FailsAsync(V21, Operation.Decrypt, new DecryptRequest(priv, parameters, tampered).ToNode());
        refused.ResultReason.Should().Be(ResultReason.CryptographicFailure);
        refused.ResultMessage.Should().Contain("does not decrypt");
        var tooLong = await client.FailsAsync(V21, Operation.Encrypt, new EncryptRequest(pub, parameters, new byte[300]).ToNode());
        tooLong.ResultReason.Should().Be(ResultReason.CryptographicFailure);
        tooLong.ResultMessage.Should().Contain("not 300");
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task WrongKeyForTheOperation_IsRefusedWithTheReasonOfItsVersion(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, v, CryptographicAlgorithm.RSA, 2048, privateUsage: CryptographicUsageMask.Decrypt);
        var pkcs1 = new CryptographicParameters(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.SHA_256WithRSAEncryption);

        var publicSigns = await client.FailsAsync(v, Operation.Sign, new SignRequest(pub, pkcs1, Message).ToNode());
        publicSigns.ResultReason.Should().Be(v.IsV2 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied);
        publicSigns.ResultMessage.Should().Contain("is a PublicKey").And.Contain("needs a private key");

        var noSignInMask = await client.FailsAsync(v, Operation.Sign, new SignRequest(priv, pkcs1, Message).ToNode());
        noSignInMask.ResultReason.Should().Be(v.IsV2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied);
        noSignInMask.ResultMessage.Should().Contain("does not allow Sign");

        var ecdsaOnRsa = await client.FailsAsync(v, Operation.SignatureVerify,
            new SignatureVerifyRequest(pub, new CryptographicParameters(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.ECDSAWithSHA256), Message, [1]).ToNode());
        ecdsaOnRsa.ResultReason.Should().Be(ResultReason.InvalidField);
        ecdsaOnRsa.ResultMessage.Should().Be($"'{pub}' is a RSA key: it cannot sign or verify with ECDSA");

        var noHash = await client.FailsAsync(v, Operation.SignatureVerify, new SignatureVerifyRequest(pub, null, Message, [1]).ToNode());
        noHash.ResultReason.Should().Be(ResultReason.InvalidField);
        noHash.ResultMessage.Should().StartWith("no Hashing Algorithm");

        var x931 = await client.FailsAsync(v, Operation.SignatureVerify,
            new SignatureVerifyRequest(pub, new CryptographicParameters(HashingAlgorithm: HashingAlgorithm.SHA_256, PaddingMethod: PaddingMethod.X9_31), Message, [1]).ToNode());
        x931.ResultReason.Should().Be(ResultReason.FeatureNotSupported);
        x931.ResultMessage.Should().Contain("padding method X9_31");

        var noSignature = await client.FailsAsync(v, Operation.SignatureVerify, new SignatureVerifyRequest(pub, pkcs1, Message, null).ToNode());
        noSignature.ResultReason.Should().Be(ResultReason.InvalidField);

        // A symmetric key is not for Sign; an asymmetric one is not for MAC.
        var aes = await ops.CreateSymmetricKeyAsync([KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES), KmipAttribute.CryptographicLength(256),
            KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Sign | CryptographicUsageMask.MACGenerate)]);
        (await client.OneAsync(v, KmipBatchItems.Activate(aes))).EnsureSuccess();
        var symmetricSigns = await client.FailsAsync(v, Operation.Sign, new SignRequest(aes, pkcs1, Message).ToNode());
        symmetricSigns.ResultReason.Should().Be(v.IsV2 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied);
        var privateEncrypts = await client.FailsAsync(v, Operation.Encrypt, new EncryptRequest(priv, new CryptographicParameters(PaddingMethod: PaddingMethod.OAEP), Message).ToNode());
        privateEncrypts.ResultReason.Should().Be(v.IsV2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied, "the private key may Decrypt, not Encrypt");
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task CreateKeyPair_Dsa_SignsAsDotNetVerifies_AndVerifiesWhatDotNetSigns(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, v, CryptographicAlgorithm.DSA, 1024);
        var dsaSha256 = new CryptographicParameters(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.DSAWithSHA256);

        using var dotnet = DSA.Create();
        dotnet.ImportPkcs8PrivateKey(await MaterialAsync(ops, priv, KeyFormatType.PKCS_8), out _);
        using var dotnetPublic = DSA.Create();
        dotnetPublic.ImportSubjectPublicKeyInfo(await MaterialAsync(ops, pub, KeyFormatType.X_509), out _);
        dotnetPublic.ExportParameters(false).Y.Should().Equal(dotnet.ExportParameters(false).Y, "the public key is the private key's");
        dotnet.KeySize.Should().Be(1024);

        var signature = (await ops.SignAsync(new SignRequest(priv, dsaSha256, Message))).SignatureData!;
        dotnetPublic.VerifyData(Message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence).Should().BeTrue();
        var byDotNet = dotnet.SignData(Message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, dsaSha256, Message, byDotNet))).ValidityIndicator.Should().Be(ValidityIndicator.Valid);
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, dsaSha256, "other data"u8.ToArray(), byDotNet))).ValidityIndicator.Should().Be(ValidityIndicator.Invalid);
    }

    /// <summary>
    /// A DH pair in the RFC 7919 2048-bit group: given back as Transparent DH keys (P, G and X or Y), the public
    /// value is G^X mod P, and the stored X.509 form holds the same Y.
    /// </summary>
    [Fact]
    public async Task CreateKeyPair_Dh_IsInTheRfc7919Group_GivenAsTransparentKeys_WhosePublicValueIsGToTheX()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.DH, 2048, null, CryptographicUsageMask.KeyAgreement, CryptographicUsageMask.KeyAgreement);
        var group = Org.BouncyCastle.Crypto.Agreement.DHStandardGroups.rfc7919_ffdhe2048;
        static Org.BouncyCastle.Math.BigInteger Big(TtlvNode m, Tag tag) => new(1, m.Required(tag).AsBytes);

        var privateMaterial = await MaterialAsAsync(ops, priv, KeyFormatType.TransparentDHPrivateKey);
        var publicMaterial = await MaterialAsAsync(ops, pub, KeyFormatType.TransparentDHPublicKey);

        Big(privateMaterial, Tag.P).Should().Be(group.P);
        Big(privateMaterial, Tag.G).Should().Be(group.G);
        var x = Big(privateMaterial, Tag.X);
        var y = Big(publicMaterial, Tag.Y);
        group.G.ModPow(x, group.P).Should().Be(y);
        // The key as stored (X.509 SubjectPublicKeyInfo) is the same Y in the same group.
        var stored = (Org.BouncyCastle.Crypto.Parameters.DHPublicKeyParameters)Org.BouncyCastle.Security.PublicKeyFactory.CreateKey(await MaterialAsync(ops, pub, KeyFormatType.X_509));
        stored.Y.Should().Be(y);
        stored.Parameters.P.Should().Be(group.P);
        var refused = await client.OneAsync(V21, KmipBatchItems.CreateKeyPair(V21, [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.DH), KmipAttribute.CryptographicLength(1024)]));
        refused.ResultReason.Should().Be(ResultReason.InvalidField);
        refused.ResultMessage.Should().Be("a DH key pair is made in an RFC 7919 group: Cryptographic Length 2048, 3072, 4096, 6144 or 8192, not 1024");
    }

    /// <summary>X25519 and X448 pairs (EC on CURVE25519 and CURVE448): each half read back agrees a secret with a pair made here.</summary>
    [Theory]
    [InlineData(RecommendedCurve.CURVE25519, 256)]
    [InlineData(RecommendedCurve.CURVE448, 448)]
    public async Task CreateKeyPair_OnCurve25519And448_MakesKeyAgreementKeys_ThatAgreeWithAnotherParty(RecommendedCurve curve, int bits)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.ECDH, bits, curve,
            CryptographicUsageMask.KeyAgreement | CryptographicUsageMask.Sign, CryptographicUsageMask.KeyAgreement);
        var serverPrivate = Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(await MaterialAsync(ops, priv, KeyFormatType.PKCS_8));
        var serverPublic = Org.BouncyCastle.Security.PublicKeyFactory.CreateKey(await MaterialAsync(ops, pub, KeyFormatType.X_509));

        Org.BouncyCastle.Crypto.IRawAgreement Agreement() => curve == RecommendedCurve.CURVE25519
            ? new Org.BouncyCastle.Crypto.Agreement.X25519Agreement() : new Org.BouncyCastle.Crypto.Agreement.X448Agreement();
        Org.BouncyCastle.Crypto.IAsymmetricCipherKeyPairGenerator generator = curve == RecommendedCurve.CURVE25519
            ? new Org.BouncyCastle.Crypto.Generators.X25519KeyPairGenerator() : new Org.BouncyCastle.Crypto.Generators.X448KeyPairGenerator();
        generator.Init(new Org.BouncyCastle.Crypto.KeyGenerationParameters(new Org.BouncyCastle.Security.SecureRandom(), bits));
        var other = generator.GenerateKeyPair();
        var ours = Agreement();
        ours.Init(serverPrivate);
        var theirs = Agreement();
        theirs.Init(other.Private);
        var secret = new byte[ours.AgreementSize];
        var same = new byte[theirs.AgreementSize];
        ours.CalculateAgreement(other.Public, secret, 0);
        theirs.CalculateAgreement(serverPublic, same, 0);

        secret.Should().Equal(same).And.NotEqual(new byte[secret.Length]);
        // Even when its usage mask says Sign, a key agreement key does not sign.
        var sign = await client.FailsAsync(V21, Operation.Sign, new SignRequest(priv, null, Message).ToNode());
        sign.ResultReason.Should().Be(ResultReason.InvalidField);
        sign.ResultMessage.Should().Contain($"X{(bits == 256 ? "25519" : "448")} keys do not sign");
    }

    [Fact]
    public async Task CreateKeyPair_BadRequests_SayWhatIsWrong_AndMakeNothing()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        async Task<ResponseBatchItem> Refused(params KmipAttribute[] common)
        {
            var item = await client.OneAsync(V21, KmipBatchItems.CreateKeyPair(V21, common));
            item.IsSuccess.Should().BeFalse();
            return item;
        }

        var aes = await Refused(KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES), KmipAttribute.CryptographicLength(256));
        aes.ResultReason.Should().Be(ResultReason.FeatureNotSupported);
        aes.ResultMessage.Should().Be("this server creates RSA, DSA, DH, EC (with X25519 and X448), Ed25519 and Ed448 key pairs, not AES");
        var small = await Refused(KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.RSA), KmipAttribute.CryptographicLength(1000));
        small.ResultReason.Should().Be(ResultReason.InvalidField);
        small.ResultMessage.Should().Contain("1000 bits");
        var noAlgorithm = await Refused(KmipAttribute.CryptographicLength(2048));
        noAlgorithm.ResultReason.Should().Be(ResultReason.InvalidField);
        noAlgorithm.ResultMessage.Should().StartWith("Cryptographic Algorithm is required");
        var curve = await Refused(KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.ECDSA), KmipAttribute.RecommendedCurve(RecommendedCurve.CURVE25519));
        curve.ResultReason.Should().Be(ResultReason.InvalidField);
        curve.ResultMessage.Should().Be("CURVE25519 keys are for key agreement (X25519, as EC or ECDH), not ECDSA: to sign on it, create an Ed25519 key pair");
        var dsa = await Refused(KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.DSA), KmipAttribute.CryptographicLength(1536));
        dsa.ResultReason.Should().Be(ResultReason.InvalidField);
        dsa.ResultMessage.Should().Be("cannot create a DSA key pair of 1536 bits: L is 1024, 2048 or 3072 (FIPS 186-4)");
        var mismatch = await Refused(KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.EC), KmipAttribute.CryptographicLength(384),
            KmipAttribute.RecommendedCurve(RecommendedCurve.P_256));
        mismatch.ResultReason.Should().Be(ResultReason.InvalidField);
        mismatch.ResultMessage.Should().Be("curve P_256 is 256 bits, not the Cryptographic Length 384");
        kms.Server.State.Store.Count.Should().Be(0, "no refused request leaves a key behind");
    }

    [Fact]
    public async Task QuantumSafe_AKeyThatIsNotQuantumSafe_IsRefusedNotSafe()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var quantumSafe = KmipAttribute.Standard(Tag.QuantumSafe, TtlvNode.Boolean(Tag.QuantumSafe, true));

        var aes128 = await client.OneAsync(V21, KmipBatchItems.CreateSymmetricKey(V21,
            [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES), KmipAttribute.CryptographicLength(128), quantumSafe]));
        aes128.ResultReason.Should().Be(ResultReason.GeneralFailure);
        aes128.ResultMessage.Should().StartWith("NOT_SAFE: ").And.Contain("Grover");
        var rsa = await client.OneAsync(V21, KmipBatchItems.CreateKeyPair(V21,
            [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.RSA), KmipAttribute.CryptographicLength(2048), quantumSafe]));
        rsa.ResultReason.Should().Be(ResultReason.GeneralFailure);
        rsa.ResultMessage.Should().Contain("Shor");
        kms.Server.State.Store.Count.Should().Be(0);

        await ops.CreateSymmetricKeyAsync([KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES), KmipAttribute.CryptographicLength(256), quantumSafe]);
        kms.Server.State.Store.Count.Should().Be(1, "AES-256 keeps 128 bits of strength against Grover's algorithm");
    }

    private static async Task<TtlvNode> MaterialAsAsync(KmipOperations ops, string id, KeyFormatType format) =>
        (await ops.GetAsync(id, format)).KeyBlock!.Required(Tag.KeyValue).Required(Tag.KeyMaterial);

    [Fact]
    public async Task Get_GivesAnRsaPairInEveryFormatItHolds_AndDotNetReadsThem()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.RSA, 2048, activate: false);
        using var reference = RSA.Create();
        reference.ImportRSAPrivateKey(await MaterialAsync(ops, priv, KeyFormatType.PKCS_1), out _);
        var modulus = reference.ExportParameters(false).Modulus!;

        using (var pkcs8 = RSA.Create())
        {
            pkcs8.ImportPkcs8PrivateKey((await MaterialAsAsync(ops, priv, KeyFormatType.PKCS_8)).AsBytes, out _);
            pkcs8.ExportParameters(true).D.Should().Equal(reference.ExportParameters(true).D);
        }
        using (var spki = RSA.Create())
        {
            spki.ImportSubjectPublicKeyInfo((await MaterialAsAsync(ops, pub, KeyFormatType.X_509)).AsBytes, out _);
            spki.ExportParameters(false).Modulus.Should().Equal(modulus);
        }
        var transparent = await MaterialAsAsync(ops, priv, KeyFormatType.TransparentRSAPrivateKey);
        var n = transparent.Required(Tag.Modulus);
        n.Type.Should().Be(ItemType.BigInteger);
        (n.AsBytes.Length % 8).Should().Be(0, "a TTLV Big Integer is sign-extended to a multiple of 8 bytes");
        n.AsBytes.SkipWhile(b => b == 0).Should().Equal(modulus);
        transparent.Required(Tag.PrivateExponent).AsBytes.SkipWhile(b => b == 0).Should().Equal(reference.ExportParameters(true).D!.SkipWhile(b => b == 0));
        (await MaterialAsAsync(ops, pub, KeyFormatType.TransparentRSAPublicKey)).Required(Tag.PublicExponent).AsBytes.SkipWhile(b => b == 0)
            .Should().Equal(reference.ExportParameters(false).Exponent);

        var refused = await client.OneAsync(V21, KmipBatchItems.Get(pub, KeyFormatType.PKCS_8));
        refused.ResultReason.Should().Be(ResultReason.KeyFormatTypeNotSupported);
        refused.ResultMessage.Should().Be("a public RSA key cannot be given in Key Format Type PKCS_8");
    }

    [Fact]
    public async Task Get_GivesAnEcKeyAsSec1AndTransparent_AndATransparentPublicKeyRegisteredBackVerifies()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.EC, 256, RecommendedCurve.P_256);
        using var reference = ECDsa.Create();
        reference.ImportSubjectPublicKeyInfo(await MaterialAsync(ops, pub, KeyFormatType.X_509), out _);
        var q = reference.ExportParameters(false).Q;

        using (var sec1 = ECDsa.Create())
        {
            sec1.ImportECPrivateKey((await MaterialAsAsync(ops, priv, KeyFormatType.ECPrivateKey)).AsBytes, out _);
            sec1.ExportParameters(false).Q.X.Should().Equal(q.X);
        }
        var transparentPrivate = await MaterialAsAsync(ops, priv, KeyFormatType.TransparentECPrivateKey);
        transparentPrivate.Required(Tag.RecommendedCurve).AsEnumOf<RecommendedCurve>().Should().Be(RecommendedCurve.P_256);
        var transparentPublic = await MaterialAsAsync(ops, pub, KeyFormatType.TransparentECPublicKey);
        transparentPublic.Required(Tag.QString).AsBytes.Should().Equal([0x04, .. q.X!, .. q.Y!]);

        var registered = (await client.OneAsync(V21, KmipBatchItems.Register(V21, ObjectType.PublicKey,
            KmipBatchItems.Key(Tag.PublicKey, KeyFormatType.TransparentECPublicKey, transparentPublic, CryptographicAlgorithm.EC, 256),
            [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Verify)]))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        (await client.OneAsync(V21, KmipBatchItems.Activate(registered))).EnsureSuccess();
        var ecdsa = new CryptographicParameters(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.ECDSAWithSHA256);
        var signature = (await ops.SignAsync(new SignRequest(priv, ecdsa, Message))).SignatureData!;
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(registered, ecdsa, Message, signature))).ValidityIndicator.Should().Be(ValidityIndicator.Valid);
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task Register_KeyMaterialThatDoesNotParseAsItsFormat_InvalidField_AndNothingStored(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var garbage = KmipBatchItems.Key(Tag.PrivateKey, KeyFormatType.PKCS_1, TtlvNode.Bytes(Tag.KeyMaterial, [0x30, 0x03, 0x02, 0x01, 0x00]), CryptographicAlgorithm.RSA, 2048);

        var refused = await client.OneAsync(v, KmipBatchItems.Register(v, ObjectType.PrivateKey, garbage, []));

        refused.ResultReason.Should().Be(ResultReason.InvalidField);
        refused.ResultMessage.Should().StartWith("the key material of 'the PrivateKey to register' is not a private key in Key Format Type PKCS_1");
        kms.Server.State.Store.Count.Should().Be(0);
    }

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public async Task ReKeyKeyPair_MakesANewLinkedPairThatTakesTheNamesAndDates_AndLinksOldToNew(string version)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var activation = DateTimeOffset.UtcNow.AddHours(-1);
        var old = await ops.CreateKeyPairAsync(
            [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.EC), KmipAttribute.RecommendedCurve(RecommendedCurve.P_384),
                KmipAttribute.Standard(Tag.ActivationDate, TtlvNode.DateTime(Tag.ActivationDate, activation))],
            [KmipAttribute.ObjectName("signing-key"), KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Sign)],
            [KmipAttribute.ObjectName("signing-key-public"), KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Verify)]);

        var fresh = await ops.ReKeyKeyPairAsync(old.PrivateKeyUniqueIdentifier, offset: 0);

        fresh.PrivateKeyUniqueIdentifier.Should().NotBe(old.PrivateKeyUniqueIdentifier);
        var newPrivate = await ops.GetAttributesAsync(fresh.PrivateKeyUniqueIdentifier);
        Value(newPrivate, "Name").Required(Tag.NameValue).AsText.Should().Be("signing-key");
        Value(newPrivate, "State").AsEnumOf<State>().Should().Be(State.Active, "an Offset of 0 activates the replacement now");
        Value(newPrivate, "Cryptographic Length").AsInt32.Should().Be(384, "the curve is copied from the old pair");
        Value(newPrivate, "Cryptographic Usage Mask").AsInt32.Should().Be((int)CryptographicUsageMask.Sign);
        var links = newPrivate.Where(a => a.Name == "Link").Select(a => (a.Value.Required(Tag.LinkType).AsEnumOf<LinkType>(), a.Value.Required(Tag.LinkedObjectIdentifier).AsText));
        links.Should().BeEquivalentTo([(LinkType.PublicKeyLink, fresh.PublicKeyUniqueIdentifier), (LinkType.ReplacedObjectLink, old.PrivateKeyUniqueIdentifier)]);
        var newPublic = await ops.GetAttributesAsync(fresh.PublicKeyUniqueIdentifier);
        Value(newPublic, "Name").Required(Tag.NameValue).AsText.Should().Be("signing-key-public");
        var oldPrivate = await ops.GetAttributesAsync(old.PrivateKeyUniqueIdentifier);
        oldPrivate.Should().NotContain(a => a.Name == "Name", "the replacement took the name");
        oldPrivate.Where(a => a.Name == "Link").Select(a => a.Value.Required(Tag.LinkType).AsEnumOf<LinkType>()).Should().Contain(LinkType.ReplacementObjectLink);

        var publicReKeyed = await client.OneAsync(v, KmipBatchItems.ReKeyKeyPair(v, old.PublicKeyUniqueIdentifier));
        publicReKeyed.ResultReason.Should().Be(v.IsV2 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied);
        publicReKeyed.ResultMessage.Should().EndWith("Re-key Key Pair takes a private key");
    }

    [Fact]
    public async Task Get_WrappedUnderAnRsaPublicKey_IsTheKeyEncryptedWithOaep_ThatThePrivateKeyOpens()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.RSA, 2048,
            privateUsage: CryptographicUsageMask.UnwrapKey | CryptographicUsageMask.Decrypt, publicUsage: CryptographicUsageMask.WrapKey);
        var aes = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        var material = (await ops.GetAsync(aes)).KeyBlock!.Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes;
        TtlvNode Wrapping(PaddingMethod padding) => TtlvNode.Structure(Tag.KeyWrappingSpecification,
            TtlvNode.Enumeration(Tag.WrappingMethod, WrappingMethod.Encrypt),
            TtlvNode.Structure(Tag.EncryptionKeyInformation, TtlvNode.Text(Tag.UniqueIdentifier, pub),
                new CryptographicParameters(PaddingMethod: padding, HashingAlgorithm: HashingAlgorithm.SHA_256).ToNode()),
            TtlvNode.Enumeration(Tag.EncodingOption, EncodingOption.NoEncoding));

        var wrapped = await client.OneAsync(V21, new BatchItemRequest(Operation.Get, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, aes), Wrapping(PaddingMethod.OAEP))));

        var block = wrapped.EnsureSuccess().RequiredPayload.Required(Tag.SymmetricKey).Required(Tag.KeyBlock);
        block.Required(Tag.KeyWrappingData).Required(Tag.EncryptionKeyInformation).Required(Tag.UniqueIdentifier).AsText.Should().Be(pub);
        var ciphertext = block.Required(Tag.KeyValue).AsBytes;
        ciphertext.Should().HaveCount(256);
        using var rsa = RSA.Create();
        rsa.ImportRSAPrivateKey(await MaterialAsync(ops, priv, KeyFormatType.PKCS_1), out _);
        rsa.Decrypt(ciphertext, RSAEncryptionPadding.OaepSHA256).Should().Equal(material);
        var opened = await ops.DecryptAsync(new DecryptRequest(priv, new CryptographicParameters(PaddingMethod: PaddingMethod.OAEP, HashingAlgorithm: HashingAlgorithm.SHA_256), ciphertext));
        opened.Data.Should().Equal(material, "the server's own Decrypt opens what it wrapped");

        var unsupported = await client.OneAsync(V21, new BatchItemRequest(Operation.Get, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, aes), Wrapping(PaddingMethod.X9_31))));
        unsupported.ResultReason.Should().Be(ResultReason.FeatureNotSupported);
        unsupported.ResultMessage.Should().Contain("padding method X9_31");
    }

    [Fact]
    public async Task Ed25519_SignsAsRfc8032Says_AndAPairItMakesSignsByPartsAndVerifies()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        // RFC 8032 §7.1, TEST 2: a one-byte message.
        var seed = Convert.FromHexString("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
        var pkcs8 = Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(seed)).GetDerEncoded();
        var registered = (await client.OneAsync(V21, KmipBatchItems.Register(V21, ObjectType.PrivateKey,
            KmipBatchItems.Key(Tag.PrivateKey, KeyFormatType.PKCS_8, TtlvNode.Bytes(Tag.KeyMaterial, pkcs8), CryptographicAlgorithm.Ed25519, 256),
            [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Sign)]))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        await ops.ActivateAsync(registered);
        var signature = (await ops.SignAsync(new SignRequest(registered, null, [0x72]))).SignatureData!;
        Convert.ToHexString(signature).Should().BeEquivalentTo(
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");

        var (_, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.Ed25519, 256);
        var first = await ops.SignAsync(new SignRequest(priv, null, Message[..7], Stream: new StreamPart(InitIndicator: true)));
        var byParts = (await ops.SignAsync(new SignRequest(priv, null, Message[7..], Stream: new StreamPart(first.CorrelationValue, FinalIndicator: true)))).SignatureData!;
        byParts.Should().Equal((await ops.SignAsync(new SignRequest(priv, null, Message))).SignatureData, "EdDSA is deterministic: the parts sign the whole");
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, null, Message, byParts))).ValidityIndicator.Should().Be(ValidityIndicator.Valid);
        (await ops.SignatureVerifyAsync(new SignatureVerifyRequest(pub, null, Message[1..], byParts))).ValidityIndicator.Should().Be(ValidityIndicator.Invalid);
        var digested = await client.OneAsync(V21, new BatchItemRequest(Operation.Sign, new SignRequest(priv, null, null, new byte[32]).ToNode()));
        digested.ResultReason.Should().Be(ResultReason.InvalidField);
        digested.ResultMessage.Should().Be("Ed25519 signs the message itself: give Data, not Digested Data");
    }

    [Fact]
    public async Task Get_Pkcs12_IsTheKeyAndItsCertificateUnderThePasswordSecretData_AndWithoutAPasswordLinkBadPassword()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var (ops, priv, pub) = await PairAsync(client, V21, CryptographicAlgorithm.RSA, 2048, activate: false);
        var noPassword = await client.OneAsync(V21, KmipBatchItems.Get(priv, KeyFormatType.PKCS_12));
        noPassword.ResultReason.Should().Be(ResultReason.BadPassword);
        noPassword.ResultMessage.Should().Contain("0 PKCS#12 Password Links");

        using var rsa = RSA.Create();
        rsa.ImportRSAPrivateKey(await MaterialAsync(ops, priv, KeyFormatType.PKCS_1), out _);
        using var selfSigned = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=pkcs12 test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        async Task<string> RegisterAsync(ObjectType type, TtlvNode value) =>
            (await client.OneAsync(V21, KmipBatchItems.Register(V21, type, value, []))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        var certificate = await RegisterAsync(ObjectType.Certificate, TtlvNode.Structure(Tag.Certificate,
            TtlvNode.Enumeration(Tag.CertificateType, CertificateType.X_509), TtlvNode.Bytes(Tag.CertificateValue, selfSigned.RawData)));
        var password = await RegisterAsync(ObjectType.SecretData, TtlvNode.Structure(Tag.SecretData,
            TtlvNode.Enumeration(Tag.SecretDataType, SecretDataType.Password),
            TtlvNode.Structure(Tag.KeyBlock, TtlvNode.Enumeration(Tag.KeyFormatType, KeyFormatType.Opaque),
                TtlvNode.Structure(Tag.KeyValue, TtlvNode.Bytes(Tag.KeyMaterial, "correct horse"u8.ToArray())))));
        KmipAttribute Link(LinkType type, string id) => KmipAttribute.Standard(Tag.Link, TtlvNode.Structure(Tag.Link,
            TtlvNode.Enumeration(Tag.LinkType, type), TtlvNode.Text(Tag.LinkedObjectIdentifier, id)));
        (await client.OneAsync(V21, KmipBatchItems.AddAttribute(V21, priv, Link(LinkType.PKCS_12PasswordLink, password)))).EnsureSuccess();
        (await client.OneAsync(V21, KmipBatchItems.AddAttribute(V21, pub, Link(LinkType.PKCS_12CertificateLink, certificate)))).EnsureSuccess();

        var inactive = await client.OneAsync(V21, KmipBatchItems.Get(priv, KeyFormatType.PKCS_12));
        inactive.ResultReason.Should().Be(ResultReason.BadPassword, "the password Secret Data is not Active yet");
        await ops.ActivateAsync(password);
        var pfx = (await ops.GetAsync(priv, KeyFormatType.PKCS_12)).KeyBlock!;
        pfx.Required(Tag.KeyFormatType).AsEnumOf<KeyFormatType>().Should().Be(KeyFormatType.PKCS_12);

        using var loaded = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
            pfx.Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes, "correct horse");
        loaded.Thumbprint.Should().Be(selfSigned.Thumbprint);
        loaded.HasPrivateKey.Should().BeTrue();
        using var key = System.Security.Cryptography.X509Certificates.RSACertificateExtensions.GetRSAPrivateKey(loaded)!;
        key.ExportParameters(true).D.Should().Equal(rsa.ExportParameters(true).D);
    }

    [Fact]
    public async Task Register_APrivateKeyAsPkcs12_KeepsItsKeyUnderThePasswordLink_AndAWrongPasswordIsBadPassword()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var selfSigned = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=pkcs12 import", ec, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var pfx = selfSigned.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "correct horse");
        async Task<string> PasswordAsync(string text)
        {
            var id = (await client.OneAsync(V21, KmipBatchItems.Register(V21, ObjectType.SecretData, TtlvNode.Structure(Tag.SecretData,
                TtlvNode.Enumeration(Tag.SecretDataType, SecretDataType.Password),
                TtlvNode.Structure(Tag.KeyBlock, TtlvNode.Enumeration(Tag.KeyFormatType, KeyFormatType.Opaque),
                    TtlvNode.Structure(Tag.KeyValue, TtlvNode.Bytes(Tag.KeyMaterial, System.Text.Encoding.UTF8.GetBytes(text))))), []))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
            await ops.ActivateAsync(id);
            return id;
        }
        BatchItemRequest Register(byte[] container, string password) => KmipBatchItems.Register(V21, ObjectType.PrivateKey,
            TtlvNode.Structure(Tag.PrivateKey, TtlvNode.Structure(Tag.KeyBlock, TtlvNode.Enumeration(Tag.KeyFormatType, KeyFormatType.PKCS_12),
                TtlvNode.Structure(Tag.KeyValue, TtlvNode.Bytes(Tag.KeyMaterial, container)))),
            [KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Sign),
             KmipAttribute.Standard(Tag.Link, TtlvNode.Structure(Tag.Link, TtlvNode.Enumeration(Tag.LinkType, LinkType.PKCS_12PasswordLink), TtlvNode.Text(Tag.LinkedObjectIdentifier, password)))]);
        var right = await PasswordAsync("correct horse");
        var wrong = await PasswordAsync("battery staple");
        int stored = kms.Server.State.Store.Count;

        var badPassword = await client.OneAsync(V21, Register(pfx, wrong));
        badPassword.ResultReason.Should().Be(ResultReason.BadPassword);
        badPassword.ResultMessage.Should().Be("the PKCS#12 password (the Secret Data of the PKCS#12 Password Link) does not open the container");
        var garbage = await client.OneAsync(V21, Register([0x30, 0x03, 0x02, 0x01, 0x03], right));
        garbage.ResultReason.Should().Be(ResultReason.InvalidField);
        garbage.ResultMessage.Should().StartWith("the Key Material is not a PKCS#12 container");
        kms.Server.State.Store.Count.Should().Be(stored, "a refused container stores nothing");

        var id = (await client.OneAsync(V21, Register(pfx, right))).EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
        using var held = ECDsa.Create();
        held.ImportPkcs8PrivateKey(await MaterialAsync(ops, id, KeyFormatType.PKCS_8), out _);
        held.ExportParameters(true).D.Should().Equal(ec.ExportParameters(true).D);
        var attributes = await ops.GetAttributesAsync(id);
        attributes.Single(a => a.Name == "Cryptographic Algorithm").Value.AsEnumOf<CryptographicAlgorithm>().Should().Be(CryptographicAlgorithm.EC);
        attributes.Single(a => a.Name == "Cryptographic Length").Value.AsInt32.Should().Be(256);
        attributes.Single(a => a.Name == "PKCS#12 Friendly Name").Value.AsText.Should().NotBeEmpty("the server records the name it found the key under");
        await ops.ActivateAsync(id);
        var signature = (await ops.SignAsync(new SignRequest(id, new CryptographicParameters(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.ECDSAWithSHA256), Message))).SignatureData!;
        ec.VerifyData(Message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence).Should().BeTrue();
    }
}
