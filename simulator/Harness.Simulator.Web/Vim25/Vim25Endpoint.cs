using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Harness.Simulator.Web.Vim25;

/// <summary>
/// vSphere's own API on the simulator: vim25 SOAP at https://127.0.0.1:PORT/sdk, as vCenter serves it, so that pyVmomi,
/// rbvmomi, govc and PowerCLI drive the simulated site unchanged. GET /sdk/vimServiceVersions.xml and
/// /sdk/vimService.wsdl let clients pick a version (vim25 6.7 to 7.0.3); POST /sdk takes a SOAP envelope with one method
/// call and answers its result or a SOAP fault with the vSphere fault. A session is the vmware_soap_session cookie that
/// SessionManager.Login sets. The objects and their IDs are those of the REST API and the dashboard (<see cref="VimInventory"/>).
/// </summary>
public sealed class Vim25Endpoint : IAsyncDisposable
{
    public const string CookieName = "vmware_soap_session";
    public const string DefaultUser = "administrator@vsphere.local";
    private readonly WebApplication _app;
    private readonly VimService _service;
    private readonly Soap _soap;
    private readonly SimulatorHost _host;

    private Vim25Endpoint(WebApplication app, SimulatorHost host, VimService service, Soap soap, string password)
    {
        _app = app;
        _host = host;
        _service = service;
        _soap = soap;
        Password = password;
    }

    /// <summary>https://127.0.0.1:PORT/sdk.</summary>
    public Uri Url { get; private set; } = null!;

    public string UserName => _service.UserName;
    public string Password { get; }

    /// <summary>The line the demo prints.</summary>
    public string Banner => $"vSphere API: {Url} (user {UserName}, password {Password})";

    /// <summary>A random password of 16 letters and digits (the demo's, one per run).</summary>
    public static string NewPassword() => RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", 16);

    /// <summary>Starts the endpoint on a loopback port (0: a free one), with TLS under <paramref name="certificate"/>.</summary>
    public static async Task<Vim25Endpoint> StartAsync(SimulatorHost host, X509Certificate2 certificate, string password, int port = 0, string userName = DefaultUser)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(certificate);
        if (string.IsNullOrEmpty(password)) throw new ArgumentException("the vSphere API needs a password", nameof(password));
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [SimulatorHost.NoConfigReload] });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var soap = new Soap(VimTypes.Vim25);
        var endpoint = new Vim25Endpoint(app, host, new VimService(host, VimTypes.Vim25, userName, password), soap, password);
        app.MapGet("/sdk/vimServiceVersions.xml", () => Results.Text(ServiceVersions, "text/xml; charset=utf-8"));
        app.MapGet("/sdk/vimService.wsdl", () => Results.Text(ServiceWsdl, "text/xml; charset=utf-8"));
        app.MapGet("/sdk/vim.wsdl", () => Results.Text(FullWsdl.Value, "text/xml; charset=utf-8"));
        app.MapPost("/sdk", endpoint.HandleAsync);
        await app.StartAsync();
        endpoint._changes = endpoint.WatchSiteAsync();
        endpoint.Url = new Uri($"https://127.0.0.1:{new Uri(app.Urls.First()).Port}/sdk");
        return endpoint;
    }

    private Task _changes = Task.CompletedTask;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Every change the site reports (events, alarms, a new vCenter) wakes the WaitForUpdates calls.</summary>
    private async Task WatchSiteAsync()
    {
        var (id, reader) = _host.Hub.Subscribe();
        try
        {
            await foreach (var _ in reader.ReadAllAsync(_stop.Token)) _service.Pulse();
        }
        catch (OperationCanceledException) { }
        finally { _host.Hub.Unsubscribe(id); }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        string body;
        using (var reader = new StreamReader(ctx.Request.Body))
            body = await reader.ReadToEndAsync(ctx.RequestAborted);
        string answer;
        int status = StatusCodes.Status200OK;
        var soap = _soap.For(ClientVersion(ctx.Request));
        try
        {
            var call = soap.ReadCall(body);
            VimService.Answer result;
            await _host.Gate.WaitAsync(ctx.RequestAborted);
            try { result = await _service.CallAsync(call, SessionKey(ctx.Request)); }
            finally { _host.Gate.Release(); }
            if (!call.Method.StartsWith("Retrieve", StringComparison.Ordinal) && !call.Method.StartsWith("WaitForUpdates", StringComparison.Ordinal)) _service.Pulse();
            if (result.NewSessionKey is { } key)
                ctx.Response.Headers.Append("Set-Cookie", $"{CookieName}=\"{key}\"; Path=/; HttpOnly; Secure;");
            answer = soap.Response(call.Method, result.Returnval, result.ReturnType);
        }
        catch (SoapRequestException ex)
        {
            status = StatusCodes.Status500InternalServerError;
            answer = soap.Fault(VimFaults.Of("InvalidRequest"), ex.Message);
        }
        catch (VimFaultException ex)
        {
            status = StatusCodes.Status500InternalServerError;
            answer = soap.Fault(ex.Fault, ex.Message);
        }
        catch (VsphereFault ex)
        {
            status = StatusCodes.Status500InternalServerError;
            answer = soap.Fault(VimFaults.ToData(ex.Fault), ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug must not cost the client its answer: vim25's SystemError, with what went wrong.
            status = StatusCodes.Status500InternalServerError;
            answer = soap.Fault(VimFaults.Of("SystemError", ("reason", ex.Message)), $"the simulator failed: {ex.GetType().Name}: {ex.Message}");
        }
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/xml; charset=utf-8";
        await ctx.Response.WriteAsync(answer, ctx.RequestAborted);
    }

    /// <summary>The vim25 version a client speaks, from its SOAPAction ("urn:vim25/6.7.1"); null (the newest) without one.</summary>
    internal static Version? ClientVersion(HttpRequest request)
    {
        var action = request.Headers["SOAPAction"].ToString().Trim('"');
        int slash = action.IndexOf('/');
        if (!action.StartsWith("urn:vim25", StringComparison.Ordinal) || slash < 0) return null;
        var text = action[(slash + 1)..];
        return Version.TryParse(text.Contains('.') ? text : text + ".0", out var v) ? v : null;
    }

    /// <summary>The session key of the vmware_soap_session cookie (vCenter quotes it), or null.</summary>
    private static string? SessionKey(HttpRequest request) =>
        request.Cookies.TryGetValue(CookieName, out var value) && value.Length > 0 ? value.Trim('"') : null;

    /// <summary>vCenter 7.0.3's version document: urn:vim25 7.0.3.0 and the versions before it.</summary>
    internal static readonly string ServiceVersions = """
        <?xml version="1.0" encoding="UTF-8" ?>
        <namespaces version="1.0">
          <namespace>
            <name>urn:vim25</name>
            <version>7.0.3.0</version>
            <priorVersions>
              <version>7.0.2.0</version>
              <version>7.0.1.0</version>
              <version>7.0.0.0</version>
              <version>6.7.3</version>
              <version>6.7.2</version>
              <version>6.7.1</version>
              <version>6.7</version>
              <version>6.5</version>
              <version>6.0</version>
            </priorVersions>
          </namespace>
        </namespaces>
        """;

    /// <summary>vim.wsdl (what vimService.wsdl imports), made once from the type table.</summary>
    private static readonly Lazy<string> FullWsdl = new(() => VimWsdl.Text(VimTypes.Vim25, VimService.ApiVersion));

    /// <summary>The service description clients fall back to: the vim25 namespace and the /sdk port.</summary>
    internal static readonly string ServiceWsdl = """
        <?xml version="1.0" encoding="UTF-8" ?>
        <definitions targetNamespace="urn:vim25Service" xmlns="http://schemas.xmlsoap.org/wsdl/"
                     xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:interface="urn:vim25">
          <import location="vim.wsdl" namespace="urn:vim25" />
          <service name="VimService">
            <port binding="interface:VimBinding" name="VimPort">
              <soap:address location="https://localhost/sdk" />
            </port>
          </service>
        </definitions>
        """;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _changes;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
