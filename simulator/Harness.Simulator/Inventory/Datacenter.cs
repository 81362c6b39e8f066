namespace Harness.Simulator;

/// <summary>A datacenter (managed object datacenter-N): the clusters vCenter manages in it.</summary>
public sealed class Datacenter(string name)
{
    public string Name { get; } = name;
    public List<Cluster> Clusters { get; } = [];
}
