using Harness.Simulator;
using Harness.Simulator.Web;
using Harness.Simulator.Web.Vim25;

namespace Harness.Interop.Tests;

/// <summary>
/// What the vSphere API clients (pyVmomi, rbvmomi) are tested against: a preset site (one cluster of two hosts, three VMs
/// each, every other VM encrypted, KMS cluster "kms-prod"), its REST host (to inject faults as a user does) and its
/// vim25 endpoint with a fresh password.
/// </summary>
internal sealed class SimulatedVsphere : IAsyncDisposable
{
    private SimulatedVsphere(SimulatedSite site, SimulatorHost host, Vim25Endpoint vim25)
    {
        Site = site;
        Host = host;
        Vim25 = vim25;
    }

    public SimulatedSite Site { get; }
    public SimulatorHost Host { get; }
    public Vim25Endpoint Vim25 { get; }
    public Simulation Simulation => Site.Simulation;

    public static async Task<SimulatedVsphere> StartAsync()
    {
        var site = new SimulatedSite();
        SimulatorHost? host = null;
        try
        {
            await PresetInventory.BuildAsync(site, clusters: 1, hostsPerCluster: 2, vmsPerHost: 3, encryptedShare: 0.5);
            host = await SimulatorHost.StartAsync(site);
            var vim25 = await Vim25Endpoint.StartAsync(host, SimCertificates.VCenterMachineSsl(PresetInventory.VCenterName, site.Simulation.Clock.GetUtcNow()),
                Vim25Endpoint.NewPassword());
            return new SimulatedVsphere(site, host, vim25);
        }
        catch
        {
            if (host is not null) await host.DisposeAsync();
            await site.DisposeAsync();
            throw;
        }
    }

    /// <summary>Changes the site as a user does, through the simulator's REST API (POST /api/...).</summary>
    public async Task PostAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = Host.Url };
        using var response = await http.PostAsync("api/" + path, null);
        response.IsSuccessStatusCode.Should().BeTrue($"POST /api/{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        await Vim25.DisposeAsync();
        await Host.DisposeAsync();
        await Site.DisposeAsync();
    }
}
