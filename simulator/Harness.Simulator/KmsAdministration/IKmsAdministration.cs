using System.Text.Json;

namespace Harness.Simulator.KmsAdministration;

/// <summary>
/// What a KMS administrator does in the vSphere scenarios. The embedded Harness KMS does all of it through its admin
/// interface (<see cref="KmsAdministrator"/>); a vendor's KMS under certification through KMIP where KMIP can express
/// it, and through <see cref="IManualKmsAdministrator"/> where it cannot (see <see cref="ExternalKmsAdministration"/>).
/// </summary>
/// <remarks>Each action answers the KMS's view of the key (or of the root key) after it, when the KMS tells it (the
/// Harness admin interface does), else null.</remarks>
public interface IKmsAdministration
{
    /// <summary>The KMS stops serving the key (vCenter sees it missing on the KMS).</summary>
    Task<JsonElement?> DeactivateAsync(string keyId);

    /// <summary>A deactivated key becomes Active again (KMIP has no operation for it).</summary>
    Task<JsonElement?> ReactivateAsync(string keyId);

    Task<JsonElement?> DestroyAsync(string keyId);

    /// <summary>A destroyed key comes back (from the KMS's backup).</summary>
    Task<JsonElement?> RestoreAsync(string keyId);

    Task<JsonElement?> DeleteRootKeyAsync();

    /// <summary>The key's KMIP state as the KMS reports it (e.g. "Active", "Deactivated", "Destroyed").</summary>
    Task<string> KeyStateAsync(string keyId);
}
