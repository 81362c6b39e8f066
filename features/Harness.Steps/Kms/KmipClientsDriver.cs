using System.Security.Cryptography.X509Certificates;
using Harness.Kmip;
using Harness.Kmip.Client;

namespace Harness.Steps;

/// <summary>
/// The KMIP clients of a scenario and the keys they created, both by the names the scenario gives them. Each client
/// has a certificate of its own from the KMS's CA (so each is its own owner on the KMS) and one mutual-TLS connection,
/// speaking KMIP 1.4 as vCenter does. Keys are created with a KMIP Name; the driver maps the scenario's key names to
/// the Unique Identifiers the KMS returned.
/// </summary>
public sealed class KmipClientsDriver : IAsyncDisposable
{
    public static readonly ProtocolVersion Version = ProtocolVersion.V1_4;

    private readonly KmsDriver kms;

    public KmipClientsDriver(KmsDriver kms, ScenarioDrivers drivers)
    {
        this.kms = kms;
        drivers.Add(this);
    }

    private readonly Dictionary<string, ScenarioClient> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScenarioKey> _keys = new(StringComparer.Ordinal);

    /// <summary>Gives the client a certificate from the KMS's CA and connects it (starting the embedded KMS if need be).</summary>
    public async Task ConnectAsync(string clientName)
    {
        if (_clients.ContainsKey(clientName))
            throw new InvalidOperationException($"client \"{clientName}\" already exists in this scenario");
        await kms.StartAsync().ConfigureAwait(false);
        var certificate = kms.IssueClientCertificate(clientName);
        var connection = await KmipClient.ConnectAsync(new KmipClientOptions
        {
            Host = kms.Host,
            Port = kms.Port,
            ClientCertificate = certificate,
            TrustedCa = kms.ServerCa,
            ReceiveTimeout = TimeSpan.FromSeconds(20),
        }).ConfigureAwait(false);
        _clients.Add(clientName, new ScenarioClient(clientName, certificate, connection, new KmipOperations(connection, Version)));
    }

    /// <summary>Creates an AES key with the Name attribute, usable to encrypt and decrypt (as vCenter asks for one).</summary>
    public async Task<ScenarioKey> CreateAesKeyAsync(string clientName, int bits, string keyName)
    {
        if (_keys.TryGetValue(keyName, out var existing))
            throw new InvalidOperationException($"key \"{keyName}\" already exists in this scenario (created by client \"{existing.Owner}\")");
        var client = Client(clientName);
        var kmipName = kms.KmipNameFor(keyName);
        var id = await client.Operations.CreateSymmetricKeyAsync(
        [
            KmipAttribute.CryptographicAlgorithm(CryptographicAlgorithm.AES),
            KmipAttribute.CryptographicLength(bits),
            KmipAttribute.CryptographicUsageMask(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt),
            KmipAttribute.ObjectName(kmipName),
        ]).ConfigureAwait(false);
        var key = new ScenarioKey(keyName, kmipName, id, clientName);
        _keys.Add(keyName, key);
        return key;
    }

    /// <summary>Get in Raw format, as the client; throws <see cref="KmipOperationException"/> when the KMS refuses.</summary>
    public async Task<KmipManagedObject> GetAsync(string clientName, string keyName) =>
        await Client(clientName).Operations.GetAsync(Key(keyName).UniqueIdentifier, KeyFormatType.Raw).ConfigureAwait(false);

    /// <summary>Get as the client: null when it succeeded, else the KMS's refusal.</summary>
    public async Task<KmipOperationException?> GetFailureAsync(string clientName, string keyName)
    {
        try
        {
            await GetAsync(clientName, keyName).ConfigureAwait(false);
            return null;
        }
        catch (KmipOperationException failure)
        {
            return failure;
        }
    }

    /// <summary>The key's State attribute (Get Attributes), asked by the client that created the key.</summary>
    public async Task<State> StateAsync(string keyName)
    {
        var key = Key(keyName);
        var attributes = await Client(key.Owner).Operations.GetAttributesAsync(key.UniqueIdentifier, ["State"]).ConfigureAwait(false);
        var state = attributes.FirstOrDefault(a => a.Name == "State")
                    ?? throw new InvalidOperationException($"Get Attributes of key \"{keyName}\" ({key.UniqueIdentifier}) returned no State");
        return state.AsEnum<State>();
    }

    public Task ActivateAsync(string clientName, string keyName) =>
        Client(clientName).Operations.ActivateAsync(Key(keyName).UniqueIdentifier);

    /// <summary>Add Attribute for each (name, value), as text attributes ("x-Vendor").</summary>
    public async Task AddCustomAttributesAsync(string clientName, string keyName, IEnumerable<(string Name, string Value)> attributes)
    {
        var client = Client(clientName);
        var id = Key(keyName).UniqueIdentifier;
        foreach (var (name, value) in attributes)
            await client.Operations.AddAttributeAsync(id, KmipAttribute.Text(name, value)).ConfigureAwait(false);
    }

    /// <summary>The values of one attribute of the key (Get Attributes by name, as the key's creator), as text.</summary>
    public async Task<IReadOnlyList<string>> AttributeValuesAsync(string keyName, string attributeName)
    {
        var key = Key(keyName);
        var attributes = await Client(key.Owner).Operations.GetAttributesAsync(key.UniqueIdentifier, [attributeName]).ConfigureAwait(false);
        return attributes.Where(a => a.Name == attributeName)
            .Select(ValueText).ToList();
    }

    /// <summary>A text value as it is; any other as KmipAttribute prints it ("Name = value" without the name).</summary>
    private static string ValueText(KmipAttribute attribute)
    {
        if (attribute.Value.Type == ItemType.TextString) return attribute.AsText;
        var printed = attribute.ToString();
        int equals = printed.IndexOf(" = ", StringComparison.Ordinal);
        return equals >= 0 ? printed[(equals + 3)..] : printed;
    }

    /// <summary>Locate by the key's KMIP Name, as the client: the Unique Identifiers it finds.</summary>
    public async Task<IReadOnlyList<string>> LocateByNameAsync(string clientName, string keyName) =>
        await Client(clientName).Operations.LocateAsync([KmipAttribute.ObjectName(Key(keyName).KmipName)]).ConfigureAwait(false);

    /// <summary>The KMS's Unique Identifier of a key the scenario named.</summary>
    public string UniqueIdentifierOf(string keyName) => Key(keyName).UniqueIdentifier;

    private ScenarioClient Client(string name) => _clients.TryGetValue(name, out var client) ? client
        : throw new InvalidOperationException(
            $"client \"{name}\" is not known in this scenario{Known(_clients.Keys)}: add the step " +
            $"'Given a KMIP client \"{name}\" with a certificate from the KMS's CA' before it");

    private ScenarioKey Key(string name) => _keys.TryGetValue(name, out var key) ? key
        : throw new InvalidOperationException(
            $"key \"{name}\" is not known in this scenario{Known(_keys.Keys)}: a client must create it first " +
            $"('Given client \"…\" created an AES key of 256 bits named \"{name}\"')");

    private static string Known(IEnumerable<string> names) =>
        names.Any() ? $" (known: {string.Join(", ", names.Select(n => $"\"{n}\""))})" : "";

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            await client.Connection.DisposeAsync().ConfigureAwait(false);
            client.Certificate.Dispose();
        }
        _clients.Clear();
    }

    private sealed record ScenarioClient(string Name, X509Certificate2 Certificate, KmipClient Connection, KmipOperations Operations);
}

/// <summary>A key a scenario created: its scenario name, its KMIP Name, the KMS's Unique Identifier and the client that owns it.</summary>
public sealed record ScenarioKey(string Name, string KmipName, string UniqueIdentifier, string Owner);
