namespace Harness.Simulator;

/// <summary>
/// vCenter's AuthorizationManager, for what encryption needs: the privileges of vSphere's "Cryptographic operations"
/// group (Cryptographer.*), roles made of privileges (the system roles Administrator, No cryptography administrator and
/// Read-only, and custom ones), and each user's role on the inventory (a permission on the root folder, propagated).
/// A user without a permission of their own has the Administrator role, as the administrator of a test site does.
/// </summary>
public sealed class AuthorizationManager
{
    /// <summary>vSphere's 14 Cryptographic operations privileges (vSphere Security, "Cryptographic Operations Privileges").</summary>
    public static readonly IReadOnlyList<string> CryptographerPrivileges =
    [
        "Cryptographer.Access", "Cryptographer.AddDisk", "Cryptographer.Clone", "Cryptographer.Decrypt", "Cryptographer.Encrypt",
        "Cryptographer.EncryptNew", "Cryptographer.ManageEncryptionPolicy", "Cryptographer.ManageKeyServers", "Cryptographer.ManageKeys",
        "Cryptographer.Migrate", "Cryptographer.ReadKeyServersInfo", "Cryptographer.Recrypt", "Cryptographer.RegisterHost", "Cryptographer.RegisterVM",
    ];

    /// <summary>The other privileges the simulator knows (those a role needs besides the cryptographic ones).</summary>
    public static readonly IReadOnlyList<string> OtherPrivileges =
    [
        "System.Anonymous", "System.View", "System.Read", "VirtualMachine.Interact.PowerOn", "VirtualMachine.Interact.PowerOff",
        "VirtualMachine.Inventory.Register", "VirtualMachine.Inventory.Unregister", "VirtualMachine.Provisioning.Clone",
        "Resource.HotMigrate", "Host.Config.Maintenance",
    ];

    public static IEnumerable<string> AllPrivileges => OtherPrivileges.Concat(CryptographerPrivileges);

    public const string Administrator = "Administrator";
    public const string NoCryptographyAdministrator = "No cryptography administrator";
    public const string ReadOnly = "Read-only";

    private readonly Dictionary<string, HashSet<string>> _roles = new(StringComparer.Ordinal)
    {
        [Administrator] = [.. AllPrivileges],
        // vSphere: the Administrator's privileges except the Cryptographic operations ones.
        [NoCryptographyAdministrator] = [.. OtherPrivileges],
        [ReadOnly] = ["System.Anonymous", "System.View", "System.Read"],
    };

    private readonly Dictionary<string, string> _permissions = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> RoleNames => _roles.Keys;

    /// <summary>The role's privileges; null for a role that does not exist.</summary>
    public IReadOnlySet<string>? PrivilegesOf(string role) => _roles.GetValueOrDefault(role);

    /// <summary>AddAuthorizationRole: a custom role of known privileges; the fault (InvalidName, AlreadyExists, InvalidArgument), or null.</summary>
    public MethodFault? AddAuthorizationRole(string name, IEnumerable<string> privileges) => MethodFaults.Catch(() =>
    {
        if (string.IsNullOrWhiteSpace(name)) throw new VsphereFault("InvalidName", "a role needs a name");
        if (_roles.ContainsKey(name)) throw new VsphereFault("AlreadyExists", $"the role \"{name}\" already exists");
        var set = privileges.ToHashSet(StringComparer.Ordinal);
        if (set.FirstOrDefault(p => !AllPrivileges.Contains(p)) is { } unknown)
            throw new VsphereFault("InvalidArgument", $"\"{unknown}\" is not a privilege; the Cryptographic operations privileges are {string.Join(", ", CryptographerPrivileges)}");
        _roles[name] = set;
    });

    /// <summary>SetEntityPermissions on the root folder: the user's role everywhere in the inventory; NotFound for an unknown role.</summary>
    public MethodFault? SetPermission(string user, string role)
    {
        if (!_roles.ContainsKey(role)) return new NotFound($"there is no role \"{role}\"; roles: {string.Join(", ", _roles.Keys)}");
        _permissions[user] = role;
        return null;
    }

    public string RoleOf(string user) => _permissions.GetValueOrDefault(user, Administrator);

    /// <summary>HasPrivilegeOnEntities, for the root folder.</summary>
    public bool HasPrivilege(string user, string privilege) => _roles[RoleOf(user)].Contains(privilege);

    /// <summary>
    /// The user keeps their role's privileges but one: they get a custom role "ROLE without PRIVILEGE" (made once).
    /// </summary>
    public MethodFault? RevokePrivilege(string user, string privilege)
    {
        if (!AllPrivileges.Contains(privilege))
            return new InvalidArgument($"\"{privilege}\" is not a privilege; the Cryptographic operations privileges are {string.Join(", ", CryptographerPrivileges)}");
        var role = RoleOf(user);
        var reduced = $"{role} without {privilege}";
        if (!_roles.ContainsKey(reduced)) _roles[reduced] = [.. _roles[role].Where(p => p != privilege)];
        _permissions[user] = reduced;
        return null;
    }

    /// <summary>The same roles and permissions (what a vCenter restored from backup gets back).</summary>
    public void CopyTo(AuthorizationManager other)
    {
        foreach (var (name, set) in _roles) other._roles[name] = [.. set];
        foreach (var (user, role) in _permissions) other._permissions[user] = role;
    }
}
