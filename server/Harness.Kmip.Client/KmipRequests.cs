using System.Security.Cryptography;

namespace Harness.Kmip.Client;

/// <summary>One Request Batch Item (KMIP 1.4 §7.2, Table 283): the operation, an optional Unique Batch Item ID and the
/// Request Payload structure.</summary>
public sealed record BatchItemRequest(Operation Operation, TtlvNode Payload, byte[]? UniqueBatchItemId = null)
{
    public TtlvNode ToTtlv() => TtlvNode.Structure(Tag.BatchItem,
        TtlvNode.Enumeration(Tag.Operation, Operation),
        UniqueBatchItemId is null ? null : TtlvNode.Bytes(Tag.UniqueBatchItemID, UniqueBatchItemId),
        Payload.Tag == Tag.RequestPayload ? Payload : Payload.WithTag(Tag.RequestPayload));
}

/// <summary>A Credential of the Request Header's Authentication (KMIP 1.4 §2.1.2, 2.1 §2.1.2).</summary>
public abstract record KmipCredential
{
    public abstract TtlvNode ToTtlv();
}

/// <summary>A Username and Password Credential (KMIP 1.4 §2.1.2, Credential Type 1).</summary>
public sealed record UsernamePasswordCredential(string Username, string? Password) : KmipCredential
{
    public override TtlvNode ToTtlv() => TtlvNode.Structure(Tag.Credential,
        TtlvNode.Enumeration(Tag.CredentialType, CredentialType.UsernameAndPassword),
        TtlvNode.Structure(Tag.CredentialValue,
            TtlvNode.Text(Tag.Username, Username),
            Password is null ? null : TtlvNode.Text(Tag.Password, Password)));

    public override string ToString() => $"UsernamePasswordCredential {{ Username = {Username}, Password = {(Password is null ? "(none)" : "***")} }}";
}

/// <summary>
/// A Hashed Password Credential (KMIP 2.1 §2.1.2, Credential Type 5): Hash(S1 ‖ Timestamp) ‖ S2 with S1 =
/// Hash(Username ‖ Password), S2 = Hash(Password ‖ Username), the Timestamp's 8 bytes big-endian microseconds; SHA-256.
/// The password itself is never sent.
/// </summary>
public sealed record HashedPasswordCredential(string Username, string Password, DateTimeOffset Timestamp) : KmipCredential
{
    public override TtlvNode ToTtlv()
    {
        long micros = (Timestamp - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        var stamp = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(stamp, micros);
        byte[] s1 = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Username + Password));
        byte[] s2 = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Password + Username));
        return TtlvNode.Structure(Tag.Credential,
            TtlvNode.Enumeration(Tag.CredentialType, CredentialType.HashedPassword),
            TtlvNode.Structure(Tag.CredentialValue, TtlvNode.Text(Tag.Username, Username), TtlvNode.DateTimeExtended(Tag.TimeStamp, micros),
                TtlvNode.Bytes(Tag.HashedPassword, [.. SHA256.HashData([.. s1, .. stamp]), .. s2])));
    }

    public override string ToString() => $"HashedPasswordCredential {{ Username = {Username}, Password = ***, Timestamp = {Timestamp:u} }}";
}

/// <summary>A One Time Password Credential (KMIP 2.1 §2.1.2, Credential Type 4): the user's one-time code, with its password when given.</summary>
public sealed record OneTimePasswordCredential(string Username, string OneTimePassword, string? Password = null) : KmipCredential
{
    public override TtlvNode ToTtlv() => TtlvNode.Structure(Tag.Credential,
        TtlvNode.Enumeration(Tag.CredentialType, CredentialType.OneTimePassword),
        TtlvNode.Structure(Tag.CredentialValue, TtlvNode.Text(Tag.Username, Username),
            Password is null ? null : TtlvNode.Text(Tag.Password, Password), TtlvNode.Text(Tag.OneTimePassword, OneTimePassword)));

    public override string ToString() => $"OneTimePasswordCredential {{ Username = {Username}, *** }}";
}

/// <summary>A Device Credential (KMIP 1.4 §2.1.2, Credential Type 2): the device's identifiers and, when it has one, its password.</summary>
public sealed record DeviceCredentialValue(string? DeviceSerialNumber = null, string? Password = null, string? DeviceIdentifier = null,
    string? NetworkIdentifier = null, string? MachineIdentifier = null, string? MediaIdentifier = null) : KmipCredential
{
    public override TtlvNode ToTtlv() => TtlvNode.Structure(Tag.Credential,
        TtlvNode.Enumeration(Tag.CredentialType, CredentialType.Device),
        TtlvNode.Structure(Tag.CredentialValue,
            Text(Tag.DeviceSerialNumber, DeviceSerialNumber), Text(Tag.Password, Password), Text(Tag.DeviceIdentifier, DeviceIdentifier),
            Text(Tag.NetworkIdentifier, NetworkIdentifier), Text(Tag.MachineIdentifier, MachineIdentifier), Text(Tag.MediaIdentifier, MediaIdentifier)));

    private static TtlvNode? Text(Tag tag, string? value) => value is null ? null : TtlvNode.Text(tag, value);

    public override string ToString() => $"DeviceCredentialValue {{ DeviceSerialNumber = {DeviceSerialNumber}, Password = {(Password is null ? "(none)" : "***")} }}";
}

/// <summary>
/// An Attestation Credential (KMIP 1.2+ §2.1.2, Credential Type 3): the Nonce the server sent with Attestation Required,
/// and the client's measurement (a TPM quote) or a third party's assertion.
/// </summary>
public sealed record AttestationCredential(TtlvNode Nonce, AttestationType AttestationType, byte[]? Measurement = null, byte[]? Assertion = null) : KmipCredential
{
    public override TtlvNode ToTtlv() => TtlvNode.Structure(Tag.Credential,
        TtlvNode.Enumeration(Tag.CredentialType, CredentialType.Attestation),
        TtlvNode.Structure(Tag.CredentialValue, Nonce, TtlvNode.Enumeration(Tag.AttestationType, AttestationType),
            Measurement is null ? null : TtlvNode.Bytes(Tag.AttestationMeasurement, Measurement),
            Assertion is null ? null : TtlvNode.Bytes(Tag.AttestationAssertion, Assertion)));
}

/// <summary>A Login ticket as the Credential (KMIP 2.1 §2.1.2, Credential Type Ticket): the Ticket Login returned.</summary>
public sealed record TicketCredential(byte[] TicketValue, TicketType TicketType = TicketType.Login) : KmipCredential
{
    public override TtlvNode ToTtlv() => TtlvNode.Structure(Tag.Credential,
        TtlvNode.Enumeration(Tag.CredentialType, CredentialType.Ticket),
        TtlvNode.Structure(Tag.CredentialValue, TtlvNode.Enumeration(Tag.TicketType, TicketType), TtlvNode.Bytes(Tag.TicketValue, TicketValue)));

    /// <summary>The ticket of a Login response payload.</summary>
    public static TicketCredential From(TtlvNode loginResponsePayload)
    {
        var ticket = loginResponsePayload.Required(Tag.Ticket);
        return new(ticket.Required(Tag.TicketValue).AsBytes, ticket.Required(Tag.TicketType).AsEnumOf<TicketType>());
    }

    public override string ToString() => "TicketCredential { *** }";
}

/// <summary>Optional fields of the Request Header (KMIP 1.4 §7.2, Table 282).</summary>
public sealed record KmipRequestOptions
{
    public static readonly KmipRequestOptions None = new();

    /// <summary>Carried as Authentication { Credential } in the header.</summary>
    public KmipCredential? Credential { get; init; }

    /// <summary>An Attestation credential carried beside <see cref="Credential"/> (Authentication holds both).</summary>
    public AttestationCredential? Attestation { get; init; }

    /// <summary>Attestation Capable Indicator (1.4 §6.17): the client can make an Attestation credential.</summary>
    public bool? AttestationCapableIndicator { get; init; }

    /// <summary>Maximum Response Size in bytes (§6.3).</summary>
    public int? MaximumResponseSize { get; init; }

    /// <summary>Client Correlation Value (1.4 §6.18): the client's name for the request, for the server's log; the server answers with its own.</summary>
    public string? ClientCorrelationValue { get; init; }

    /// <summary>
    /// Asynchronous Indicator (1.4 §6.7, 2.1 §9.2): whether the server may answer Operation Pending. Sent as the
    /// Boolean of KMIP 1.x (True unless Prohibited) or the enumeration of 2.x; the server assumes Prohibited when it is absent.
    /// </summary>
    public AsynchronousIndicator? AsynchronousIndicator { get; init; }

    /// <summary>Batch Error Continuation Option (§6.13); the server assumes Stop when it is absent.</summary>
    public BatchErrorContinuationOption? BatchErrorContinuationOption { get; init; }

    /// <summary>Batch Order Option (§6.12); the server assumes False when it is absent.</summary>
    public bool? BatchOrderOption { get; init; }

    /// <summary>Time Stamp of the request (§6.5).</summary>
    public DateTimeOffset? TimeStamp { get; init; }

    /// <summary>
    /// Give every batch item that has no Unique Batch Item ID a random 8-byte one, as vCenter does. The spec requires
    /// the ID when a message has more than one batch item (§6.4).
    /// </summary>
    public bool AssignBatchItemIds { get; init; }
}

/// <summary>Builders for Request Messages (KMIP 1.4 §7.1, §7.2).</summary>
public static class KmipRequests
{
    public static TtlvNode Message(ProtocolVersion version, params BatchItemRequest[] items) =>
        Message(version, KmipRequestOptions.None, items);

    /// <summary>
    /// A Request Message: Request Header { Protocol Version, Maximum Response Size, Asynchronous Indicator, Authentication, Batch Error
    /// Continuation Option, Batch Order Option, Time Stamp, Batch Count } followed by the batch items, in the order the
    /// spec's table lists them.
    /// </summary>
    public static TtlvNode Message(ProtocolVersion version, KmipRequestOptions? options, params BatchItemRequest[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        options ??= KmipRequestOptions.None;
        var header = TtlvNode.Structure(Tag.RequestHeader,
            version.ToTtlv(),
            options.MaximumResponseSize is { } max ? TtlvNode.Integer(Tag.MaximumResponseSize, max) : null,
            options.ClientCorrelationValue is { } correlation ? TtlvNode.Text(Tag.ClientCorrelationValue, correlation) : null,
            options.AsynchronousIndicator is { } asynchronous
                ? version.Major >= 2 ? TtlvNode.Enumeration(Tag.AsynchronousIndicator, asynchronous)
                  : TtlvNode.Boolean(Tag.AsynchronousIndicator, asynchronous != Harness.Kmip.AsynchronousIndicator.Prohibited)
                : null,
            options.AttestationCapableIndicator is { } capable ? TtlvNode.Boolean(Tag.AttestationCapableIndicator, capable) : null,
            options.Credential is not null || options.Attestation is not null
                ? TtlvNode.Structure(Tag.Authentication, options.Credential?.ToTtlv(), options.Attestation?.ToTtlv()) : null,
            options.BatchErrorContinuationOption is { } continuation ? TtlvNode.Enumeration(Tag.BatchErrorContinuationOption, continuation) : null,
            options.BatchOrderOption is { } order ? TtlvNode.Boolean(Tag.BatchOrderOption, order) : null,
            options.TimeStamp is { } stamp ? TtlvNode.DateTime(Tag.TimeStamp, stamp) : null,
            TtlvNode.Integer(Tag.BatchCount, items.Length));
        var batch = items.Select(item =>
            options.AssignBatchItemIds && item.UniqueBatchItemId is null ? item with { UniqueBatchItemId = NewBatchItemId() } : item);
        return TtlvNode.Structure(Tag.RequestMessage, batch.Select(i => i.ToTtlv()).Prepend(header));
    }

    /// <summary>A Request Payload structure from its fields (null fields are left out).</summary>
    public static TtlvNode Payload(params TtlvNode?[] fields) => TtlvNode.Structure(Tag.RequestPayload, fields);

    /// <summary>A random 8-byte Unique Batch Item ID.</summary>
    public static byte[] NewBatchItemId() => RandomNumberGenerator.GetBytes(8);
}
