using Harness.Kmip.Cryptography;

namespace Harness.Kmip.Tests;

public class AesKeyWrapTests
{
    // RFC 3394 §4.6: wrap 256 bits of key data with a 256-bit KEK.
    private static readonly byte[] Kek = HexText.Parse("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
    private static readonly byte[] KeyData = HexText.Parse("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
    private static readonly byte[] Wrapped = HexText.Parse("28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21");

    [Fact]
    public void Wrap_Rfc3394Vector_GivesTheRfcCiphertext() => AesKeyWrap.Wrap(Kek, KeyData).Should().Equal(Wrapped);

    [Fact]
    public void Unwrap_Rfc3394Vector_GivesTheKeyData() => AesKeyWrap.Unwrap(Kek, Wrapped).Should().Equal(KeyData);

    [Fact]
    public void TryUnwrap_WrongKek_ReturnsNull()
    {
        var wrong = (byte[])Kek.Clone();
        wrong[0] ^= 1;
        AesKeyWrap.TryUnwrap(wrong, Wrapped).Should().BeNull();
    }
}
