using System.Text.Json;
using Harness.Kmip;
using Reqnroll;

namespace Harness.Steps;

/// <summary>
/// Steps about the KMS itself: KMIP clients with their own certificates, the keys they create, and what the KMS
/// administrator does to those keys. Keys and clients are named by the scenario. (The vCenter-level phrases of
/// STEPS.md, "the key of VM ...", belong to the simulator's steps.)
/// </summary>
[Binding]
public sealed class KmsSteps(KmsDriver kms, KmipClientsDriver clients)
{
    [Given("a KMS")]
    public Task AKms() => kms.StartAsync();

    [Given("a KMIP client {string} with a certificate from the KMS's CA")]
    public Task AKmipClient(string client) => clients.ConnectAsync(client);

    [Given("client {string} created an AES key of {int} bits named {string}")]
    [When("client {string} creates an AES key of {int} bits named {string}")]
    public Task CreatesAnAesKey(string client, int bits, string key) => clients.CreateAesKeyAsync(client, bits, key);

    [When("client {string} activates key {string}")]
    public Task ActivatesKey(string client, string key) => clients.ActivateAsync(client, key);

    [When("client {string} adds these custom attributes to key {string}:")]
    public Task AddsCustomAttributes(string client, string key, DataTable attributes) =>
        clients.AddCustomAttributesAsync(client, key, StepTables.NameValueRows(attributes));

    [When("the KMS administrator deactivates key {string}")]
    public Task AdministratorDeactivates(string key) => kms.Administrator.DeactivateAsync(clients.UniqueIdentifierOf(key));

    [When("the KMS administrator reactivates key {string}")]
    public Task AdministratorReactivates(string key) => kms.Administrator.ReactivateAsync(clients.UniqueIdentifierOf(key));

    [When("the KMS administrator destroys key {string}")]
    public Task AdministratorDestroys(string key) => kms.Administrator.DestroyAsync(clients.UniqueIdentifierOf(key));

    [When("the KMS administrator restores key {string}")]
    public Task AdministratorRestores(string key) => kms.Administrator.RestoreAsync(clients.UniqueIdentifierOf(key));

    [Then("client {string} gets key {string} with {int} bytes of key material")]
    public async Task GetsKeyMaterial(string client, string key, int bytes)
    {
        var material = (await clients.GetAsync(client, key)).KeyMaterial;
        Expect.That(material?.Length == bytes,
            $"client \"{client}\" got key \"{key}\" with {(material is null ? "no raw key material" : $"{material.Length} bytes of key material")}, not {bytes}");
    }

    [Then("getting key {string} as client {string} fails with {string}")]
    public async Task GettingKeyFails(string key, string client, string expected)
    {
        var failure = await clients.GetFailureAsync(client, key);
        Expect.That(failure is not null, $"client \"{client}\" got key \"{key}\": the KMS served it instead of failing with \"{expected}\"");
        Expect.That(KmipNames.FailureMatches(failure!, expected),
            $"getting key \"{key}\" as client \"{client}\" failed with {KmipNames.Describe(failure!)}, not with \"{expected}\"");
    }

    [Then("the KMS holds key {string} in state {string}")]
    public async Task KmsHoldsKeyInState(string key, string state)
    {
        var actual = KmipNames.Of(await clients.StateAsync(key));
        Expect.That(KmipNames.SameName(state, actual), $"the KMS holds key \"{key}\" in state {actual}, not {state}");
    }

    [Then("client {string} cannot see key {string}")]
    public async Task CannotSeeKey(string client, string key)
    {
        var failure = await clients.GetFailureAsync(client, key);
        Expect.That(failure?.Item.ResultReason == ResultReason.ItemNotFound,
            $"getting key \"{key}\" as client \"{client}\" should fail with Item Not Found, but {(failure is null ? "it succeeded" : $"it failed with {KmipNames.Describe(failure)}")}");
        var found = await clients.LocateByNameAsync(client, key);
        Expect.That(found.Count == 0, $"client \"{client}\" located key \"{key}\" by its name: {string.Join(", ", found)}");
    }

    [Then("key {string} has the custom attribute {string} with value {string}")]
    public async Task HasCustomAttribute(string key, string attribute, string value)
    {
        var values = await clients.AttributeValuesAsync(key, attribute);
        Expect.That(values.Contains(value),
            $"key \"{key}\" has {(values.Count == 0 ? $"no attribute {attribute}" : $"{attribute} = {string.Join(", ", values.Select(v => $"\"{v}\""))}")}, not \"{value}\"");
    }

    [Then("the KMS administrator sees key {string} as:")]
    public async Task AdministratorSeesKey(string key, string json)
    {
        var seen = await kms.Administrator.GetObjectAsync(clients.UniqueIdentifierOf(key));
        var differences = JsonSubset.Differences(JsonDocument.Parse(json).RootElement, seen);
        Expect.That(differences.Count == 0, $"the KMS administrator sees key \"{key}\" otherwise:\n  {string.Join("\n  ", differences)}\nwhole view: {seen}");
    }
}
