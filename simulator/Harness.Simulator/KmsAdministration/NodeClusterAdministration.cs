using System.Text.Json;

namespace Harness.Simulator.KmsAdministration;

/// <summary>
/// The KMS administrator of a cluster of nodes sharing one PostgreSQL database: key actions go to the admin interface
/// of a node that runs (each node sees what the others did); deleting the root key goes to every node, since each
/// holds the root key in its own data directory (a stopped node's copy is deleted, so it cannot unseal on restart).
/// </summary>
public sealed class NodeClusterAdministration(KmsClusterInstance cluster) : IKmsAdministration
{
    public async Task<JsonElement?> DeactivateAsync(string keyId) => await cluster.Administrator.DeactivateAsync(keyId).ConfigureAwait(false);
    public async Task<JsonElement?> ReactivateAsync(string keyId) => await cluster.Administrator.ReactivateAsync(keyId).ConfigureAwait(false);
    public async Task<JsonElement?> DestroyAsync(string keyId) => await cluster.Administrator.DestroyAsync(keyId).ConfigureAwait(false);
    public async Task<JsonElement?> RestoreAsync(string keyId) => await cluster.Administrator.RestoreAsync(keyId).ConfigureAwait(false);
    public Task<string> KeyStateAsync(string keyId) => cluster.Administrator.KeyStateAsync(keyId);

    public async Task<JsonElement?> DeleteRootKeyAsync()
    {
        JsonElement? first = null;
        foreach (var node in cluster.Nodes)
        {
            if (node.Running)
            {
                using var admin = new KmsAdministrator(node.AdminUrl, node.AdminToken);
                var answer = await admin.DeleteRootKeyAsync().ConfigureAwait(false);
                first ??= answer;
            }
            else File.Delete(Path.Combine(node.DataDirectory, Harness.Kmip.Server.RootKeys.RootKey.FileName));
        }
        return first;
    }
}
