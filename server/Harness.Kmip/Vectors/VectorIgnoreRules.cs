namespace Harness.Kmip.Vectors;

/// <summary>Where an object the server returned came from, as far as the current vector file shows.</summary>
public enum ObjectOrigin
{
    /// <summary>Not created or registered in this file (found by Locate, left by an earlier file, ...).</summary>
    Unknown,
    /// <summary>Created by the server from random bits: Create, Create Key Pair, Re-key, Re-key Key Pair, Derive Key, Create Split Key, Certify, Re-certify.</summary>
    ServerGenerated,
    /// <summary>Key material supplied by the client: Register, Import.</summary>
    ClientSupplied,
}

/// <summary>What the comparer knows about a value of the expected response when it consults the ignore rules.</summary>
/// <param name="Tag">The item's tag.</param>
/// <param name="Type">The item's type.</param>
/// <param name="EffectiveTag">The tag whose meaning the value has: for a KMIP 1.x Attribute Value, the attribute named by Attribute Name.</param>
/// <param name="Ancestors">Tags from the message root down to the item's parent.</param>
/// <param name="Operation">The operation of the enclosing batch item, if any.</param>
/// <param name="Origin">Origin of the object the batch item's payload names (its Unique Identifier).</param>
/// <param name="RandomizedScheme">The request, or the request that made the object, selects a randomized scheme (OAEP, PSS, DSA, ECDSA).</param>
/// <param name="ServerChoseIv">The response carries an IV / counter / nonce the request did not give.</param>
public sealed record IgnoreContext(
    int Tag, ItemType Type, int EffectiveTag, IReadOnlyList<int> Ancestors, Operation? Operation, ObjectOrigin Origin,
    bool RandomizedScheme, bool ServerChoseIv)
{
    public bool Under(Tag tag) => Ancestors.Contains((int)tag);
    public bool InPayload => Under(Kmip.Tag.ResponsePayload);
}

/// <summary>One row of the ignore table: a field whose value is by nature different on every run.</summary>
/// <param name="Name">Short name of the rule (shown in diagnostics).</param>
/// <param name="Field">The item(s) concerned.</param>
/// <param name="Condition">When the rule applies.</param>
/// <param name="Reason">Why the value cannot be compared.</param>
public sealed record IgnoreRule(string Name, string Field, string Condition, string Reason, Func<IgnoreContext, bool> Applies);

/// <summary>
/// Values of an expected response that are not compared (their tag, type and position still are).
/// <para>Besides this table, placeholders in the expected response match any value of the right type: <c>$NOW</c>,
/// <c>$NOW-N</c>, <c>$NOW+N</c> (dates relative to the run) match any Date-Time; <c>$UNIQUE_IDENTIFIER_n</c> and
/// the other <c>$NAME_n</c> placeholders bind the value on first sight and must equal it afterwards. A Result Message
/// (free text, optional, KMIP 1.4 §6.11) is removed from both sides of a batch item before comparing, so a failure is
/// checked by Result Status and Result Reason only.</para>
/// <code>
/// | Rule                 | Field                                              | Ignored when                                          |
/// |----------------------|----------------------------------------------------|-------------------------------------------------------|
/// | TimeStamp            | Time Stamp                                         | always (server clock)                                 |
/// | CorrelationValue     | Client / Server Correlation Value                  | always                                                |
/// | LiteralIdentifier    | Unique / Private Key / Public Key / Linked Object  | expected is literal text, not $UNIQUE_IDENTIFIER_n    |
/// |                      | Identifier (Text String)                           | (identifiers are server-assigned)                     |
/// | KeyMaterial          | Key Material and everything below it               | object not registered by the client in this file      |
/// | Digest               | Digest Value                                       | object not registered by the client in this file      |
/// | RngOutput            | Data of RNG Retrieve                               | always (random bytes)                                 |
/// | ServerIv             | IV/Counter/Nonce in a response payload             | always (server-chosen IV)                             |
/// | Ciphertext           | Data, Authenticated Encryption Tag of Encrypt      | key not client-supplied, server-chosen IV, or OAEP    |
/// | Plaintext            | Data of Decrypt                                    | key not client-supplied                               |
/// | Signature            | Signature Data of Sign                             | key not client-supplied, or PSS / DSA / ECDSA         |
/// | Mac                  | MAC Data of MAC                                    | key not client-supplied                               |
/// </code>
/// <para>Structural relaxations, for what the spec leaves to each server (ResponseComparer):</para>
/// <code>
/// | Correlation values   | Client/Server Correlation Value in a response header | may be absent (optional, KMIP 2.1 §7.1)           |
/// | Query lists          | Operation, Object Type, Vendor Identification, Server | each kind the vector lists must be present; the   |
/// |                      | Information, Application Namespace of Query           | members are the server's own                       |
/// | Unnamed attributes   | Get Attributes without names, Get Attribute List      | any order; attributes beyond the vector's allowed  |
/// | RNG description      | Random Number Generator attribute value               | presence and type only (the server's own RNG)      |
/// </code>
/// </summary>
public static class VectorIgnoreRules
{
    private static readonly HashSet<int> IdentifierTags =
    [
        (int)Tag.UniqueIdentifier, (int)Tag.PrivateKeyUniqueIdentifier, (int)Tag.PublicKeyUniqueIdentifier,
        (int)Tag.LinkedObjectIdentifier,
    ];

    private static bool NotClientSupplied(IgnoreContext c) => c.Origin != ObjectOrigin.ClientSupplied;

    public static IReadOnlyList<IgnoreRule> All { get; } =
    [
        new("TimeStamp", "Time Stamp", "always",
            "the server's clock (KMIP 1.4 §6.5)",
            c => c.Tag == (int)Tag.TimeStamp),
        new("CorrelationValue", "Client Correlation Value, Server Correlation Value", "always",
            "chosen per message for log correlation (KMIP 2.1 §6.3.6, §6.3.7)",
            c => c.Tag is (int)Tag.ClientCorrelationValue or (int)Tag.ServerCorrelationValue),
        new("LiteralIdentifier", "Unique Identifier, Private/Public Key Unique Identifier, Linked Object Identifier",
            "the expected value is literal text instead of a $UNIQUE_IDENTIFIER_n placeholder",
            "identifiers are assigned by the server (KMIP 1.4 §3.1)",
            c => c.Type == ItemType.TextString && IdentifierTags.Contains(c.EffectiveTag)),
        new("KeyMaterial", "Key Material and its contents", "the object was not registered by the client in this file",
            "key bits generated by the server are random",
            c => (c.Tag == (int)Tag.KeyMaterial || c.Under(Tag.KeyMaterial)) && NotClientSupplied(c)),
        new("Digest", "Digest Value", "the object was not registered by the client in this file",
            "the digest of random key bits is random (KMIP 1.4 §3.17)",
            c => c.Tag == (int)Tag.DigestValue && NotClientSupplied(c)),
        new("RngOutput", "Data of an RNG Retrieve response", "always",
            "random bytes (KMIP 1.4 §4.35)",
            c => c.Tag == (int)Tag.Data && c.Operation == Operation.RNGRetrieve),
        new("ServerIv", "IV/Counter/Nonce in a response payload", "always",
            "the server generates the IV when the request has none (KMIP 1.4 §4.29)",
            c => c.Tag == (int)Tag.IVCounterNonce && c.InPayload),
        new("Ciphertext", "Data and Authenticated Encryption Tag of an Encrypt response",
            "the key is not client-supplied, the server chose the IV, or the padding is OAEP",
            "ciphertext under a random key or IV, or with randomized padding, is random",
            c => c.Operation == Operation.Encrypt && c.Tag is (int)Tag.Data or (int)Tag.AuthenticatedEncryptionTag &&
                 (NotClientSupplied(c) || c.ServerChoseIv || c.RandomizedScheme)),
        new("Plaintext", "Data of a Decrypt response", "the key is not client-supplied",
            "ciphertext from another run decrypts to other bytes under a key the server made at random",
            c => c.Operation == Operation.Decrypt && c.Tag == (int)Tag.Data && NotClientSupplied(c)),
        new("Signature", "Signature Data of a Sign response", "the key is not client-supplied, or the scheme is PSS, DSA or ECDSA",
            "signatures by a random key or with a randomized scheme are random",
            c => c.Operation == Operation.Sign && c.Tag == (int)Tag.SignatureData && (NotClientSupplied(c) || c.RandomizedScheme)),
        new("Mac", "MAC Data of a MAC response", "the key is not client-supplied",
            "a MAC under a random key is random",
            c => c.Operation == Operation.MAC && c.Tag == (int)Tag.MACData && NotClientSupplied(c)),
    ];

    /// <summary>The first rule that applies, or null when the value must be compared.</summary>
    public static IgnoreRule? Find(IgnoreContext context)
    {
        foreach (var rule in All) if (rule.Applies(context)) return rule;
        return null;
    }
}
