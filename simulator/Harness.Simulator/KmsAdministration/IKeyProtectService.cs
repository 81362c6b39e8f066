namespace Harness.Simulator.KmsAdministration;

/// <summary>
/// The Key Protect service a site's KMS clusters keep their customer root keys in (STEPS.md "keeps its root key in Key
/// Protect"; seeds 001 and 002): what the KMS needs to reach it over its REST API, and what the key manager's
/// administrator does to a root key in its console. Harness.Simulator.Web's Key Protect emulator is one. An action the
/// service refuses throws <see cref="KmsAdministrationException"/> with Key Protect's reason.
/// </summary>
public interface IKeyProtectService
{
    /// <summary>Key Protect's API base URL (POST {Url}api/v2/keys/{id}/actions/wrap).</summary>
    Uri Url { get; }

    /// <summary>IAM's base URL (POST {IamUrl}identity/token).</summary>
    Uri IamUrl { get; }

    /// <summary>The service instance (the bluemix-instance header).</summary>
    string InstanceId { get; }

    /// <summary>An IAM API key the service accepts.</summary>
    string ApiKey { get; }

    CustomerRootKey CreateRootKey(string name);
    CustomerRootKey Disable(string rootKeyId);
    CustomerRootKey Enable(string rootKeyId);
    CustomerRootKey Rotate(string rootKeyId);
    CustomerRootKey Delete(string rootKeyId);
    CustomerRootKey Find(string rootKeyId);
}

/// <summary>A customer root key as Key Protect shows it: its state ("Active", "Suspended" when disabled, "Destroyed"
/// when deleted) and how many versions rotation has made.</summary>
public sealed record CustomerRootKey(string Id, string Name, string State, int Versions, DateTimeOffset? LastRotated);
