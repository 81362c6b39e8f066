using Harness.Kmip;
using Harness.Kmip.Client;
using Harness.Pki;
using Harness.Testing;

namespace Harness.Interop.Tests;

/// <summary>The Harness KMIP client against a third-party server: the Debian PyKMIP server (TLS 1.2, mutual TLS).</summary>
public sealed class HarnessClientAgainstPyKmipServerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private PyKmipTestServer _kms = null!;

    public async ValueTask InitializeAsync() => _kms = await PyKmipTestServer.StartAsync("harness-pykmip-test-");

    public async ValueTask DisposeAsync()
    {
        if (_kms is not null) await _kms.DisposeAsync(output);
    }

    private Task<KmipClient> ConnectAsync() => KmipClient.ConnectAsync(
        KmipClientOptions.FromPki(_kms.Server.Host, _kms.Server.Port, _kms.Pki) with { ReceiveTimeout = TimeSpan.FromSeconds(30) });

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 2)]
    [InlineData(1, 4)] // the highest 1.x both sides have: vCenter's family of versions
    [InlineData(2, 0)] // the newest PyKMIP 0.10 speaks
    public async Task HarnessClient_DiscoverVersionsCreateGet_AgainstPyKmipServer_Interoperates(int major, int minor)
    {
        await using var client = await ConnectAsync();
        client.NegotiatedProtocol.Should().Be(System.Security.Authentication.SslProtocols.Tls12, "PyKMIP's TLS1.2 suite");

        var ops = new KmipOperations(client, ProtocolVersion.V1_2);
        var versions = await ops.DiscoverVersionsAsync(ProtocolVersion.Supported);
        versions.Should().Equal([ProtocolVersion.V2_0, ProtocolVersion.V1_4, ProtocolVersion.V1_3, ProtocolVersion.V1_2, ProtocolVersion.V1_1, ProtocolVersion.V1_0],
            "PyKMIP 0.10 answers with every version both sides have, newest first (it stops at 2.0)");

        var v = new ProtocolVersion(major, minor);
        ops = ops.WithVersion(v);
        var id = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        id.Should().NotBeNullOrEmpty();

        var key = await ops.GetAsync(id);
        key.UniqueIdentifier.Should().Be(id);
        key.ObjectType.Should().Be(ObjectType.SymmetricKey);
        key.CryptographicAlgorithm.Should().Be(CryptographicAlgorithm.AES);
        key.CryptographicLength.Should().Be(256);
        key.KeyFormatType.Should().Be(KeyFormatType.Raw);
        key.KeyMaterial.Should().HaveCount(32);

        // The same bytes again on a second connection: PyKMIP stored what it handed out.
        await using var second = await ConnectAsync();
        var again = await new KmipOperations(second, v).GetAsync(id);
        again.KeyMaterial.Should().Equal(key.KeyMaterial);
    }

    [Fact]
    public async Task PyKmipServer_Stop_KillsTheServerAndFreesThePort()
    {
        var port = _kms.Server.Port;
        _kms.Server.Stop();

        var refused = async () => await KmipClient.ConnectAsync(
            KmipClientOptions.FromPki("127.0.0.1", port, _kms.Pki) with { ConnectTimeout = TimeSpan.FromSeconds(5) });
        await refused.Should().ThrowAsync<KmipConnectionException>("nothing listens on the port any more");
    }
}
