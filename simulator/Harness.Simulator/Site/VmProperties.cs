namespace Harness.Simulator;

/// <summary>The properties of a VM as the Managed Object Browser shows them (seed 000 step 3a: config.keyId.keyId).</summary>
public static class VmProperties
{
    public static string? Read(VirtualMachine vm, string path) => path switch
    {
        "VirtualMachine.config.keyId.keyId" or "config.keyId.keyId" => vm.KeyId,
        "VirtualMachine.config.keyId.providerId.id" or "config.keyId.providerId.id" => vm.ProviderId,
        "VirtualMachine.runtime.cryptoState" or "runtime.cryptoState" => vm.CryptoState == CryptoState.Locked ? "locked" : "unlocked",
        "VirtualMachine.runtime.powerState" or "runtime.powerState" => vm.PowerState == PowerState.PoweredOn ? "poweredOn" : "poweredOff",
        "VirtualMachine.name" or "name" => vm.Name,
        _ => throw new ArgumentException($"\"{path}\" is not a property the simulator shows; known: VirtualMachine.config.keyId.keyId, " +
                                         "VirtualMachine.config.keyId.providerId.id, VirtualMachine.runtime.cryptoState, VirtualMachine.runtime.powerState"),
    };
}
