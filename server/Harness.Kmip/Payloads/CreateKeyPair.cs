namespace Harness.Kmip.Payloads;

/// <summary>Create Key Pair response (KMIP 1.4 §4.2, 2.1 §6.1.9): the identifiers of the new private and public keys.</summary>
public sealed record CreateKeyPairResponse(string PrivateKeyUniqueIdentifier, string PublicKeyUniqueIdentifier)
{
    public TtlvNode ToNode() => TtlvNode.Structure(Tag.ResponsePayload,
        TtlvNode.Text(Tag.PrivateKeyUniqueIdentifier, PrivateKeyUniqueIdentifier),
        TtlvNode.Text(Tag.PublicKeyUniqueIdentifier, PublicKeyUniqueIdentifier));

    public static CreateKeyPairResponse From(TtlvNode payload) => new(
        payload.Required(Tag.PrivateKeyUniqueIdentifier).AsText, payload.Required(Tag.PublicKeyUniqueIdentifier).AsText);
}
