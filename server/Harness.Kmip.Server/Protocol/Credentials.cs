using System.Security.Cryptography;
using System.Text;

namespace Harness.Kmip.Server;

/// <summary>
/// The request header's Credential (KMIP 1.4 §2.1.2, 2.1 §2.4): whom a request runs as. A ticket (Login, Delegated
/// Login) is checked whenever one is given. With users or devices configured a credential is required: Username and
/// Password; Hashed Password (Hash(S1 ‖ Timestamp) ‖ S2, S1 = Hash(Username ‖ Password), S2 = Hash(Password ‖
/// Username), its timestamp later than the user's last and within five minutes of the server's clock); One Time Password
/// (the user's RFC 6238 code, each used once, with the password when given); Device (every field the configured device
/// names). Attestation is not supported. Any failure is Authentication Not Successful, saying why.
/// </summary>
public sealed class Credentials(KmsState kms)
{
    /// <summary>How far a Hashed Password's timestamp may be from the server's clock.</summary>
    public static readonly TimeSpan HashedPasswordWindow = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, long> _lastHashedTimestamp = new(), _lastOneTimeStep = new();

    /// <summary>Whom the request runs as, and within which rights (null: all of that client's).</summary>
    public (ClientIdentity RunAs, TicketRights? Rights) Authenticate(TtlvNode header, ClientIdentity client)
    {
        var options = kms.Options;
        var credential = header.Child(Tag.Authentication)?.Child(Tag.Credential);
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
