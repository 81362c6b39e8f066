using System.Buffers.Binary;
using Harness.Kmip;
using Harness.Kmip.Client;

namespace Harness.Cli.Fuzzing;

/// <summary>
/// Request messages for fuzzing: valid messages of every operation the Harness KMS knows, under KMIP 1.4 and 2.1
/// headers, alone and in batches of up to a few hundred items, then mutated, half of them as trees (a value of another
/// type, a child dropped or repeated, a huge text, deep nesting: still well framed) and half as bytes (bits flipped,
/// lengths and types rewritten, truncation: framing broken). Deterministic for a seed.
/// </summary>
public sealed class MessageMutator(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly ProtocolVersion[] Versions = [ProtocolVersion.V1_4, ProtocolVersion.V2_1];

    /// <summary>The custom attribute every object the fuzzing creates carries (the clean-up finds by it what no reply named).</summary>
    public static KmipAttribute Marker => KmipAttribute.Text("x-fuzz", "1");

    /// <summary>Valid batch items of every operation, using the ID Placeholder where a Unique Identifier belongs.</summary>
    private static IReadOnlyList<BatchItemRequest> ItemsOf(ProtocolVersion v) =>
    [
        KmipBatchItems.CreateSymmetricKey(v, [.. KmipAttribute.Aes256EncryptDecrypt, Marker]),
        KmipBatchItems.Get(null),
        KmipBatchItems.GetAttributes(v, null),
        KmipBatchItems.GetAttributeList(null),
        KmipBatchItems.AddAttribute(v, null, KmipAttribute.Text("x-fuzz-note", "fuzzed")),
        KmipBatchItems.Activate(null),
        KmipBatchItems.Locate(v, [Marker], maximumItems: 5),
        KmipBatchItems.Revoke(null, RevocationReasonCode.CessationOfOperation),
        KmipBatchItems.Destroy(null),
        KmipBatchItems.Query([QueryFunction.QueryOperations, QueryFunction.QueryObjects]),
        KmipBatchItems.DiscoverVersions(),
        new(Operation.Check, KmipRequests.Payload()),
        new(Operation.ReKey, KmipRequests.Payload()),
        new(Operation.Log, KmipRequests.Payload(TtlvNode.Text(Tag.LogMessage, "fuzz"))),
        new(Operation.Interop, KmipRequests.Payload(TtlvNode.Enumeration(Tag.InteropFunction, InteropFunction.Begin), TtlvNode.Text(Tag.InteropIdentifier, "FUZZ-1"))),
        new(Operation.RNGRetrieve, new Kmip.Payloads.RngRetrieveRequest(32).ToNode()),
        new(Operation.RNGSeed, new Kmip.Payloads.RngSeedRequest(new byte[16]).ToNode()),
        new(Operation.Hash, new Kmip.Payloads.HashRequest(new Kmip.Payloads.CryptographicParameters(HashingAlgorithm: HashingAlgorithm.SHA_256), new byte[64]).ToNode()),
        new(Operation.Hash, new Kmip.Payloads.HashRequest(new Kmip.Payloads.CryptographicParameters(HashingAlgorithm: HashingAlgorithm.SHA_256), new byte[8],
            new Kmip.Payloads.StreamPart(InitIndicator: true)).ToNode()),
        new(Operation.MAC, new Kmip.Payloads.MacRequest(null, new Kmip.Payloads.CryptographicParameters(CryptographicAlgorithm: CryptographicAlgorithm.HMAC_SHA256), new byte[32]).ToNode()),
        new(Operation.Encrypt, new Kmip.Payloads.EncryptRequest(null, CbcPkcs5, new byte[40]).ToNode()),
        new(Operation.Encrypt, new Kmip.Payloads.EncryptRequest(null, new Kmip.Payloads.CryptographicParameters(BlockCipherMode: BlockCipherMode.GCM), new byte[40],
            new byte[12], AuthenticatedEncryptionAdditionalData: new byte[8]).ToNode()),
        new(Operation.Decrypt, new Kmip.Payloads.DecryptRequest(null, CbcPkcs5, new byte[48], new byte[16]).ToNode()),
        KmipBatchItems.CreateKeyPair(v, [KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.EC), KmipAttribute.CryptographicLength(256), Marker]),
        KmipBatchItems.ReKeyKeyPair(v, null),
        new(Operation.Sign, new Kmip.Payloads.SignRequest(null, EcdsaSha256, new byte[32]).ToNode()),
        new(Operation.SignatureVerify, new Kmip.Payloads.SignatureVerifyRequest(null, EcdsaSha256, new byte[32], new byte[72]).ToNode()),
    ];

    private static readonly Kmip.Payloads.CryptographicParameters EcdsaSha256 = new(DigitalSignatureAlgorithm: DigitalSignatureAlgorithm.ECDSAWithSHA256);

    private static readonly Kmip.Payloads.CryptographicParameters CbcPkcs5 = new(BlockCipherMode: BlockCipherMode.CBC, PaddingMethod: PaddingMethod.PKCS5);

    /// <summary>The next message: valid about one time in ten, mutated otherwise.</summary>
    public byte[] Next()
    {
        var version = Versions[_random.Next(Versions.Length)];
        var items = ItemsOf(version);
        int count = _random.Next(10) switch { < 6 => 1, < 9 => 2 + _random.Next(8), _ => 50 + _random.Next(300) };
        var batch = new BatchItemRequest[count];
        batch[0] = items[0];
        for (int i = 1; i < count; i++) batch[i] = items[_random.Next(items.Count)];
        var message = KmipRequests.Message(version, batch);
        int choice = _random.Next(10);
        if (choice == 0) return TtlvWriter.Encode(message);
        if (choice < 6) return TtlvWriter.Encode(MutateTree(message, depth: 0));
        return MutateBytes(TtlvWriter.Encode(message));
    }

    private TtlvNode MutateTree(TtlvNode node, int depth)
    {
        if (node.Type != ItemType.Structure || node.Items.Count == 0 || depth > 12) return MutateLeaf(node);
        var children = node.Items.ToList();
        int at = _random.Next(children.Count);
        switch (_random.Next(6))
        {
            case 0: children.RemoveAt(at); break;                                           // a field missing
            case 1: children.Insert(at, children[at]); break;                               // a field repeated
            case 2: children[at] = MutateLeaf(children[at]); break;                         // a value of another type or size
            case 3: children.Insert(at, Deep(_random.Next(40))); break;                     // deep nesting
            case 4: (children[at], children[^1]) = (children[^1], children[at]); break;    // fields out of order
            default: children[at] = MutateTree(children[at], depth + 1); break;             // further down
        }
        return TtlvNode.Structure(node.RawTag, children);
    }

    private TtlvNode MutateLeaf(TtlvNode node) => _random.Next(7) switch
    {
        0 => TtlvNode.Text((Tag)node.RawTag, new string('A', _random.Next(2) == 0 ? 60_000 : _random.Next(300))),
        1 => TtlvNode.Integer((Tag)node.RawTag, _random.Next(2) == 0 ? int.MaxValue : -_random.Next(1000)),
        2 => TtlvNode.Bytes((Tag)node.RawTag, RandomBytes(_random.Next(64))),
        3 => TtlvNode.Enumeration((Tag)node.RawTag, (uint)_random.Next()),
        4 => TtlvNode.LongInteger((Tag)node.RawTag, _random.NextInt64()),
        5 => TtlvNode.Structure((Tag)node.RawTag),
        _ => TtlvNode.Text((Tag)(0x420000 | _random.Next(0x200)), "\u001b[2J\0\r\n"),
    };

    private static TtlvNode Deep(int levels)
    {
        var node = TtlvNode.Text(Tag.AttributeValue, "deep");
        for (int i = 0; i < levels; i++) node = TtlvNode.Structure(Tag.AttributeValue, node);
        return node;
    }

    private byte[] MutateBytes(byte[] bytes)
    {
        var headers = HeaderOffsets(bytes);
        switch (_random.Next(6))
        {
            case 0:
                for (int i = 0, n = 1 + _random.Next(8); i < n; i++) bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
                return bytes;
            case 1:
                bytes[_random.Next(bytes.Length)] = (byte)(_random.Next(2) == 0 ? 0x00 : 0xFF);
                return bytes;
            case 2: // a length field rewritten: too small, too large, huge
            {
                int h = headers[_random.Next(headers.Count)];
                int length = _random.Next(3) switch { 0 => _random.Next(8), 1 => _random.Next(1 << 20), _ => int.MaxValue - _random.Next(16) };
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(h + 4), length);
                return bytes;
            }
            case 3: // an item's type rewritten
                bytes[headers[_random.Next(headers.Count)] + 3] = (byte)_random.Next(0x0C);
                return bytes;
            case 4: // truncated
                return bytes[..Math.Max(8, _random.Next(bytes.Length))];
            default: // an item's tag rewritten
            {
                int h = headers[_random.Next(headers.Count)];
                bytes[h + 1] = (byte)_random.Next(2);
                bytes[h + 2] = (byte)_random.Next(256);
                return bytes;
            }
        }
    }

    private byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        _random.NextBytes(b);
        return b;
    }

    /// <summary>Where each item's 8-byte header starts in a well-formed message.</summary>
    private static List<int> HeaderOffsets(byte[] bytes)
    {
        var offsets = new List<int>();
        void Walk(int at, int end)
        {
            while (at + 8 <= end)
            {
                offsets.Add(at);
                int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 4));
                int padded = bytes[at + 3] == (byte)ItemType.Structure ? length : (length + 7) & ~7;
                if (bytes[at + 3] == (byte)ItemType.Structure) Walk(at + 8, Math.Min(end, at + 8 + length));
                at += 8 + padded;
            }
        }
        Walk(0, bytes.Length);
        return offsets;
    }
}
