namespace Harness.Simulator.Tests.Datastores;

/// <summary>The DEK wrap of an encrypted disk: RFC 3394 §4.6's known answer, and a wrong KEK that opens nothing.</summary>
public class DiskCryptoTests
{
    private static readonly byte[] Kek = Convert.FromHexString("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
    private static readonly byte[] Dek = Convert.FromHexString("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
    private static readonly byte[] Wrapped = Convert.FromHexString("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21");

    [Fact]
    public void WrapDek_IsRfc3394_AndUnwrapsWithTheSameKek()
    {
        DiskCrypto.WrapDek(Kek, Dek).Should().Equal(Wrapped);
        DiskCrypto.TryUnwrapDek(Kek, Wrapped).Should().Equal(Dek);
    }

    [Fact]
    public void TryUnwrapDek_WithAnotherKek_IsNull()
    {
        var wrong = (byte[])Kek.Clone();
        wrong[0] ^= 1;
        DiskCrypto.TryUnwrapDek(wrong, Wrapped).Should().BeNull();
    }

    [Fact]
    public void DataEncryptedUnderADek_DecryptsOnlyUnderIt()
    {
        var dek = DiskCrypto.NewDek();
        var data = DiskCrypto.Encrypt(dek, "a disk block"u8);
        DiskCrypto.TryDecrypt(dek, data).Should().Equal("a disk block"u8.ToArray());
        DiskCrypto.TryDecrypt(DiskCrypto.NewDek(), data).Should().BeNull();
    }
}
