using Harness.Kmip.Client;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>
/// Set Endpoint Role and the server-to-client operations: once a client gives the server the client role on a
/// connection, the server sends it Put for each of its new objects and Notify for each change, after the change is
/// durable; other clients' objects are not sent.
/// </summary>
public class ServerToClientTests
{
    private static TtlvNode Payload(TtlvNode message, Operation expected)
    {
        var item = message.Required(Tag.BatchItem);
        item.Required(Tag.Operation).AsEnumOf<Operation>().Should().Be(expected);
        return item.Required(Tag.RequestPayload);
    }

    [Fact]
    public async Task AfterSetEndpointRole_TheServerPutsNewObjectsAndNotifiesChanges_OfThisClientOnly()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var listener = await kms.ConnectAsync();
        await using var client = await kms.ConnectAsync();
        await using var other = await kms.ConnectAsync(kms.Pki.Ca.IssueClient("Other Client"));
        var ops = new KmipOperations(client, V21);

        (await listener.OneAsync(V21, KmipBatchItems.SetEndpointRole(EndpointRole.Client))).EnsureSuccess().RequiredPayload
            .Required(Tag.EndpointRole).AsEnumOf<EndpointRole>().Should().Be(EndpointRole.Client);
        await new KmipOperations(other, V21).CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);
        var key = await ops.CreateSymmetricKeyAsync(KmipAttribute.Aes256EncryptDecrypt);

        var put = (await listener.ReceiveServerRequestAsync(Ct))!;
        put.Required(Tag.RequestHeader).Required(Tag.ProtocolVersion).ValueEquals(V21.ToTtlv()).Should().BeTrue();
        var putPayload = Payload(put, Operation.Put);
        putPayload.Required(Tag.UniqueIdentifier).AsText.Should().Be(key, "the other client's key is not sent");
        putPayload.Required(Tag.PutFunction).AsEnumOf<PutFunction>().Should().Be(PutFunction.New);
        putPayload.Required(Tag.SymmetricKey).Required(Tag.KeyBlock).Required(Tag.KeyValue).Should().NotBeNull();
        putPayload.Required(Tag.Attributes).Required(Tag.CryptographicLength).AsInt32.Should().Be(256);
        await listener.AcknowledgeServerRequestAsync(put, Ct);

        await ops.ActivateAsync(key);
        var notifyMessage = (await listener.ReceiveServerRequestAsync(Ct))!;
        var notify = Payload(notifyMessage, Operation.Notify);
        notify.Required(Tag.UniqueIdentifier).AsText.Should().Be(key);
        var changed = notify.Required(Tag.Attributes);
        changed.Required(Tag.State).AsEnumOf<State>().Should().Be(State.Active);
        changed.Child(Tag.LastChangeDate).Should().NotBeNull("a Notify includes at least the Last Change Date");
        changed.Child(Tag.CryptographicLength).Should().BeNull("only what changed");
        await listener.AcknowledgeServerRequestAsync(notifyMessage, Ct);

        var replacement = IdOf(await client.OneAsync(V21, ReKey(key)));
        var messages = new List<TtlvNode>();
        for (int i = 0; i < 2; i++)
        {
            messages.Add((await listener.ReceiveServerRequestAsync(Ct))!);
            await listener.AcknowledgeServerRequestAsync(messages[^1], Ct); // the server sends the next once this is answered
        }
        var rekeyPut = messages.Select(m => m.Required(Tag.BatchItem)).Single(i => i.Required(Tag.Operation).AsEnumOf<Operation>() == Operation.Put)
            .Required(Tag.RequestPayload);
        rekeyPut.Required(Tag.UniqueIdentifier).AsText.Should().Be(replacement);
        rekeyPut.Required(Tag.PutFunction).AsEnumOf<PutFunction>().Should().Be(PutFunction.Replace);
        rekeyPut.Required(Tag.ReplacedUniqueIdentifier).AsText.Should().Be(key);
    }

    [Fact]
    public async Task ADeletedAttribute_IsNotifiedByItsReference()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var listener = await kms.ConnectAsync();
        await using var client = await kms.ConnectAsync();
        var ops = new KmipOperations(client, V21);
        var key = await ops.CreateSymmetricKeyAsync([.. KmipAttribute.Aes256EncryptDecrypt, KmipAttribute.ObjectGroup("old group")]);
        (await listener.OneAsync(V21, KmipBatchItems.SetEndpointRole(EndpointRole.Client))).EnsureSuccess();

        (await client.OneAsync(V21, new BatchItemRequest(Operation.DeleteAttribute, KmipRequests.Payload(TtlvNode.Text(Tag.UniqueIdentifier, key),
            TtlvNode.Structure(Tag.CurrentAttribute, TtlvNode.Text(Tag.ObjectGroup, "old group")))))).EnsureSuccess();

        var notify = Payload((await listener.ReceiveServerRequestAsync(Ct))!, Operation.Notify);
        notify.ChildrenOf(Tag.AttributeReference).Select(r => r.AsEnum).Should().Equal((uint)Tag.ObjectGroup);
    }

    [Fact]
    public async Task EndpointRoleServer_ChangesNothing_AndAClientSendingPutOrNotify_IsToldTheyGoTheOtherWay()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        (await client.OneAsync(V21, KmipBatchItems.SetEndpointRole(EndpointRole.Server))).EnsureSuccess().RequiredPayload
            .Required(Tag.EndpointRole).AsEnumOf<EndpointRole>().Should().Be(EndpointRole.Server);
        (await client.OneAsync(V21, KmipBatchItems.Ping())).EnsureSuccess();

        foreach (var operation in new[] { Operation.Put, Operation.Notify })
        {
            var refused = await client.OneAsync(V14, new BatchItemRequest(operation, KmipRequests.Payload()));
            refused.ResultReason.Should().Be(ResultReason.PermissionDenied);
            refused.ResultMessage.Should().StartWith($"{operation} goes from the server to a client");
        }
        (await client.OneAsync(V21, new BatchItemRequest(Operation.SetEndpointRole, KmipRequests.Payload()))).ResultReason.Should().Be(ResultReason.InvalidField);
    }

    /// <summary>A KMIP 1.x client's endpoint: a TLS server (certificate of the clients' CA) that takes the server's requests.</summary>
    private sealed class ClientEndpoint : IAsyncDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
        private System.Net.Security.SslStream? _tls;

        public ClientEndpoint() => _listener.Start();

        public int Port => ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>The next request the server sends (accepting its connection the first time); it is answered with success.</summary>
        public async Task<TtlvNode> NextAsync(Harness.Pki.InMemoryPki pki)
        {
            if (_tls is null)
            {
                var socket = await _listener.AcceptSocketAsync(Ct);
                _tls = new System.Net.Security.SslStream(new System.Net.Sockets.NetworkStream(socket, ownsSocket: true));
                await _tls.AuthenticateAsServerAsync(new System.Net.Security.SslServerAuthenticationOptions
                {
                    ServerCertificate = pki.Ca.IssueServer(), ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null,
                }, Ct);
            }
            var header = new byte[8];
            await _tls.ReadExactlyAsync(header, Ct);
            TtlvReader.TryGetMessageLength(header, new TtlvLimits(1 << 20, 32), out int total);
            var message = new byte[total];
            header.CopyTo(message, 0);
            await _tls.ReadExactlyAsync(message.AsMemory(8), Ct);
            var request = TtlvReader.Decode(message);
            var item = request.Required(Tag.BatchItem);
            await _tls.WriteAsync(TtlvWriter.Encode(TtlvNode.Structure(Tag.ResponseMessage,
                TtlvNode.Structure(Tag.ResponseHeader, request.Required(Tag.RequestHeader).Required(Tag.ProtocolVersion),
                    TtlvNode.DateTime(Tag.TimeStamp, DateTimeOffset.UtcNow), TtlvNode.Integer(Tag.BatchCount, 1)),
                TtlvNode.Structure(Tag.BatchItem, item.Required(Tag.Operation), TtlvNode.Enumeration(Tag.ResultStatus, ResultStatus.Success)))), Ct);
            return request;
        }

        public async ValueTask DisposeAsync()
        {
            if (_tls is not null) await _tls.DisposeAsync();
            _listener.Stop();
        }
    }

    [Fact]
    public async Task Kmip1x_TheServerConnectsToTheEndpointTheAdministratorRegistered_AndPutsAndNotifiesThere()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        await using var endpoint = new ClientEndpoint();
        (await client.OneAsync(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]))).EnsureSuccess(); // the server knows the client now
        using var admin = kms.Admin();
        var sha1 = kms.Pki.Client.Thumbprint;

        (await admin.PostAsync($"clients/{sha1}/notifications?endpoint=127.0.0.1:{endpoint.Port}&version=1.4", null, Ct)).EnsureSuccessStatusCode();
        var key = await client.CreateKeyAsync(V14);
        await new KmipOperations(client, V14).ActivateAsync(key);

        var put = await endpoint.NextAsync(kms.Pki);
        put.Required(Tag.RequestHeader).Required(Tag.ProtocolVersion).ValueEquals(V14.ToTtlv()).Should().BeTrue();
        var putPayload = Payload(put, Operation.Put);
        putPayload.Required(Tag.UniqueIdentifier).AsText.Should().Be(key);
        putPayload.ChildrenOf(Tag.Attribute).Should().Contain(a => a.Required(Tag.AttributeName).AsText == "Cryptographic Length", "1.x Attribute structures");
        var notify = Payload(await endpoint.NextAsync(kms.Pki), Operation.Notify);
        notify.ChildrenOf(Tag.Attribute).Select(a => a.Required(Tag.AttributeName).AsText).Should().Contain(["State", "Last Change Date"]);

        (await admin.DeleteAsync($"clients/{sha1}/notifications", Ct)).StatusCode.Should().Be(System.Net.HttpStatusCode.NoContent);
        (await admin.DeleteAsync($"clients/{sha1}/notifications", Ct)).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("endpoint=nowhere&version=1.4", 400, "endpoint must be HOST:PORT")]
    [InlineData("endpoint=127.0.0.1:7000&version=one", 400, "is not a KMIP protocol version")]
    [InlineData("endpoint=127.0.0.1:7000&version=3.0", 400, "is not a version this server speaks")]
    public async Task RegisteringABadEndpoint_IsRefusedSayingWhy(string query, int status, string says)
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        (await client.OneAsync(V14, KmipBatchItems.Query([QueryFunction.QueryOperations]))).EnsureSuccess();
        using var admin = kms.Admin();

        var response = await admin.PostAsync($"clients/{kms.Pki.Client.Thumbprint}/notifications?{query}", null, Ct);

        ((int)response.StatusCode).Should().Be(status);
        (await response.Content.ReadAsStringAsync(Ct)).Should().Contain(says);
        (await admin.PostAsync("clients/00112233/notifications?endpoint=127.0.0.1:7000", null, Ct)).StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
    }
}
