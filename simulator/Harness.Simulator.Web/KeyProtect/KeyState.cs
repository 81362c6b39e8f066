namespace Harness.Simulator.Web.KeyProtect;

/// <summary>Key Protect's key states (the integers its API answers in "state"), after NIST SP 800-57.</summary>
public enum KeyState
{
    PreActivation = 0,
    Active = 1,
    /// <summary>Disabled: wrap, unwrap and rotate answer 409 KEY_ACTION_INVALID_STATE_ERR until the key is enabled.</summary>
    Suspended = 2,
    Deactivated = 3,
    /// <summary>Deleted: every action answers 410 KEY_DELETED_ERR.</summary>
    Destroyed = 5,
}

/// <summary>One version of a root key (a rotation adds one; ciphertexts of older versions still unwrap).</summary>
public sealed record RootKeyVersion(string Id, DateTimeOffset CreationDate);

/// <summary>What a root key looks like now (for the dashboard and scenarios): never its key material.</summary>
public sealed record RootKeyView(
    string Id,
    string Name,
    string? Description,
    KeyState State,
    string Crn,
    DateTimeOffset CreationDate,
    DateTimeOffset LastUpdateDate,
    DateTimeOffset? LastRotateDate,
    DateTimeOffset? DeletionDate,
    IReadOnlyList<RootKeyVersion> Versions)
{
    public bool Deleted => State == KeyState.Destroyed;
    public RootKeyVersion CurrentVersion => Versions[^1];
}

/// <summary>The answer of a wrap: the ciphertext, the version it was wrapped under and, when the service made the DEK, the DEK.</summary>
public sealed record WrapResult(byte[]? GeneratedPlaintext, string Ciphertext, string KeyVersionId);

/// <summary>The answer of an unwrap: the DEK, the version the given ciphertext was made under ("keyVersion") and, when
/// that is not the newest, the DEK wrapped under the newest version ("ciphertext") and that version ("rewrappedKeyVersion").</summary>
public sealed record UnwrapResult(byte[] Plaintext, string KeyVersionId, string? RewrappedCiphertext, string? RewrappedKeyVersionId);
