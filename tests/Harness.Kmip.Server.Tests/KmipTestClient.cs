using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Harness.Kmip.Client;

namespace Harness.Kmip.Server.Tests;

/// <summary>Short forms of the KMIP conversations the server tests hold over the real client.</summary>
public static class KmipTestClient
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static readonly ProtocolVersion V14 = ProtocolVersion.V1_4;
    public static readonly ProtocolVersion V21 = ProtocolVersion.V2_1;

    public static Task<KmipResponse> SendAsync(this KmipClient client, ProtocolVersion version, params BatchItemRequest[] items) =>
        client.SendMessageAsync(KmipRequests.Message(version, items), Ct);

    public static Task<KmipResponse> SendAsync(this KmipClient client, ProtocolVersion version, KmipRequestOptions options, params BatchItemRequest[] items) =>
        client.SendMessageAsync(KmipRequests.Message(version, options, items), Ct);

    /// <summary>Sends one batch item and returns its response item (the message must hold exactly one).</summary>
    public static async Task<ResponseBatchItem> OneAsync(this KmipClient client, ProtocolVersion version, BatchItemRequest item)
    {
        var response = await client.SendAsync(version, item);
        response.BatchItems.Should().ContainSingle();
        return response.BatchItems[0];
    }

    /// <summary>Sends one operation's request payload and checks that it failed; the item says why.</summary>
    public static async Task<ResponseBatchItem> FailsAsync(this KmipClient client, ProtocolVersion version, Operation operation, TtlvNode payload)
    {
        var item = await client.OneAsync(version, new BatchItemRequest(operation, payload));
        item.IsSuccess.Should().BeFalse($"{operation} should be refused");
        return item;
    }

    /// <summary>The Unique Identifier a successful response item names (Create, Register, Certify, Derive Key, ...).</summary>
    public static string IdOf(ResponseBatchItem item) => item.EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;

    /// <summary>Registers raw key material of <paramref name="algorithm"/> with a usage mask (Active unless told otherwise); its identifier.</summary>
    public static async Task<string> RegisterKeyAsync(this KmipClient client, ProtocolVersion version, CryptographicAlgorithm algorithm, byte[] material,
        CryptographicUsageMask usage, bool activate = true)
    {
        var id = IdOf(await client.OneAsync(version, KmipBatchItems.RegisterSymmetricKey(version, algorithm, material,
            [KmipAttribute.CryptographicAlgorithm(algorithm), KmipAttribute.CryptographicLength(material.Length * 8), KmipAttribute.CryptographicUsageMask(usage)])));
        if (activate) (await client.OneAsync(version, KmipBatchItems.Activate(id))).EnsureSuccess();
        return id;
    }

    /// <summary>Sends raw bytes and decodes the one response that comes back.</summary>
    public static async Task<KmipResponse> SendBytesAsync(this KmipClient client, byte[] bytes) =>
        KmipResponse.Parse(TtlvReader.Decode(await client.SendRawAsync(bytes, Ct)));

    public static KmipAttribute Date(Tag tag, DateTimeOffset when) => KmipAttribute.Standard(tag, TtlvNode.DateTime(tag, when));

    public static KmipAttribute Name(string name) => KmipAttribute.ObjectName(name);

    public static async Task<string> CreateKeyAsync(this KmipClient client, ProtocolVersion? version = null, params KmipAttribute[] extra)
    {
        var v = version ?? V14;
        var item = await client.OneAsync(v, KmipBatchItems.CreateSymmetricKey(v, [.. KmipAttribute.Aes256EncryptDecrypt, .. extra]));
        return item.EnsureSuccess().RequiredPayload.Required(Tag.UniqueIdentifier).AsText;
    }

    public static async Task<byte[]> GetKeyBytesAsync(this KmipClient client, string id, ProtocolVersion? version = null)
    {
        var item = await client.OneAsync(version ?? V14, KmipBatchItems.Get(id));
        return KmipManagedObject.Parse(item.EnsureSuccess().RequiredPayload).KeyMaterial
               ?? throw new Xunit.Sdk.XunitException($"Get '{id}' returned no raw key material");
    }

    public static async Task<IReadOnlyList<KmipAttribute>> GetAttributesAsync(this KmipClient client, string id, ProtocolVersion? version = null, params string[] names)
    {
        var item = await client.OneAsync(version ?? V14, KmipBatchItems.GetAttributes(version ?? V14, id, names));
        return KmipAttribute.ParseAll(item.EnsureSuccess().RequiredPayload);
    }

    public static async Task<State> StateAsync(this KmipClient client, string id, ProtocolVersion? version = null)
    {
        var attributes = await client.GetAttributesAsync(id, version, "State");
        return attributes.Should().ContainSingle(a => a.Name == "State").Subject.AsEnum<State>();
    }

    public static async Task<(IReadOnlyList<string> Ids, int? LocatedItems)> LocateAsync(this KmipClient client, ProtocolVersion version,
        IEnumerable<KmipAttribute> criteria, int? maximumItems = null, int? offsetItems = null)
    {
        var item = await client.OneAsync(version, KmipBatchItems.Locate(version, criteria, maximumItems, offsetItems));
        var payload = item.EnsureSuccess().RequiredPayload;
        return (payload.ChildrenOf(Tag.UniqueIdentifier).Select(n => n.AsText).ToList(), payload.Child(Tag.LocatedItems)?.AsInt32);
    }

    public static BatchItemRequest ReKey(string id) =>
        new(Operation.ReKey, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, id)));

    /// <summary>
    /// Connects with the certificate and sends one request; the server must refuse the certificate. With TLS 1.3 the
    /// refusal reaches the client after its side of the handshake, so it shows up at the connect or at the first request.
    /// </summary>
    public static async Task<KmipConnectionException> ExpectRefusedAsync(this KmsFixture kms, X509Certificate2 certificate)
    {
        try
        {
            await using var client = await kms.ConnectAsync(certificate);
            await client.SendAsync(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]));
        }
        catch (KmipConnectionException e) when (e is not KmipTimeoutException)
        {
            return e;
        }
        throw new Xunit.Sdk.XunitException($"the server accepted the certificate \"{certificate.Subject}\"");
    }

    /// <summary>Waits for the server to close the connection (a clean close or a reset; a timeout is a failure).</summary>
    public static async Task ExpectClosedByServerAsync(this KmipClient client)
    {
        try
        {
            var response = await client.ReadRawResponseAsync(Ct);
            response.Should().BeNull("the server must close the connection, not answer");
        }
        catch (KmipConnectionException e) when (e is not KmipTimeoutException)
        {
            // closed part-way or reset: closed all the same
        }
    }

    /// <summary>A Create + Get round trip: the client (and so the server) still works.</summary>
    public static async Task ShouldStillWorkAsync(this KmipClient client)
    {
        var id = await client.CreateKeyAsync();
        (await client.GetKeyBytesAsync(id)).Should().HaveCount(32);
    }

    // ---- admin interface ----------------------------------------------------------------------------------------

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostTextAsync(this HttpClient http, string path, string? body = null) =>
        http.PostAsync(path, body is null ? null : new StringContent(body), Ct);

    public static Task<HttpResponseMessage> GetPathAsync(this HttpClient http, string path) => http.GetAsync(path, Ct);
}
