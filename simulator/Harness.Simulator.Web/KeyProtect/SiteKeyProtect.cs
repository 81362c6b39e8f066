using System.Security.Cryptography;
using Harness.Simulator.KmsAdministration;

namespace Harness.Simulator.Web.KeyProtect;

/// <summary>
/// The emulator as a site's Key Protect service (<see cref="IKeyProtectService"/>): plain HTTP on a free loopback port,
/// one API key of its own, tokens dated on the site's clock. What scenarios and `./harness demo --keyprotect` use.
/// </summary>
public sealed class SiteKeyProtect : IKeyProtectService, IAsyncDisposable
{
    private SiteKeyProtect(KeyProtectEmulator emulator, string apiKey)
    {
        Emulator = emulator;
        ApiKey = apiKey;
    }

    public KeyProtectEmulator Emulator { get; }
    public Uri Url => Emulator.Url;
    public Uri IamUrl => Emulator.IamUrl;
    public string InstanceId => Emulator.InstanceId;
    public string ApiKey { get; }

    public static async Task<SiteKeyProtect> StartAsync(TimeProvider clock)
    {
        var apiKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', '-').Replace('/', '_');
        var emulator = await KeyProtectEmulator.StartAsync(new KeyProtectEmulatorOptions { ApiKeys = [apiKey], Time = clock });
        return new SiteKeyProtect(emulator, apiKey);
    }

    public CustomerRootKey CreateRootKey(string name) => Act(() => Emulator.CreateRootKey(name, "the customer root key of a Harness KMS cluster"));
    public CustomerRootKey Disable(string rootKeyId) => Act(() => Emulator.Disable(rootKeyId));
    public CustomerRootKey Enable(string rootKeyId) => Act(() => Emulator.Enable(rootKeyId));
    public CustomerRootKey Rotate(string rootKeyId) => Act(() => Emulator.Rotate(rootKeyId));
    public CustomerRootKey Delete(string rootKeyId) => Act(() => Emulator.Delete(rootKeyId));
    public CustomerRootKey Find(string rootKeyId) => Act(() => Emulator.Key(rootKeyId));

    /// <summary>A refusal reads as Key Protect's console would say it, for "the operation fails with".</summary>
    private static CustomerRootKey Act(Func<RootKeyView> action)
    {
        try { return Of(action()); }
        catch (KeyProtectError refused)
        {
            throw new KmsAdministrationException($"Key Protect refused: {refused.Message}", refused) { Status = (System.Net.HttpStatusCode)refused.Status };
        }
    }

    private static CustomerRootKey Of(RootKeyView key) =>
        new(key.Id, key.Name, key.State.ToString(), key.Versions.Count, key.LastRotateDate);

    public ValueTask DisposeAsync() => Emulator.DisposeAsync();
}
