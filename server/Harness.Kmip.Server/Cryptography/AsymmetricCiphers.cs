using Harness.Kmip.Payloads;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Harness.Kmip.Server.Cryptography;

/// <summary>
/// RSA encryption for Encrypt and Decrypt (BouncyCastle): OAEP (the Hashing Algorithm, SHA-1 when not given as KMIP 2.1
/// §7.6 says; MGF1 with the Mask Generator Hashing Algorithm, else the Hashing Algorithm, as PyKMIP and the OASIS vectors
/// do; the P Source as the label) or PKCS#1 v1.5. One block: RSA does not stream.
/// </summary>
public static class AsymmetricCiphers
{
    /// <summary>The padding an RSA Encrypt or Decrypt uses: the parameters' Padding Method, OAEP when none is given.</summary>
    public static PaddingMethod Padding(CryptographicParameters? p) => p?.PaddingMethod ?? PaddingMethod.OAEP;

    public static byte[] Process(bool encrypt, CryptographicParameters? p, AsymmetricKeyParameter key, byte[] data, string keyId)
    {
        if (key is not RsaKeyParameters)
            throw new KmipException(ResultReason.FeatureNotSupported, $"'{keyId}' is not an RSA key: this server encrypts with RSA keys only among asymmetric keys");
        if (p?.CryptographicAlgorithm is { } named && named != CryptographicAlgorithm.RSA)
            throw new KmipException(ResultReason.InvalidField, $"'{keyId}' is an RSA key: it cannot {(encrypt ? "encrypt" : "decrypt")} with {named}");
        IAsymmetricBlockCipher cipher = Padding(p) switch
        {
            PaddingMethod.OAEP => new OaepEncoding(new RsaBlindedEngine(), Digest(p?.HashingAlgorithm), Digest(p?.MaskGeneratorHashingAlgorithm ?? p?.HashingAlgorithm), p?.PSource),
            PaddingMethod.PKCS1V1_5 => new Pkcs1Encoding(new RsaBlindedEngine()),
            var other => throw new KmipException(ResultReason.FeatureNotSupported, $"RSA with padding method {other} is not supported by this server (OAEP or PKCS1 v1.5)"),
        };
        cipher.Init(encrypt, encrypt ? new ParametersWithRandom(key, new SecureRandom()) : key);
        if (data.Length > cipher.GetInputBlockSize())
            throw new KmipException(ResultReason.CryptographicFailure,
                $"{(encrypt ? "RSA with this padding encrypts at most" : "an RSA ciphertext of this key is")} {cipher.GetInputBlockSize()} bytes, not {data.Length}");
        try { return cipher.ProcessBlock(data, 0, data.Length); }
        catch (Exception ex) when (ex is InvalidCipherTextException or DataLengthException)
        {
            throw new KmipException(ResultReason.CryptographicFailure, encrypt ? $"RSA encryption failed: {ex.Message}"
                : $"the data does not decrypt under '{keyId}' with {Padding(p)} (wrong key, padding or hash)");
        }
    }

    private static IDigest Digest(HashingAlgorithm? algorithm) =>
        MessageDigests.BouncyDigest(algorithm ?? HashingAlgorithm.SHA_1)
        ?? throw new KmipException(ResultReason.FeatureNotSupported, $"OAEP with {algorithm} is not supported by this server");
}
