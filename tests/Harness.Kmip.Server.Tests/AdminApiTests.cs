using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Harness.Kmip.Client;
using Harness.Pki;
using static Harness.Kmip.Server.Tests.KmipTestClient;

namespace Harness.Kmip.Server.Tests;

/// <summary>The KMS administrator's interface: bearer token, clients, objects and what an administrator does to keys.</summary>
public class AdminApiTests
{
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = await response.JsonAsync();
        problem.GetProperty("status").GetInt32().Should().Be((int)status);
        problem.GetProperty("title").GetString().Should().NotBeNullOrWhiteSpace();
        return problem;
    }

    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return await response.JsonAsync();
    }

    [Fact]
    public async Task Request_WithoutToken_401ProblemJson()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var http = new HttpClient { BaseAddress = kms.Server.AdminUrl };

        var problem = await ProblemAsync(await http.GetPathAsync("/clients"), HttpStatusCode.Unauthorized);

        problem.GetProperty("detail").GetString().Should().Contain("admin.token");
    }

    [Fact]
    public async Task Request_WithWrongToken_401ProblemJson()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var http = new HttpClient { BaseAddress = kms.Server.AdminUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", kms.Server.AdminToken + "x");

        await ProblemAsync(await http.PostTextAsync("/objects/anything/destroy"), HttpStatusCode.Unauthorized);
        await ProblemAsync(await http.GetPathAsync("/objects"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Request_TokenFromDataDirectory_Accepted()
    {
        await using var kms = await KmsFixture.StartAsync();
        var token = File.ReadAllText(Path.Combine(kms.DataDirectory, "admin.token")).Trim();
        using var http = new HttpClient { BaseAddress = kms.Server.AdminUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        (await http.GetPathAsync("/clients")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task GetClients_AfterClientConnected_ListsItWithThumbprint()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        await client.CreateKeyAsync();
        using var admin = kms.Admin();

        var clients = await OkJsonAsync(await admin.GetPathAsync("/clients"));

        var entry = clients.EnumerateArray().Should().ContainSingle().Subject;
        entry.GetProperty("subject").GetString().Should().Be("CN=Harness Client");
        entry.GetProperty("sha1").GetString().Should().Be(Thumbprints.Sha1(kms.Pki.Client));
        entry.GetProperty("objects").GetInt32().Should().Be(1);
        entry.GetProperty("allowed").GetBoolean().Should().BeFalse("it is trusted through the CA, not allowed explicitly");
    }

    [Fact]
    public async Task GetObjects_CreatedKey_ShownWithStateOwnerAndAttributes()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync(V14, Name("vm-key-1"), KmipAttribute.Text("x-Vendor", "VMware"));
        using var admin = kms.Admin();

        var objects = await OkJsonAsync(await admin.GetPathAsync("/objects"));

        var o = objects.EnumerateArray().Should().ContainSingle().Subject;
        o.GetProperty("id").GetString().Should().Be(id);
        o.GetProperty("state").GetString().Should().Be("PreActive");
        o.GetProperty("ownerSubject").GetString().Should().Be("CN=Harness Client");
        o.GetProperty("ownerSha1").GetString().Should().Be(Thumbprints.Sha1(kms.Pki.Client));
        o.GetProperty("name").GetString().Should().Be("vm-key-1");
        o.GetProperty("length").GetInt32().Should().Be(256);
        o.GetProperty("algorithm").GetString().Should().Be("AES");
        o.GetProperty("customAttributes").GetProperty("x-Vendor").GetString().Should().Be("VMware");
        (await OkJsonAsync(await admin.GetPathAsync($"/objects/{id}"))).GetProperty("id").GetString().Should().Be(id);
        (await OkJsonAsync(await admin.GetPathAsync($"/objects?owner={Thumbprints.Sha1(kms.Pki.Client)}"))).GetArrayLength().Should().Be(1);
        (await OkJsonAsync(await admin.GetPathAsync("/objects?owner=00:11:22"))).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Deactivate_ActiveKey_GetPermissionDeniedAndStateDeactivated()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync(V14, Date(Tag.ActivationDate, kms.Clock.GetUtcNow().AddMinutes(-1)));
        using var admin = kms.Admin();

        var view = await OkJsonAsync(await admin.PostTextAsync($"/objects/{id}/deactivate"));

        view.GetProperty("state").GetString().Should().Be("Deactivated");
        view.GetProperty("disabledByAdministrator").GetBoolean().Should().BeTrue();
        var get = await client.OneAsync(V14, KmipBatchItems.Get(id));
        get.ResultReason.Should().Be(ResultReason.PermissionDenied);
        get.ResultMessage.Should().Contain("administrator");
        (await client.StateAsync(id)).Should().Be(State.Deactivated);
    }

    [Fact]
    public async Task Reactivate_DeactivatedKey_GetWorksAndStateActive()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync(V14, Date(Tag.ActivationDate, kms.Clock.GetUtcNow().AddMinutes(-1)));
        var bytes = await client.GetKeyBytesAsync(id);
        using var admin = kms.Admin();
        await OkJsonAsync(await admin.PostTextAsync($"/objects/{id}/deactivate"));

        var view = await OkJsonAsync(await admin.PostTextAsync($"/objects/{id}/reactivate"));

        view.GetProperty("state").GetString().Should().Be("Active");
        (await client.GetKeyBytesAsync(id)).Should().Equal(bytes);
        (await client.StateAsync(id)).Should().Be(State.Active);
    }

    [Fact]
    public async Task Reactivate_KeyRevokedAsCompromised_ActiveAgain()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync(V14, Date(Tag.ActivationDate, kms.Clock.GetUtcNow().AddMinutes(-1)));
        (await client.OneAsync(V14, KmipBatchItems.Revoke(id, RevocationReasonCode.KeyCompromise, compromiseOccurrenceDate: kms.Clock.GetUtcNow()))).EnsureSuccess();
        using var admin = kms.Admin();

        await OkJsonAsync(await admin.PostTextAsync($"/objects/{id}/reactivate"));

        (await client.StateAsync(id)).Should().Be(State.Active);
    }

    [Fact]
    public async Task DestroyThenRestore_Key_GetFailsThenReturnsIdenticalBytes()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        var bytes = await client.GetKeyBytesAsync(id);
        using var admin = kms.Admin();

        var destroyed = await OkJsonAsync(await admin.PostTextAsync($"/objects/{id}/destroy"));

        destroyed.GetProperty("state").GetString().Should().Be("Destroyed");
        destroyed.GetProperty("restorable").GetBoolean().Should().BeTrue();
        (await client.OneAsync(V14, KmipBatchItems.Get(id))).IsSuccess.Should().BeFalse();
        (await client.StateAsync(id)).Should().Be(State.Destroyed);

        var restored = await OkJsonAsync(await admin.PostTextAsync($"/objects/{id}/restore"));

        restored.GetProperty("state").GetString().Should().Be("Active");
        (await client.GetKeyBytesAsync(id)).Should().Equal(bytes);
    }

    [Fact]
    public async Task Restore_AfterRestart_IdenticalBytes()
    {
        await using var kms = await KmsFixture.StartAsync();
        string id;
        byte[] bytes;
        await using (var client = await kms.ConnectAsync())
        {
            id = await client.CreateKeyAsync();
            bytes = await client.GetKeyBytesAsync(id);
        }
        using (var admin = kms.Admin()) await OkJsonAsync(await admin.PostTextAsync($"/objects/{id}/destroy"));

        await kms.RestartAsync();

        using (var admin = kms.Admin()) await OkJsonAsync(await admin.PostTextAsync($"/objects/{id}/restore"));
        await using var again = await kms.ConnectAsync();
        (await again.GetKeyBytesAsync(id)).Should().Equal(bytes);
    }

    [Theory]
    [InlineData("GET", "/objects/{0}")]
    [InlineData("POST", "/objects/{0}/deactivate")]
    [InlineData("POST", "/objects/{0}/destroy")]
    public async Task Object_UnknownId_404ProblemNamingTheId(string method, string pathFormat)
    {
        await using var kms = await KmsFixture.StartAsync();
        using var admin = kms.Admin();
        var path = string.Format(pathFormat, "no-such-object");

        var response = method == "GET" ? await admin.GetPathAsync(path) : await admin.PostTextAsync(path);

        var problem = await ProblemAsync(response, HttpStatusCode.NotFound);
        problem.GetProperty("detail").GetString().Should().Be("no object with Unique Identifier 'no-such-object'");
    }

    [Fact]
    public async Task Object_UnknownAction_404ProblemListingTheActions()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        using var admin = kms.Admin();

        var problem = await ProblemAsync(await admin.PostTextAsync($"/objects/{id}/explode"), HttpStatusCode.NotFound);

        problem.GetProperty("detail").GetString().Should().Contain("'explode'").And.Contain("deactivate, reactivate, destroy or restore");
        (await client.StateAsync(id)).Should().Be(State.PreActive);
    }

    [Fact]
    public async Task Destroy_Twice_409Problem()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        using var admin = kms.Admin();
        await OkJsonAsync(await admin.PostTextAsync($"/objects/{id}/destroy"));

        var problem = await ProblemAsync(await admin.PostTextAsync($"/objects/{id}/destroy"), HttpStatusCode.Conflict);

        problem.GetProperty("detail").GetString().Should().Contain("already destroyed");
    }

    [Fact]
    public async Task Restore_KeyDestroyedThroughKmip_409MaterialGone()
    {
        await using var kms = await KmsFixture.StartAsync();
        await using var client = await kms.ConnectAsync();
        var id = await client.CreateKeyAsync();
        (await client.OneAsync(V14, KmipBatchItems.Destroy(id))).EnsureSuccess();
        using var admin = kms.Admin();

        var problem = await ProblemAsync(await admin.PostTextAsync($"/objects/{id}/restore"), HttpStatusCode.Conflict);

        problem.GetProperty("detail").GetString().Should().Contain("material is gone");
    }

    [Fact]
    public async Task AllowClient_NotPem_400Problem()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var admin = kms.Admin();

        await ProblemAsync(await admin.PostTextAsync("/clients", "hello"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AllowClient_UnknownThumbprint_404Problem()
    {
        await using var kms = await KmsFixture.StartAsync();
        using var admin = kms.Admin();

        var problem = await ProblemAsync(await admin.PostTextAsync("/clients/00:11:22:33/allow"), HttpStatusCode.NotFound);

        problem.GetProperty("detail").GetString().Should().Contain("00:11:22:33");
    }
}
