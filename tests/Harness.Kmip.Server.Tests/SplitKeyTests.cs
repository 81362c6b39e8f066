using System.Numerics;
using System.Security.Cryptography;
using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Create Split Key and Join Split Key over mutual TLS: every Split Key Method splits a key into parts of which any
/// threshold rebuild it exactly (and XOR parts XOR to it), and each refusal says why.
/// </summary>
public class SplitKeyTests
{
    // 2^130 - 5, a prime above any 128-bit key (Poly1305's modulus), as a TTLV Big Integer: 24 bytes, sign-extended.
    private static readonly byte[] Prime = [.. new byte[7], .. ((BigInteger.One << 130) - 5).ToByteArray(isUnsigned: false, isBigEndian: true)];

    private static async Task<byte[]> MaterialAsync(KmipOperations ops, string id) =>
        (await ops.GetAsync(id)).Object.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes;

    [Theory]
    [InlineData("1.4", SplitKeyMethod.XOR, 3, 3)]
    [InlineData("1.4", SplitKeyMethod.PolynomialSharingGF2_8, 5, 3)]
    [InlineData("2.1", SplitKeyMethod.PolynomialSharingGF2_16, 5, 3)]
    [InlineData("2.1", SplitKeyMethod.PolynomialSharingPrimeField, 5, 3)]
    public async Task ASplitKey_IsRebuiltByAnyThresholdOfItsParts_AndNotByFewer(string version, SplitKeyMethod method, int parts, int threshold)
    {
        var v = ProtocolVersion.Parse(version);
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, v);
        var key = RandomNumberGenerator.GetBytes(16);
        var keyId = IdOf(await client.OneAsync(v, KmipBatchItems.RegisterSymmetricKey(v, CryptographicAlgorithm.AES, key,
            [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES), KmipAttribute.CryptographicLength(128), KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Encrypt)])));

        var split = await client.OneAsync(v, KmipBatchItems.CreateSplitKey(v, keyId, parts, threshold, method,
            method == SplitKeyMethod.PolynomialSharingPrimeField ? Prime : null));
        var ids = split.EnsureSuccess().RequiredPayload.ChildrenOf(Tag.UniqueIdentifier).Select(n => n.AsText).ToList();

        ids.Should().HaveCount(parts);
        var first = (await ops.GetAsync(ids[0])).Object;
        first.Required(Tag.KeyPartIdentifier).AsInt32.Should().Be(1);
        first.Required(Tag.SplitKeyThreshold).AsInt32.Should().Be(threshold);
        // A share is as long as the key, except in a prime field, where it is as long as the prime (17 bytes here).
        (await MaterialAsync(ops, ids[0])).Should().HaveCount(method == SplitKeyMethod.PolynomialSharingPrimeField ? 17 : 16).And.NotEqual(key);
        if (method == SplitKeyMethod.XOR)
        {
            var xor = new byte[16];
            foreach (var id in ids)
                foreach (var (b, i) in (await MaterialAsync(ops, id)).Select((b, i) => (b, i))) xor[i] ^= b;
            xor.Should().Equal(key, "XOR parts XOR to the key");
        }
        foreach (var subset in new[] { ids.Take(threshold), ids.Skip(parts - threshold), ids.Where((_, i) => i % 2 == 0).Concat(ids.Where((_, i) => i % 2 == 1)).Take(threshold) })
        {
            var joined = IdOf(await client.OneAsync(v, KmipBatchItems.JoinSplitKey(v, ObjectType.SymmetricKey, subset)));
            (await MaterialAsync(ops, joined)).Should().Equal(key, $"parts {string.Join(",", subset)} rebuild the key");
        }
        var fewer = await client.OneAsync(v, KmipBatchItems.JoinSplitKey(v, ObjectType.SymmetricKey, ids.Take(threshold - 1)));
        fewer.ResultReason.Should().Be(ResultReason.InvalidField);
        fewer.ResultMessage.Should().Be($"joining needs {threshold} split keys (the Split Key Threshold), not {threshold - 1}");
    }

    [Fact]
    public async Task CreateSplitKey_WithoutAKey_SplitsANewOne_AndBadSplitsAreRefused()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var aes256 = new[] { KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES), KmipAttribute.CryptographicLength(256) };
        var split = await client.OneAsync(V21, KmipBatchItems.CreateSplitKey(V21, null, 4, 2, SplitKeyMethod.PolynomialSharingGF2_8, attributes: aes256));
        var ids = split.EnsureSuccess().RequiredPayload.ChildrenOf(Tag.UniqueIdentifier).Select(n => n.AsText).ToList();
        var a = IdOf(await client.OneAsync(V21, KmipBatchItems.JoinSplitKey(V21, ObjectType.SymmetricKey, ids.Take(2))));
        var b = IdOf(await client.OneAsync(V21, KmipBatchItems.JoinSplitKey(V21, ObjectType.SymmetricKey, ids.Skip(2))));
        (await MaterialAsync(ops, a)).Should().HaveCount(32).And.Equal(await MaterialAsync(ops, b));

        var key = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        int stored = kms.Server.State.Store.Count;
        var xorThreshold = await client.OneAsync(V21, KmipBatchItems.CreateSplitKey(V21, key, 3, 2, SplitKeyMethod.XOR));
        xorThreshold.ResultReason.Should().Be(ResultReason.InvalidField);
        xorThreshold.ResultMessage.Should().Be("XOR splitting needs every part: Split Key Threshold must equal Split Key Parts, not 2 of 3");
        var smallPrime = await client.OneAsync(V21, KmipBatchItems.CreateSplitKey(V21, key, 3, 2, SplitKeyMethod.PolynomialSharingPrimeField, Prime));
        smallPrime.ResultReason.Should().Be(ResultReason.InvalidField);
        smallPrime.ResultMessage.Should().Be("the Prime Field Size must be a prime above the 256-bit key (above 2^L)");
        kms.Server.State.Store.Count.Should().Be(stored, "a refused split stores nothing");
        var other = await client.OneAsync(V21, KmipBatchItems.CreateSplitKey(V21, key, 2, 2, SplitKeyMethod.XOR));
        var mixed = await client.OneAsync(V21, KmipBatchItems.JoinSplitKey(V21, ObjectType.SymmetricKey,
            [ids[0], other.EnsureSuccess().RequiredPayload.ChildrenOf(Tag.UniqueIdentifier).First().AsText]));
        mixed.ResultReason.Should().Be(ResultReason.InvalidField);
        mixed.ResultMessage.Should().Be("the split keys do not come from one split: their methods, parts, thresholds or lengths differ");
        var notSplit = await client.OneAsync(V21, KmipBatchItems.JoinSplitKey(V21, ObjectType.SymmetricKey, [key, ids[0]]));
        notSplit.ResultReason.Should().Be(ResultReason.InvalidObjectType);
    }
}
