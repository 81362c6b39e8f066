using System.Security.Cryptography;
using System.Text;

namespace Harness.Kmip.Server;

/// <summary>
/// The request header's Credential (KMIP 1.4 §2.1.2, 2.1 §2.4): whom a request runs as. A ticket (Login, Delegated
/// Login) is checked whenever one is given. With users or devices configured a credential is required: Username and
/// Password; Hashed Password (Hash(S1 ‖ Timestamp) ‖ S2, S1 = Hash(Username ‖ Password), S2 = Hash(Password ‖
/// Username), its timestamp later than the user's last and within five minutes of the server's clock); One Time Password
/// (the user's RFC 6238 code, each used once, with the password when given); Device (every field the configured device
/// names). Any failure is Authentication Not Successful, saying why. An Attestation credential (nonce and measurement)
/// is checked apart, for the operations that need one (<see cref="Attested"/>).
/// </summary>
public sealed class Credentials(KmsState kms)
{
    /// <summary>How far a Hashed Password's timestamp may be from the server's clock.</summary>
    public static readonly TimeSpan HashedPasswordWindow = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, long> _lastHashedTimestamp = new(), _lastOneTimeStep = new();

    /// <summary>Nonces sent with Attestation Required and not used yet, by Nonce ID (KMIP 1.4 §2.1.14).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (byte[] Value, DateTimeOffset Expires)> _nonces = new();

    /// <summary>How long a nonce the server sent may be answered with an Attestation credential.</summary>
    public static readonly TimeSpan NonceLifetime = TimeSpan.FromMinutes(5);

    /// <summary>A fresh Nonce for an Attestation Required answer.</summary>
    public TtlvNode IssueNonce()
    {
        var now = kms.Time.GetUtcNow();
        foreach (var old in _nonces.Where(n => n.Value.Expires <= now).Select(n => n.Key).ToList()) _nonces.TryRemove(old, out _);
        byte[] id = RandomNumberGenerator.GetBytes(8), value = RandomNumberGenerator.GetBytes(32);
        _nonces[Convert.ToHexString(id)] = (value, now + NonceLifetime);
        return TtlvNode.Structure(Tag.Nonce, TtlvNode.Bytes(Tag.NonceID, id), TtlvNode.Bytes(Tag.NonceValue, value));
    }

    /// <summary>
    /// Whether the header carries a valid Attestation credential (beside any other): a Nonce the server issued (each
    /// used once) and a measurement the server accepts. One that is not valid is Attestation Failed, saying why.
    /// </summary>
    public bool Attested(TtlvNode header)
    {
        var attestation = header.Child(Tag.Authentication)?.ChildrenOf(Tag.Credential)
            .FirstOrDefault(c => c.Child(Tag.CredentialType) is { Type: ItemType.Enumeration } t && t.AsEnumOf<CredentialType>() == CredentialType.Attestation);
        if (attestation is null) return false;
        var value = attestation.Required(Tag.CredentialValue);
        var nonce = value.Required(Tag.Nonce);
        var id = Convert.ToHexString(nonce.Required(Tag.NonceID).AsBytes);
        if (!_nonces.TryRemove(id, out var issued) || issued.Expires <= kms.Time.GetUtcNow()
            || !CryptographicOperations.FixedTimeEquals(issued.Value, nonce.Required(Tag.NonceValue).AsBytes))
            throw new KmipException(ResultReason.AttestationFailed, "the attestation's Nonce is not one this server issued (or it was used, or it expired): ask again for a new one");
        var measurement = value.Child(Tag.AttestationMeasurement)?.AsBytes
            ?? throw new KmipException(ResultReason.AttestationFailed, "this server verifies an Attestation Measurement; an Attestation Assertion alone is not accepted");
        if (!kms.Options.AcceptedAttestationMeasurements.Any(m => CryptographicOperations.FixedTimeEquals(m, measurement)))
            throw new KmipException(ResultReason.AttestationFailed, "the Attestation Measurement is not one this server accepts");
        return true;
    }

    /// <summary>Whom the request runs as, and within which rights (null: all of that client's).</summary>
    public (ClientIdentity RunAs, TicketRights? Rights) Authenticate(TtlvNode header, ClientIdentity client)
    {
        var options = kms.Options;
        // An Attestation credential rides beside the one that identifies the client (Authentication holds several).
        var credential = header.Child(Tag.Authentication)?.ChildrenOf(Tag.Credential)
            .FirstOrDefault(c => c.Child(Tag.CredentialType) is not { Type: ItemType.Enumeration } t || t.AsEnumOf<CredentialType>() != CredentialType.Attestation);
        var type = credential?.Child(Tag.CredentialType) is { Type: ItemType.Enumeration } t ? t.AsEnumOf<CredentialType>() : (CredentialType?)null;
        if (type == CredentialType.Ticket)
        {
            var (owner, rights) = kms.Tickets.Use(credential!.Required(Tag.CredentialValue).Required(Tag.TicketValue).AsBytes, client.Id, kms.Time.GetUtcNow());
            return (owner == client.Id ? client : client with { Id = owner }, rights);
        }
        if (options.Users.Count == 0 && options.Devices.Count == 0) return (client, null); // the certificate alone identifies the client
        if (credential is null)
            throw Refused("this server requires a Credential in the request header (Username and Password, Hashed Password, One Time Password, Device, or a Login ticket)");
        var value = credential.Required(Tag.CredentialValue);
        switch (credential.Required(Tag.CredentialType).AsEnumOf<CredentialType>())
        {
            case CredentialType.UsernameAndPassword:
                var user = value.Required(Tag.Username).AsText;
                if (!PasswordMatches(user, value.Child(Tag.Password)?.AsText ?? "")) throw Refused($"wrong username or password for '{user}'");
                break;
            case CredentialType.HashedPassword:
                CheckHashedPassword(value);
                break;
            case CredentialType.OneTimePassword:
                CheckOneTimePassword(value);
                break;
            case CredentialType.Device:
                if (!options.Devices.Any(d => DeviceMatches(d, value)))
                    throw Refused("no device this server knows presents these identifiers (and password)");
                break;
            case var other:
                throw Refused($"credential type {other} is not accepted; use Username and Password, Hashed Password, One Time Password, Device, or a Login ticket");
        }
        return (client, null);
    }

    private static KmipException Refused(string message) => new(ResultReason.AuthenticationNotSuccessful, message);

    private bool PasswordMatches(string user, string password) =>
        kms.Options.Users.TryGetValue(user, out var expected) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(password));

    private void CheckHashedPassword(TtlvNode value)
    {
        var user = value.Required(Tag.Username).AsText;
        var stamp = value.Required(Tag.TimeStamp);
        long micros = stamp.Type == ItemType.DateTimeExtended ? stamp.AsDateTimeExtended : stamp.AsDateTime.ToUnixTimeMilliseconds() * 1000;
        var algorithm = value.Child(Tag.HashingAlgorithm)?.AsEnumOf<HashingAlgorithm>() ?? HashingAlgorithm.SHA_256;
        Func<byte[], byte[]> hash = algorithm switch
        {
            HashingAlgorithm.SHA_1 => SHA1.HashData,
            HashingAlgorithm.SHA_256 => SHA256.HashData,
            HashingAlgorithm.SHA_384 => SHA384.HashData,
            HashingAlgorithm.SHA_512 => SHA512.HashData,
            _ => throw Refused($"Hashing Algorithm {algorithm} is not accepted for a Hashed Password; use SHA-256 (the default), SHA-384, SHA-512 or SHA-1"),
        };
        if (!kms.Options.Users.TryGetValue(user, out var password)) throw Refused($"wrong username or hashed password for '{user}'");
        var now = kms.Time.GetUtcNow();
        var when = DateTimeOffset.UnixEpoch.AddTicks(micros * TimeSpan.TicksPerMicrosecond);
        if ((when - now).Duration() > HashedPasswordWindow)
            throw Refused($"the Hashed Password's timestamp {when:u} is more than {HashedPasswordWindow.TotalMinutes:0} minutes from the server's time {now:u}");
        var timestamp = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(timestamp, micros);
        byte[] s1 = hash(Encoding.UTF8.GetBytes(user + password)), s2 = hash(Encoding.UTF8.GetBytes(password + user));
        byte[] expected = [.. hash([.. s1, .. timestamp]), .. s2];
        if (!CryptographicOperations.FixedTimeEquals(expected, value.Required(Tag.HashedPassword).AsBytes))
            throw Refused($"wrong username or hashed password for '{user}'");
        if (!AdvancesPast(_lastHashedTimestamp, user, micros))
            throw Refused($"the Hashed Password's timestamp for '{user}' is not later than the last one used: it was replayed");
    }

    private void CheckOneTimePassword(TtlvNode value)
    {
        var user = value.Required(Tag.Username).AsText;
        if (value.Child(Tag.Password) is { } password && !PasswordMatches(user, password.AsText)) throw Refused($"wrong username or password for '{user}'");
        if (!kms.Options.OneTimePasswordSecrets.TryGetValue(user, out var secret))
            throw Refused($"no one-time password secret is configured for '{user}'");
        var code = value.Required(Tag.OneTimePassword).AsText;
        long step = kms.Time.GetUtcNow().ToUnixTimeSeconds() / 30;
        foreach (var candidate in new[] { step, step - 1, step + 1 })
        {
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Totp(secret, candidate)), Encoding.ASCII.GetBytes(code))) continue;
            if (!AdvancesPast(_lastOneTimeStep, user, candidate)) throw Refused($"the one-time password of '{user}' was used already");
            return;
        }
        throw Refused($"wrong one-time password for '{user}'");
    }

    /// <summary>Records <paramref name="value"/> as the user's last one if it is later than the last; false when it is not (a replay).</summary>
    private static bool AdvancesPast(Dictionary<string, long> last, string user, long value)
    {
        lock (last)
        {
            if (last.TryGetValue(user, out var previous) && value <= previous) return false;
            last[user] = value;
            return true;
        }
    }

    /// <summary>RFC 6238 TOTP with HMAC-SHA1 and 6 digits for time step <paramref name="step"/> (RFC 4226 dynamic truncation).</summary>
    public static string Totp(byte[] secret, long step)
    {
        var counter = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var mac = HMACSHA1.HashData(secret, counter);
        int offset = mac[^1] & 0x0F;
        int binary = ((mac[offset] & 0x7F) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool DeviceMatches(DeviceCredential device, TtlvNode value)
    {
        (string? Expected, Tag Tag)[] fields =
        [
            (device.DeviceSerialNumber, Tag.DeviceSerialNumber), (device.Password, Tag.Password), (device.DeviceIdentifier, Tag.DeviceIdentifier),
            (device.NetworkIdentifier, Tag.NetworkIdentifier), (device.MachineIdentifier, Tag.MachineIdentifier), (device.MediaIdentifier, Tag.MediaIdentifier),
        ];
        return fields.Any(f => f.Expected is not null) && fields.All(f => f.Expected is null
            || value.Child(f.Tag) is { Type: ItemType.TextString } given && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(f.Expected), Encoding.UTF8.GetBytes(given.AsText)));
    }
}
