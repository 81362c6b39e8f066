using System.Net;
using System.Net.Sockets;

namespace Harness.Simulator;

/// <summary>Ports for processes the simulation starts (KMS nodes, PostgreSQL), which must be told where to listen.</summary>
internal static class LoopbackPorts
{
    /// <summary>A TCP port on 127.0.0.1 that nothing listens on now (the system's choice of a free one).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
