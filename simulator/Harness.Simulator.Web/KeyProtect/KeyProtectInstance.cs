using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Harness.Simulator.Web.KeyProtect;

/// <summary>
/// One Key Protect service instance (its "bluemix-instance" ID) and its root keys, with real cryptography: each root key
/// version holds 256 bits of AES key material, and wrap is AES-256-GCM under the newest version. A ciphertext names the
/// version it was made under, so older ciphertexts still unwrap after a rotation. Thread-safe (one lock).
/// </summary>
/// <remarks>
/// Ciphertext layout (base64 in the API): "KPE1" (4 bytes) | key version ID (16 bytes, a UUID) | nonce (12) |
/// encrypted DEK | GCM tag (16). The GCM associated data binds the root key ID, the version ID and the request's
/// "aad" strings, so a ciphertext unwraps only with the same key and the same AAD.
/// </remarks>
public sealed class KeyProtectInstance
{
    private static readonly byte[] Magic = "KPE1"u8.ToArray();
    private const int NonceSize = 12, TagSize = 16, VersionIdSize = 16, HeaderSize = 4 + VersionIdSize + NonceSize;
    /// <summary>The largest DEK accepted for wrap (bytes; Key Protect documents 7,168 bytes for imported key material).</summary>
    public const int MaxPlaintextBytes = 7168;

    private readonly object _gate = new();
    private readonly List<RootKey> _keys = new();
    private readonly TimeProvider _time;

    public KeyProtectInstance(string instanceId, string region, string accountId, TimeProvider time)
    {
        InstanceId = instanceId;
        Region = region;
        AccountId = accountId;
        _time = time;
    }

    public string InstanceId { get; }
    public string Region { get; }
    public string AccountId { get; }

    /// <summary>Raised after a key's state or versions change (created, rotated, disabled, enabled, deleted): the dashboard listens.</summary>
    public event Action<RootKeyView>? Changed;

    private sealed class RootKey
    {
        public required string Id;
        public required string Name;
        public string? Description;
        public KeyState State = KeyState.Active;
        public required DateTimeOffset Created;
        public DateTimeOffset Updated;
        public DateTimeOffset? Rotated;
        public DateTimeOffset? DeletedAt;
        public string CreatedBy = "";
        public readonly List<(RootKeyVersion Version, byte[] Material)> Versions = new();
    }

    public string Crn(string keyId) => $"crn:v1:bluemix:public:kms:{Region}:a/{AccountId}:{InstanceId}:key:{keyId}";

    private RootKeyView View(RootKey k) => new(k.Id, k.Name, k.Description, k.State, Crn(k.Id), k.Created, k.Updated, k.Rotated, k.DeletedAt,
        k.Versions.Select(v => v.Version).ToList());

    /// <summary>Every key, deleted ones too, oldest first.</summary>
    public IReadOnlyList<RootKeyView> RootKeys
    {
        get { lock (_gate) return _keys.Select(View).ToList(); }
    }

    /// <summary>Creates a root key (state Active, one version). Names are 2 to 90 characters, as in Key Protect.</summary>
    public RootKeyView CreateRootKey(string name, string? description = null, string createdBy = "harness")
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length < 2 || name.Length > 90)
            throw KeyProtectError.BadBody("Key could not be created", $"the key name must be 2 to 90 characters, not '{name}'");
        var now = _time.GetUtcNow();
        var key = new RootKey { Id = Guid.NewGuid().ToString(), Name = name, Description = description, Created = now, Updated = now, CreatedBy = createdBy };
        key.Versions.Add((new RootKeyVersion(key.Id, now), RandomNumberGenerator.GetBytes(32)));  // the first version's ID is the key's
        RootKeyView view;
        lock (_gate)
        {
            _keys.Add(key);
            view = View(key);
        }
        Changed?.Invoke(view);
        return view;
    }

    /// <summary>A key by ID (deleted keys too: their state is Destroyed).</summary>
    /// <exception cref="KeyProtectError">404 KEY_NOT_FOUND_ERR.</exception>
    public RootKeyView Get(string id)
    {
        lock (_gate) return View(Find(id, "Key could not be retrieved"));
    }

    public string CreatedBy(string id)
    {
        lock (_gate) return Find(id, "Key could not be retrieved").CreatedBy;
    }

    private RootKey Find(string id, string action) =>
        _keys.FirstOrDefault(k => string.Equals(k.Id, id, StringComparison.OrdinalIgnoreCase)) ?? throw KeyProtectError.NotFound(action, id);

    private RootKey Usable(string id, string action)
    {
        var key = Find(id, action);
        if (key.State == KeyState.Destroyed) throw KeyProtectError.Deleted(action);
        return key;
    }

    private RootKeyView Change(string id, string action, Action<RootKey> change)
    {
        RootKeyView view;
        lock (_gate)
        {
            var key = Usable(id, action);
            change(key);
            key.Updated = _time.GetUtcNow();
            view = View(key);
        }
        Changed?.Invoke(view);
        return view;
    }

    /// <summary>Disable: Active → Suspended (2); wrap, unwrap and rotate then answer 409.</summary>
    public RootKeyView Disable(string id) => Change(id, "Key could not be disabled", k =>
    {
        if (k.State != KeyState.Active) throw KeyProtectError.InvalidState("Key is not in active state: Key could not be disabled", $"the key is {k.State} ({(int)k.State})");
        k.State = KeyState.Suspended;
    });

    /// <summary>Enable: Suspended → Active.</summary>
    public RootKeyView Enable(string id) => Change(id, "Key could not be enabled", k =>
    {
        if (k.State != KeyState.Suspended) throw KeyProtectError.InvalidState("Key is not in suspended state: Key could not be enabled", $"the key is {k.State} ({(int)k.State})");
        k.State = KeyState.Active;
    });

    /// <summary>Rotate: a new version with new key material becomes the one wraps use; older ciphertexts still unwrap.</summary>
    public RootKeyView Rotate(string id) => Change(id, "Key could not be rotated", k =>
    {
        if (k.State != KeyState.Active) throw KeyProtectError.InvalidState("Key could not be rotated", $"the key is {k.State} ({(int)k.State}); rotate needs Active (1)");
        var now = _time.GetUtcNow();
        k.Versions.Add((new RootKeyVersion(Guid.NewGuid().ToString(), now), RandomNumberGenerator.GetBytes(32)));
        k.Rotated = now;
    });

    /// <summary>Delete: the key becomes Destroyed (5) and its key material is erased; every action then answers 410.</summary>
    public RootKeyView Delete(string id) => Change(id, "Key could not be deleted", k =>
    {
        k.State = KeyState.Destroyed;
        k.DeletedAt = _time.GetUtcNow();
        foreach (var (_, material) in k.Versions) CryptographicOperations.ZeroMemory(material);
    });

    /// <summary>Wraps a DEK (or, when <paramref name="plaintext"/> is null, a new 256-bit DEK it makes) under the newest version.</summary>
    public WrapResult Wrap(string id, byte[]? plaintext, IReadOnlyList<string>? aad = null)
    {
        const string action = "Wrap with key could not be performed";
        if (plaintext is { Length: 0 or > MaxPlaintextBytes })
            throw KeyProtectError.BadBody(action, $"the plaintext must be 1 to {MaxPlaintextBytes} bytes, not {plaintext.Length}");
        var generated = plaintext is null;
        plaintext ??= RandomNumberGenerator.GetBytes(32);
        lock (_gate)
        {
            var key = Active(id, action);
            var (version, material) = key.Versions[^1];
            var versionId = Guid.Parse(version.Id);
            var output = new byte[HeaderSize + plaintext.Length + TagSize];
            Magic.CopyTo(output, 0);
            versionId.TryWriteBytes(output.AsSpan(4, VersionIdSize), bigEndian: true, out _);
            var nonce = output.AsSpan(4 + VersionIdSize, NonceSize);
            RandomNumberGenerator.Fill(nonce);
            using var gcm = new AesGcm(material, TagSize);
            gcm.Encrypt(nonce, plaintext, output.AsSpan(HeaderSize, plaintext.Length), output.AsSpan(HeaderSize + plaintext.Length), Associated(key.Id, version.Id, aad));
            return new WrapResult(generated ? plaintext : null, Convert.ToBase64String(output), version.Id);
        }
    }

    /// <summary>Unwraps a ciphertext of any version of the key; when it is not the newest, also answers it wrapped under the newest.</summary>
    public UnwrapResult Unwrap(string id, string ciphertext, IReadOnlyList<string>? aad = null) =>
        Unwrap(id, ciphertext, aad, "Unwrap with key could not be performed", alwaysRewrap: false);

    /// <summary>Rewrap: unwraps a ciphertext of any version and wraps the DEK under the newest version (the SDK's rewrapKey).</summary>
    public UnwrapResult Rewrap(string id, string ciphertext, IReadOnlyList<string>? aad = null) =>
        Unwrap(id, ciphertext, aad, "Rewrap with key could not be performed", alwaysRewrap: true);

    private UnwrapResult Unwrap(string id, string ciphertext, IReadOnlyList<string>? aad, string action, bool alwaysRewrap)
    {
        byte[] bytes;
        try { bytes = Convert.FromBase64String(ciphertext); }
        catch (FormatException) { throw KeyProtectError.BadBody(action, "the ciphertext is not base64"); }
        lock (_gate)
        {
            var key = Active(id, action);
            if (bytes.Length < HeaderSize + TagSize || !bytes.AsSpan(0, 4).SequenceEqual(Magic))
                throw KeyProtectError.BadCiphertext(action, "it is not a ciphertext this service made");
            var versionId = new Guid(bytes.AsSpan(4, VersionIdSize), bigEndian: true).ToString();
            var index = key.Versions.FindIndex(v => v.Version.Id == versionId);
            if (index < 0) throw KeyProtectError.BadCiphertext(action, "it was not wrapped by this key");
            var material = key.Versions[index].Material;
            var encryptedLength = bytes.Length - HeaderSize - TagSize;
            var plaintext = new byte[encryptedLength];
            try
            {
                using var gcm = new AesGcm(material, TagSize);
                gcm.Decrypt(bytes.AsSpan(4 + VersionIdSize, NonceSize), bytes.AsSpan(HeaderSize, encryptedLength),
                    bytes.AsSpan(HeaderSize + encryptedLength, TagSize), plaintext, Associated(key.Id, versionId, aad));
            }
            catch (AuthenticationTagMismatchException)
            {
                throw KeyProtectError.BadCiphertext(action, "authentication failed (the ciphertext was changed, or the aad differs from the wrap's)");
            }
            if (index == key.Versions.Count - 1 && !alwaysRewrap) return new UnwrapResult(plaintext, versionId, null, null);
            var rewrapped = Wrap(key.Id, plaintext, aad);  // the lock is re-entrant
            return new UnwrapResult(plaintext, versionId, rewrapped.Ciphertext, rewrapped.KeyVersionId);
        }
    }

    private RootKey Active(string id, string action)
    {
        var key = Usable(id, action);
        if (key.State != KeyState.Active)
            throw KeyProtectError.InvalidState(action, $"the key is {key.State} ({(int)key.State}); wrap and unwrap need Active (1)");
        return key;
    }

    /// <summary>GCM associated data: the key ID, the version ID, then each AAD string, each length-prefixed (so ["ab","c"] ≠ ["a","bc"]).</summary>
    private static byte[] Associated(string keyId, string versionId, IReadOnlyList<string>? aad)
    {
        var parts = new List<string> { keyId, versionId };
        if (aad is not null) parts.AddRange(aad);
        var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var part in parts)
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }
        return buffer.ToArray();
    }
}
