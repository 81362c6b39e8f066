using Harness.Scenarios;

namespace Harness.Steps;

/// <summary>Roles and privileges (vSphere's Cryptographic operations privileges, the "No cryptography administrator" role, custom roles).</summary>
[Binding]
public sealed class PrivilegeSteps(VsphereDriver site)
{
    private static IEnumerable<string> List(string names) => names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    [Given("user {string} has the role {string}")]
    public void HasRole(string user, string role) => site.VCenter.Authorization.SetPermission(user, role);

    [Given("a role {string} with the privileges {string}")]
    public void CustomRole(string role, string privileges) => site.VCenter.Authorization.AddAuthorizationRole(role, List(privileges));

    [When("user {string} powers on VM {string}")]
    public Task UserPowersOn(string user, string vm) => site.AttemptAsync(() => site.VCenter.PowerOnVmAsync(site.Simulation.Vm(vm)));

    [When("user {string} removes the key of VM {string} from vCenter")]
    public Task UserRemovesKey(string user, string vm) => site.AttemptAsync(() => site.VCenter.RemoveKeyAsync(site.Simulation.Vm(vm).KeyId!, force: false, user));
}
