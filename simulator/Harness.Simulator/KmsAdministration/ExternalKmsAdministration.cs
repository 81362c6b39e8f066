using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Pki;

namespace Harness.Simulator.KmsAdministration;

/// <summary>A KMS administrator's action that KMIP cannot express, done by someone (a script, the operator) outside Harness.</summary>
public interface IManualKmsAdministrator
{
    /// <summary>Does <paramref name="action"/> ("deactivate", "reactivate", "restore", "delete-root-key") to the key; throws
    /// <see cref="KmsAdministrationException"/> when it failed, <see cref="NeedsKmsAdministratorException"/> when nobody did it.</summary>
    Task PerformAsync(string action, string keyId, CancellationToken ct = default);

    /// <summary>What was done, one line per action (with the script's output), for the report's evidence.</summary>
    IReadOnlyList<string> Log { get; }
}

/// <summary>A step needs a KMS administrator and none was available: the scenario proves nothing either way.</summary>
public sealed class NeedsKmsAdministratorException(string action, string keyId, string message) : Exception(message)
{
    public string Action { get; } = action;
    public string KeyId { get; } = keyId;
}

/// <summary>
/// <c>--admin-command SCRIPT</c>: runs <c>SCRIPT ACTION KEY_ID</c> (environment: HARNESS_KMS_HOST, HARNESS_KMS_PORT)
/// and waits at most <see cref="Timeout"/> for it to exit and close its output (then kills it and its children). Exit
/// code 0 = done; anything else fails the step with the script's output (its last 5 lines).
/// </summary>
public sealed class AdminCommand(string script, string kmsHost, int kmsPort) : IManualKmsAdministrator
{
    private readonly List<string> _log = [];
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);
    public IReadOnlyList<string> Log => _log;

    public async Task PerformAsync(string action, string keyId, CancellationToken ct = default)
    {
        var start = new ProcessStartInfo(script)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(action);
        start.ArgumentList.Add(keyId);
        start.Environment["HARNESS_KMS_HOST"] = kmsHost;
        start.Environment["HARNESS_KMS_PORT"] = kmsPort.ToString();
        var what = $"{script} {action} {keyId}";
        Process process;
        try { process = Process.Start(start) ?? throw new KmsAdministrationException($"--admin-command: {what} did not start"); }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new KmsAdministrationException($"--admin-command: {script} cannot be run: {ex.Message}", ex);
        }
        using (process)
        {
            process.StandardInput.Close();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(Timeout);
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            try
            {
                // The output too: a script that leaves a child holding its stdout open must not hang the run.
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
                await Task.WhenAll(stdout, stderr).WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* it just ended */ }
                ct.ThrowIfCancellationRequested();
                _log.Add($"$ {what}: stopped after {Timeout.TotalSeconds:0} s");
                throw new KmsAdministrationException(
                    $"--admin-command: {what} did not finish within {Timeout.TotalSeconds:0} s (killed; a process it started may still hold its output open)");
            }
            var output = Tail((await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false)));
            _log.Add($"$ {what} → exit {process.ExitCode}{(output.Length > 0 ? ": " + output : "")}");
            if (process.ExitCode != 0)
                throw new KmsAdministrationException($"--admin-command: {what} exited with {process.ExitCode}{(output.Length > 0 ? ": " + output : " (no output)")}");
        }
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", lines.TakeLast(5));
    }
}

/// <summary>Asks the operator at the terminal to do the action on the KMS; Enter = done, "skip" = nobody will.</summary>
public sealed class OperatorPrompt(TextReader input, TextWriter output, string kms) : IManualKmsAdministrator
{
    private readonly List<string> _log = [];
    public IReadOnlyList<string> Log => _log;

    public async Task PerformAsync(string action, string keyId, CancellationToken ct = default)
    {
        var what = action == "delete-root-key" ? "delete the KMS's root key" : $"{action} the key {keyId}";
        await output.WriteLineAsync($"KMS administrator needed on {kms}: {what}. Press Enter when it is done, or type skip: ").ConfigureAwait(false);
        await output.FlushAsync(ct).ConfigureAwait(false);
        var answer = await input.ReadLineAsync(ct).ConfigureAwait(false);
        if (answer is null || answer.Trim().Equals("skip", StringComparison.OrdinalIgnoreCase))
        {
            _log.Add($"operator asked to {what}: skipped");
            throw new NeedsKmsAdministratorException(action, keyId, $"needs a KMS administrator to {what} (the operator skipped it)");
        }
        _log.Add($"operator asked to {what}: done");
    }
}

/// <summary>
/// The KMS administrator of a KMS under certification. Destroy and the key's state are KMIP (Revoke + Destroy, Get
/// Attributes "State", with vCenter's identity); deactivate, reactivate, restore and deleting the root key are vendor
/// specific and go to the external KMS's <see cref="ExternalKms.Administrator"/> (or fail with <see cref="NeedsKmsAdministratorException"/>).
/// </summary>
public sealed class ExternalKmsAdministration(ExternalKms kms) : IKmsAdministration
{
    private static readonly ProtocolVersion Version = ProtocolVersion.V1_1;
    private KmipRequestOptions Options => new() { AssignBatchItemIds = true, Credential = kms.Credential };

    public Task<JsonElement?> DeactivateAsync(string keyId) => ManualAsync("deactivate", keyId);
    public Task<JsonElement?> ReactivateAsync(string keyId) => ManualAsync("reactivate", keyId);
    public Task<JsonElement?> RestoreAsync(string keyId) => ManualAsync("restore", keyId);
    public Task<JsonElement?> DeleteRootKeyAsync() => ManualAsync("delete-root-key", "-");

    /// <summary>Someone outside Harness does it: the KMS's view of the key is not known.</summary>
    private async Task<JsonElement?> ManualAsync(string action, string keyId)
    {
        if (kms.Administrator is not { } admin)
            throw new NeedsKmsAdministratorException(action, keyId,
                $"needs a KMS administrator to {(action == "delete-root-key" ? "delete the root key" : $"{action} key {keyId}")}: KMIP cannot express it " +
                "(give --admin-command SCRIPT, or run certify at a terminal to be asked)");
        await admin.PerformAsync(action, keyId).ConfigureAwait(false);
        return null;
    }

    /// <summary>Revoke (cessation of operation) when the key is Active, then Destroy: what KMIP allows.</summary>
    public async Task<JsonElement?> DestroyAsync(string keyId)
    {
        await using var client = await ConnectAsync().ConfigureAwait(false);
        await RevokeAndDestroyAsync(client, keyId).ConfigureAwait(false);
        return null;
    }

    /// <summary>Revoke when Active, then Destroy; false when the key was destroyed (or gone) already.</summary>
    private async Task<bool> RevokeAndDestroyAsync(IKmipMessageClient client, string keyId)
    {
        var state = await StateAsync(client, keyId).ConfigureAwait(false);
        if (state == nameof(State.Destroyed)) return false;
        if (state == nameof(State.Active))
            await OneAsync(client, KmipBatchItems.Revoke(keyId, RevocationReasonCode.CessationOfOperation), $"Revoke {keyId}").ConfigureAwait(false);
        await OneAsync(client, KmipBatchItems.Destroy(keyId), $"Destroy {keyId}").ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Destroys keys a scenario made on the KMS (Revoke when Active, then Destroy), on one connection, ignoring keys that
    /// are gone or refused: cleaning up after a certification run must not change its outcome. Returns how many went.
    /// </summary>
    public async Task<int> DestroyQuietlyAsync(IEnumerable<string> keyIds)
    {
        int destroyed = 0;
        try
        {
            await using var client = await ConnectAsync().ConfigureAwait(false);
            foreach (var id in keyIds.Distinct())
            {
                try
                {
                    if (await RevokeAndDestroyAsync(client, id).ConfigureAwait(false)) destroyed++;
                }
                catch (Exception ex) when (ex is KmsAdministrationException or KmipOperationException) { /* refused: leave it */ }
            }
        }
        catch (Exception ex) when (ex is KmsAdministrationException or IOException or KmipException or TimeoutException or OperationCanceledException)
        {
            /* the KMS is not reachable now (a scenario may have left it so): nothing more to clean */
        }
        kms.CountCleanedUp(destroyed);
        return destroyed;
    }

    /// <summary>The state by Get Attributes; a key the KMS no longer knows after Destroy counts as "Destroyed" (KMIP lets a KMS drop a destroyed object).</summary>
    public async Task<string> KeyStateAsync(string keyId)
    {
        await using var client = await ConnectAsync().ConfigureAwait(false);
        return await StateAsync(client, keyId).ConfigureAwait(false);
    }

    private async Task<string> StateAsync(IKmipMessageClient client, string keyId)
    {
        var item = KmipResponse.Parse(await client.SendAsync(KmipRequests.Message(Version, Options,
            KmipBatchItems.GetAttributes(Version, keyId, ["State"]))).ConfigureAwait(false)).BatchItems[0];
        if (!item.IsSuccess && item.ResultReason == ResultReason.ItemNotFound) return nameof(State.Destroyed);
        item.EnsureSuccess();
        return item.StateValue()
               ?? throw new KmsAdministrationException($"the KMS at {kms.Endpoint} answered Get Attributes \"State\" of {keyId} without a State");
    }

    private async Task OneAsync(IKmipMessageClient client, BatchItemRequest request, string what)
    {
        var item = KmipResponse.Parse(await client.SendAsync(KmipRequests.Message(Version, Options, request)).ConfigureAwait(false)).BatchItems[0];
        if (!item.IsSuccess)
            throw new KmsAdministrationException($"the KMS at {kms.Endpoint} refused {what}: {item.ResultReason} {item.ResultMessage}".TrimEnd());
    }

    private async Task<IKmipMessageClient> ConnectAsync()
    {
        try { return await KmipTransports.ConnectAsync(kms.ClientOptions()).ConfigureAwait(false); }
        catch (Exception ex) when (ex is IOException or KmipException or TimeoutException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            throw new KmsAdministrationException($"the KMS at {kms.Endpoint} cannot be reached for the administrator's KMIP request: {ex.Message}", ex);
        }
    }
}

/// <summary>
/// The Harness KMS admin interface as the administrator of an external KMS that is a Harness KMS (<c>./harness run
/// --target HOST:PORT --admin URL --admin-token TOKEN</c>): the vSphere scenarios' administrator steps run for real.
/// </summary>
public sealed class HarnessAdminInterface(Uri url, string? token) : IManualKmsAdministrator, IDisposable
{
    private readonly KmsAdministrator _admin = new(url, token);
    private readonly List<string> _log = [];
    public IReadOnlyList<string> Log => _log;

    public async Task PerformAsync(string action, string keyId, CancellationToken ct = default)
    {
        await (action switch
        {
            "deactivate" => _admin.DeactivateAsync(keyId),
            "reactivate" => _admin.ReactivateAsync(keyId),
            "restore" => _admin.RestoreAsync(keyId),
            "delete-root-key" => _admin.DeleteRootKeyAsync(),
            _ => throw new KmsAdministrationException($"the Harness admin interface has no action \"{action}\""),
        }).ConfigureAwait(false);
        _log.Add($"{action} {keyId} through {_admin.Url}");
    }

    public void Dispose() => _admin.Dispose();
}
