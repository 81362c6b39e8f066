using Reqnroll;
using Harness.Simulator;

namespace Harness.Steps;

/// <summary>Roles and privileges (vSphere's Cryptographic operations privileges, the "No cryptography administrator" role, custom roles).</summary>
[Binding]
public sealed class PrivilegeSteps(SimulatedSite site)
{
    [Given("user {string} has the role {string}")]
    public void HasRole(string user, string role) => site.Actions.GrantRole(user, role);

    [Given("a role {string} with the privileges {string}")]
    public void CustomRole(string role, string privileges) => site.Actions.AddRole(role, StepTables.Names(privileges));

    [When("user {string} removes the key of VM {string} from vCenter")]
    public Task UserRemovesKey(string user, string vm) => site.AttemptAsync(() => site.Actions.RemoveKeyOfAsync(site.Simulation.Vm(vm), force: false, user));
}
