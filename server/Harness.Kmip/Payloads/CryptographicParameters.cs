namespace Harness.Kmip.Payloads;

/// <summary>
/// Cryptographic Parameters (KMIP 1.4 §3.6, 2.1 §7.6): the fields the cryptographic operations read. Any field may be
/// absent; an operation takes the missing ones from the key's own Cryptographic Parameters or its algorithm.
/// </summary>
public sealed record CryptographicParameters(
    CryptographicAlgorithm? CryptographicAlgorithm = null,
    HashingAlgorithm? HashingAlgorithm = null,
    BlockCipherMode? BlockCipherMode = null,
    PaddingMethod? PaddingMethod = null,
    bool? RandomIV = null,
    int? IVLength = null,
    int? TagLength = null,
    int? CounterLength = null,
    int? InitialCounterValue = null,
    DigitalSignatureAlgorithm? DigitalSignatureAlgorithm = null,
    int? SaltLength = null,
    MaskGenerator? MaskGenerator = null,
    HashingAlgorithm? MaskGeneratorHashingAlgorithm = null,
    byte[]? PSource = null,
    int? TrailerField = null)
{
    /// <summary>The structure, its fields in the order KMIP 1.4 §3.6 gives them.</summary>
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.CryptographicParameters,
        BlockCipherMode is { } m ? TtlvNode.Enumeration(Tag.BlockCipherMode, (uint)m) : null,
        PaddingMethod is { } p ? TtlvNode.Enumeration(Tag.PaddingMethod, (uint)p) : null,
        HashingAlgorithm is { } h ? TtlvNode.Enumeration(Tag.HashingAlgorithm, (uint)h) : null,
        DigitalSignatureAlgorithm is { } ds ? TtlvNode.Enumeration(Tag.DigitalSignatureAlgorithm, (uint)ds) : null,
        CryptographicAlgorithm is { } a ? TtlvNode.Enumeration(Tag.CryptographicAlgorithm, (uint)a) : null,
        RandomIV is { } r ? TtlvNode.Boolean(Tag.RandomIV, r) : null,
        IVLength is { } iv ? TtlvNode.Integer(Tag.IVLength, iv) : null,
        TagLength is { } t ? TtlvNode.Integer(Tag.TagLength, t) : null,
        CounterLength is { } c ? TtlvNode.Integer(Tag.CounterLength, c) : null,
        InitialCounterValue is { } i ? TtlvNode.Integer(Tag.InitialCounterValue, i) : null,
        SaltLength is { } salt ? TtlvNode.Integer(Tag.SaltLength, salt) : null,
        MaskGenerator is { } mg ? TtlvNode.Enumeration(Tag.MaskGenerator, (uint)mg) : null,
        MaskGeneratorHashingAlgorithm is { } mgh ? TtlvNode.Enumeration(Tag.MaskGeneratorHashingAlgorithm, (uint)mgh) : null,
        PSource is { } ps ? TtlvNode.Bytes(Tag.PSource, ps) : null,
        TrailerField is { } tf ? TtlvNode.Integer(Tag.TrailerField, tf) : null);

    public static CryptographicParameters? From(TtlvNode? node) => node is null ? null : new(
        node.Child(Tag.CryptographicAlgorithm)?.AsEnumOf<CryptographicAlgorithm>(),
        node.Child(Tag.HashingAlgorithm)?.AsEnumOf<HashingAlgorithm>(),
        node.Child(Tag.BlockCipherMode)?.AsEnumOf<BlockCipherMode>(),
        node.Child(Tag.PaddingMethod)?.AsEnumOf<PaddingMethod>(),
        node.Child(Tag.RandomIV)?.AsBoolean,
        node.Child(Tag.IVLength)?.AsInt32,
        node.Child(Tag.TagLength)?.AsInt32,
        node.Child(Tag.CounterLength)?.AsInt32,
        node.Child(Tag.InitialCounterValue)?.AsInt32,
        node.Child(Tag.DigitalSignatureAlgorithm)?.AsEnumOf<DigitalSignatureAlgorithm>(),
        node.Child(Tag.SaltLength)?.AsInt32,
        node.Child(Tag.MaskGenerator)?.AsEnumOf<MaskGenerator>(),
        node.Child(Tag.MaskGeneratorHashingAlgorithm)?.AsEnumOf<HashingAlgorithm>(),
        node.Child(Tag.PSource)?.AsBytes,
        node.Child(Tag.TrailerField)?.AsInt32);

    /// <summary>These parameters, each field not given taken from <paramref name="fallback"/> (a key's own Cryptographic Parameters).</summary>
    public CryptographicParameters Over(CryptographicParameters fallback) => new(
        CryptographicAlgorithm ?? fallback.CryptographicAlgorithm, HashingAlgorithm ?? fallback.HashingAlgorithm,
        BlockCipherMode ?? fallback.BlockCipherMode, PaddingMethod ?? fallback.PaddingMethod, RandomIV ?? fallback.RandomIV,
        IVLength ?? fallback.IVLength, TagLength ?? fallback.TagLength, CounterLength ?? fallback.CounterLength,
        InitialCounterValue ?? fallback.InitialCounterValue, DigitalSignatureAlgorithm ?? fallback.DigitalSignatureAlgorithm,
        SaltLength ?? fallback.SaltLength, MaskGenerator ?? fallback.MaskGenerator,
        MaskGeneratorHashingAlgorithm ?? fallback.MaskGeneratorHashingAlgorithm, PSource ?? fallback.PSource, TrailerField ?? fallback.TrailerField);
}

/// <summary>
/// The streaming fields every cryptographic operation shares (KMIP 1.4 §2.1.10, 2.1 §2.1.10 "by parts"): the Correlation
/// Value of a stream in progress, and the Init and Final Indicators that open and close it.
/// </summary>
public sealed record StreamPart(byte[]? CorrelationValue = null, bool? InitIndicator = null, bool? FinalIndicator = null)
{
    public static readonly StreamPart Single = new();

    /// <summary>A single-part request: no indicators and no correlation value.</summary>
    public bool IsSinglePart => CorrelationValue is null && InitIndicator is null && FinalIndicator is null;

    public IEnumerable<TtlvNode?> ToNodes() =>
    [
        CorrelationValue is { } c ? TtlvNode.Bytes(Tag.CorrelationValue, c) : null,
        InitIndicator is { } i ? TtlvNode.Boolean(Tag.InitIndicator, i) : null,
        FinalIndicator is { } f ? TtlvNode.Boolean(Tag.FinalIndicator, f) : null,
    ];

    public static StreamPart From(TtlvNode payload) => new(
        payload.Child(Tag.CorrelationValue)?.AsBytes,
        payload.Child(Tag.InitIndicator)?.AsBoolean,
        payload.Child(Tag.FinalIndicator)?.AsBoolean);
}

/// <summary>The fields a cryptographic request (Encrypt, Decrypt, Sign, Signature Verify, MAC, MAC Verify) opens with, in the spec's order.</summary>
public static class CryptographicRequest
{
    /// <summary>The key (absent: the ID Placeholder), its Cryptographic Parameters, the Data (or this part of it).</summary>
    public static IEnumerable<TtlvNode?> Head(string? uniqueIdentifier, CryptographicParameters? parameters, byte[]? data) =>
    [
        uniqueIdentifier is { } id ? TtlvNode.Text(Tag.UniqueIdentifier, id) : null,
        parameters?.ToNode(),
        data is { } d ? TtlvNode.Bytes(Tag.Data, d) : null,
    ];
}
