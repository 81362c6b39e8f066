using Harness.Pki;

namespace Harness.Kmip.Client.Tests.Support;

/// <summary>One in-memory test PKI shared by the tests of this assembly (certificates are read-only once minted).</summary>
internal static class TestCertificates
{
    private static readonly Lazy<InMemoryPki> Shared = new(() => TestPki.CreateInMemory());

    public static InMemoryPki Pki => Shared.Value;
}
