using System.Net.Http.Headers;
using System.Text.Json;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Simulator.KmsAdministration;
using Harness.Steps;

namespace Harness.Simulator.Tests.Vsphere;

/// <summary>Reading recorded KMIP request messages: header, batch items, operations, payloads.</summary>
internal static class RequestMessages
{
    public static TtlvNode Header(TtlvNode message) => message.Required(Tag.RequestHeader);

    public static ProtocolVersion Version(TtlvNode message) => ProtocolVersion.Parse(Header(message).Required(Tag.ProtocolVersion));

    public static IReadOnlyList<TtlvNode> BatchItems(TtlvNode message) => message.ChildrenOf(Tag.BatchItem).ToList();

    public static Operation OperationOf(TtlvNode batchItem) => batchItem.Required(Tag.Operation).AsEnumOf<Operation>();

    public static TtlvNode PayloadOf(TtlvNode batchItem) => batchItem.Required(Tag.RequestPayload);

    public static IReadOnlyList<Operation> Operations(TtlvNode message) => BatchItems(message).Select(OperationOf).ToList();

    /// <summary>"Discover Versions", "Get × 100": what a message asks, for failure messages.</summary>
    public static string Describe(TtlvNode message) =>
        string.Join(", ", Operations(message).GroupBy(o => o).Select(g => g.Count() == 1 ? $"{g.Key}" : $"{g.Key} × {g.Count()}"));

    public static string Describe(IEnumerable<TtlvNode> messages) =>
        string.Join(Environment.NewLine, messages.Select((m, i) => $"  {i + 1}: {Describe(m)}"));

    /// <summary>The 1.x Attribute structures of a payload or template: name → value.</summary>
    public static IReadOnlyList<(string Name, TtlvNode Value)> Attributes(TtlvNode container) =>
        container.ChildrenOf(Tag.Attribute)
            .Select(a => (a.Required(Tag.AttributeName).AsText, a.Required(Tag.AttributeValue)))
            .ToList();
}

/// <summary>One object as the KMS administrator sees it (GET /objects).</summary>
internal sealed record KmsObjectView(string Id, string ObjectType, string State, string OwnerSubject, IReadOnlyDictionary<string, string> CustomAttributes);

/// <summary>The KMS admin interface, for what <see cref="KmsAdministrator"/> does not offer (the list of objects).</summary>
internal sealed class KmsInventory : IDisposable
{
    private readonly HttpClient _http;

    public KmsInventory(KmsClusterInstance kms)
    {
        var url = kms.Server.AdminUrl ?? throw new InvalidOperationException($"KMS \"{kms.Name}\" has no admin interface");
        _http = new HttpClient { BaseAddress = new Uri(url.AbsoluteUri.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", kms.Server.AdminToken);
    }

    /// <summary>GET /objects: every object the KMS holds, whoever owns it.</summary>
    public async Task<IReadOnlyList<KmsObjectView>> ObjectsAsync()
    {
        using var response = await _http.GetAsync("objects", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.IsSuccessStatusCode.Should().BeTrue($"GET /objects answers 200 (it answered {(int)response.StatusCode}: {body})");
        return JsonDocument.Parse(body).RootElement.EnumerateArray().Select(Parse).ToList();
    }

    public static KmsObjectView Parse(JsonElement o) => new(
        o.GetProperty("id").GetString()!,
        o.GetProperty("objectType").GetString()!,
        o.GetProperty("state").GetString()!,
        o.GetProperty("ownerSubject").GetString()!,
        o.TryGetProperty("customAttributes", out var custom) && custom.ValueKind == JsonValueKind.Object
            ? custom.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "")
            : new Dictionary<string, string>());

    public void Dispose() => _http.Dispose();
}

/// <summary>KMIP clients on a KMS cluster of the site, with vCenter's identity or another tenant's.</summary>
internal static class SiteKmip
{
    /// <summary>A KMIP connection to the cluster's first server that presents vCenter's client certificate of the provider.</summary>
    public static Task<KmipClient> ConnectAsVCenterAsync(KmsClusterInstance kms, KeyProvider provider) =>
        KmipClient.ConnectAsync(new KmipClientOptions
        {
            Host = kms.Relays[0].Endpoint.Address.ToString(),
            Port = kms.Relays[0].Endpoint.Port,
            ClientCertificate = provider.ClientCertificate ?? throw new InvalidOperationException($"key provider \"{provider.Name}\" has no client certificate"),
            ServerThumbprintSha1 = kms.ServerThumbprint,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            ReceiveTimeout = TimeSpan.FromSeconds(30),
        });

    /// <summary>A KMIP connection with the KMS PKI's own client certificate: another tenant of the same KMS.</summary>
    public static Task<KmipClient> ConnectAsOtherTenantAsync(KmsClusterInstance kms) =>
        KmipClient.ConnectAsync(new KmipClientOptions
        {
            Host = kms.Relays[0].Endpoint.Address.ToString(),
            Port = kms.Relays[0].Endpoint.Port,
            ClientCertificate = kms.Pki.Client,
            ServerThumbprintSha1 = kms.ServerThumbprint,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            ReceiveTimeout = TimeSpan.FromSeconds(30),
        });

    /// <summary>Get (Raw) of the key material, or null when the KMS will not serve it to this client (any KMIP error).</summary>
    public static async Task<byte[]?> TryGetKeyAsync(KmipClient client, string id)
    {
        var response = KmipResponse.Parse(await client.SendAsync(KmipRequests.Message(ProtocolVersion.V1_1, KmipBatchItems.Get(id, KeyFormatType.Raw))));
        var item = response.BatchItems[0];
        if (!item.IsSuccess) return null;
        var material = item.RequiredPayload.Child(Tag.SymmetricKey)?.Child(Tag.KeyBlock)?.Child(Tag.KeyValue)?.Child(Tag.KeyMaterial);
        return material is { Type: ItemType.ByteString } ? material.AsBytes : null;
    }
}
