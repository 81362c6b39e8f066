namespace Harness.Simulator.Faults;

/// <summary>What a <see cref="KmsRelay"/> does with the traffic between KMIP clients and its KMS server.</summary>
public enum RelayMode
{
    /// <summary>Bytes flow both ways unchanged.</summary>
    Pass,

    /// <summary>
    /// The KMS is unreachable: nothing listens on the relay's port, so a connect is refused by the kernel (RST to the SYN,
    /// ECONNREFUSED), and the relayed connections that were open have been reset.
    /// </summary>
    Refuse,

    /// <summary>
    /// The KMS hangs: connections are accepted (the TCP handshake completes), but no byte is forwarded either way, on new
    /// and on existing connections. What arrives meanwhile is held and delivered in order once the relay passes again.
    /// </summary>
    Stall,
}
