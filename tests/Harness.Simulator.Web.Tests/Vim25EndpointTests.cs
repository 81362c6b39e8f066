using System.Net;
using System.Text;
using System.Xml.Linq;
using Harness.Simulator.Web.Vim25;

namespace Harness.Simulator.Web.Tests;

/// <summary>
/// The vim25 SOAP endpoint through real HTTPS: the version documents, and a SOAP fault (never a crash) for each kind of
/// bad request: not XML, not an envelope, an unknown method, a wrong managed object reference, no session, a bad
/// parameter. pyVmomi and rbvmomi drive the good paths in Harness.Interop.Tests.
/// </summary>
public sealed class Vim25EndpointTests : IAsyncLifetime
{
    private ApiSite _site = null!;
    private Vim25Endpoint _vim25 = null!;
    private HttpClient _http = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly XNamespace Vim = "urn:vim25";

    public async ValueTask InitializeAsync()
    {
        _site = await ApiSite.StartAsync();
        _vim25 = await Vim25Endpoint.StartAsync(_site.Host, SimCertificates.VCenterMachineSsl("vc01", DateTimeOffset.UtcNow), "secret-password");
        _http = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, _, _, _) => true,
            UseCookies = true,
            CookieContainer = new CookieContainer(),
        }) { BaseAddress = _vim25.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _vim25.DisposeAsync();
        await _site.DisposeAsync();
    }

    private static string Envelope(string call) =>
        $"""<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soapenv:Body>{call}</soapenv:Body></soapenv:Envelope>""";

    private async Task<(HttpStatusCode Status, XDocument Body)> PostAsync(string body, string? soapAction = null)
    {
        using var content = new StringContent(body, Encoding.UTF8, "text/xml");
        if (soapAction is not null) content.Headers.Add("SOAPAction", $"\"{soapAction}\"");
        using var response = await _http.PostAsync(_vim25.Url, content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/xml");
        return (response.StatusCode, XDocument.Parse(text));
    }

    private static (string Type, string Message) Fault(XDocument doc)
    {
        var fault = doc.Descendants("faultstring").Single();
        var detail = doc.Descendants("detail").Single().Elements().Single();
        var type = detail.Attribute(XName.Get("type", "http://www.w3.org/2001/XMLSchema-instance"))!.Value;
        detail.Name.LocalName.Should().Be(type + "Fault");
        return (type, fault.Value);
    }

    private async Task LoginAsync()
    {
        var (status, doc) = await PostAsync(Envelope("""<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>administrator@vsphere.local</userName><password>secret-password</password></Login>"""));
        status.Should().Be(HttpStatusCode.OK, doc.ToString());
        doc.Descendants(Vim + "userName").Single().Value.Should().Be("administrator@vsphere.local");
    }

    [Fact]
    public async Task VersionDocuments_NameVim25_7_0_3_AndThePriorVersions()
    {
        var versions = XDocument.Parse(await _http.GetStringAsync("/sdk/vimServiceVersions.xml", Ct));
        versions.Root!.Attribute("version")!.Value.Should().Be("1.0");
        versions.Descendants("version").Select(v => v.Value).Should().Contain(["7.0.3.0", "7.0.0.0", "6.7.1", "6.7"]);
        var wsdl = XDocument.Parse(await _http.GetStringAsync("/sdk/vimService.wsdl", Ct));
        wsdl.Descendants(XName.Get("import", "http://schemas.xmlsoap.org/wsdl/")).Single().Attribute("namespace")!.Value.Should().Be("urn:vim25");
    }

    [Fact]
    public async Task VimWsdl_IsTheWholeVim25Schema_WithAnOperationPerMethod_AndCompiles()
    {
        using var response = await _http.GetAsync("/sdk/vim.wsdl", Ct);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var wsdl = XDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        XNamespace w = "http://schemas.xmlsoap.org/wsdl/", xsd = "http://www.w3.org/2001/XMLSchema";
        var schema = wsdl.Root!.Element(w + "types")!.Element(xsd + "schema")!;

        // The schema compiles: every type and base it names is declared.
        var set = new System.Xml.Schema.XmlSchemaSet();
        var errors = new List<string>();
        set.ValidationEventHandler += (_, e) => errors.Add(e.Message);
        set.Add(System.Xml.Schema.XmlSchema.Read(schema.CreateReader(), (_, e) => errors.Add(e.Message))!);
        set.Compile();
        errors.Should().BeEmpty();

        var table = VimTypes.Vim25;
        schema.Elements(xsd + "complexType").Count().Should().Be(table.DataTypes.Count() + table.Methods.Count(), "a type per data object type and a request type per method");
        wsdl.Root.Elements(w + "portType").Single().Elements(w + "operation").Count().Should().Be(table.Methods.Count());
        var register = schema.Elements(xsd + "complexType").Single(t => (string?)t.Attribute("name") == "RegisterKmipServerRequestType");
        register.Descendants(xsd + "element").Select(e => $"{e.Attribute("name")!.Value}:{e.Attribute("type")!.Value}").Should().Equal("_this:vim25:ManagedObjectReference", "server:vim25:KmipServerSpec");
        var keyId = schema.Elements(xsd + "complexType").Single(t => (string?)t.Attribute("name") == "CryptoKeyId");
        keyId.Descendants(xsd + "extension").Single().Attribute("base")!.Value.Should().Be("vim25:DynamicData");
        keyId.Descendants(xsd + "element").Single(e => e.Attribute("name")!.Value == "providerId").Attribute("minOccurs")!.Value.Should().Be("0");
        var moref = schema.Elements(xsd + "complexType").Single(t => (string?)t.Attribute("name") == "ManagedObjectReference");
        moref.Descendants(xsd + "attribute").Single().Attribute("name")!.Value.Should().Be("type");
        wsdl.Root.Element(w + "binding")!.Elements(w + "operation").First().Descendants().Single(e => e.Name.LocalName == "operation")
            .Attribute("soapAction")!.Value.Should().Be("urn:vim25/7.0.3.0");
        // vimService.wsdl imports it from beside itself.
        var service = XDocument.Parse(await _http.GetStringAsync("/sdk/vimService.wsdl", Ct));
        service.Root!.Element(w + "import")!.Attribute("location")!.Value.Should().Be("vim.wsdl");
    }

    [Fact]
    public async Task NotXml_IsAnInvalidRequestFault()
    {
        var (status, doc) = await PostAsync("this is not XML <");
        status.Should().Be(HttpStatusCode.InternalServerError);
        var (type, message) = Fault(doc);
        type.Should().Be("InvalidRequest");
        message.Should().StartWith("the request is not XML:");
    }

    [Fact]
    public async Task XmlThatIsNotAnEnvelope_IsAnInvalidRequestFault()
    {
        var (_, doc) = await PostAsync("<RetrieveServiceContent xmlns=\"urn:vim25\"/>");
        Fault(doc).Should().Be(("InvalidRequest", "the request is not a SOAP envelope: its root element is <RetrieveServiceContent>, not <Envelope> in http://schemas.xmlsoap.org/soap/envelope/"));
    }

    [Fact]
    public async Task UnknownMethod_IsMethodNotFound()
    {
        var (_, doc) = await PostAsync(Envelope("""<FlyToTheMoon xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></FlyToTheMoon>"""));
        Fault(doc).Should().Be(("MethodNotFound", "vim25 has no method FlyToTheMoon"));
        doc.Descendants(Vim + "method").Single().Value.Should().Be("FlyToTheMoon");
    }

    [Fact]
    public async Task NoSession_IsNotAuthenticated()
    {
        var (_, doc) = await PostAsync(Envelope("""<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>"""));
        Fault(doc).Should().Be(("NotAuthenticated", "CreateContainerView needs a session: log in first (SessionManager.Login)"));
    }

    [Fact]
    public async Task WrongPassword_IsInvalidLogin()
    {
        var (_, doc) = await PostAsync(Envelope("""<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>administrator@vsphere.local</userName><password>guess</password></Login>"""));
        Fault(doc).Type.Should().Be("InvalidLogin");
    }

    [Fact]
    public async Task WrongManagedObjectReference_IsManagedObjectNotFound()
    {
        await LoginAsync();
        var (_, doc) = await PostAsync(Envelope("""<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d999</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>"""));
        Fault(doc).Should().Be(("ManagedObjectNotFound", "the container Folder:group-d999 does not exist"));
        var (_, doc2) = await PostAsync(Envelope("""<PowerOnVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-99999</_this></PowerOnVM_Task>"""));
        Fault(doc2).Should().Be(("ManagedObjectNotFound", "the managed object VirtualMachine:vm-99999 does not exist"));
    }

    [Fact]
    public async Task UnknownParameterOrBadValue_IsInvalidRequest()
    {
        await LoginAsync();
        var (_, doc) = await PostAsync(Envelope("""<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><colour>red</colour></CreateContainerView>"""));
        Fault(doc).Should().Be(("InvalidRequest", "CreateContainerView has no parameter <colour>"));
        var (_, doc2) = await PostAsync(Envelope("""<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><recursive>perhaps</recursive></CreateContainerView>"""));
        Fault(doc2).Type.Should().Be("InvalidRequest");
        Fault(doc2).Message.Should().StartWith("<recursive> is not a valid xsd:boolean");
    }

    [Theory]
    [InlineData("ClusterComputeResource", "ComputeResource", true)]
    [InlineData("ClusterComputeResource", "ManagedEntity", true)]
    [InlineData("VirtualMachine", "ExtensibleManagedObject", true)]
    [InlineData("ContainerView", "View", true)]
    [InlineData("HostSystem", "VirtualMachine", false)]
    [InlineData("ManagedEntity", "Folder", false)]
    public void ManagedObjectTypes_ExtendWhatVim25Says_FromTheGeneratedTable(string type, string ancestor, bool isA) =>
        PropertyCollector.IsA(type, ancestor).Should().Be(isA);

    [Fact]
    public async Task KeyProviderMethods_RefuseBadServersCertificatesAndNames_WithTheirVsphereFaults()
    {
        await LoginAsync();
        const string crypto = """<_this type="CryptoManagerKmip">CryptoManager</_this>""";
        static string Register(string name, string address, int port) =>
            $"""<RegisterKmipServer xmlns="urn:vim25">{crypto}<server><clusterId><id>kms-new</id></clusterId><info><name>{name}</name><address>{address}</address><port>{port}</port></info></server></RegisterKmipServer>""";

        Fault((await PostAsync(Envelope(Register("n1", "127.0.0.1", 0)))).Body)
            .Should().Be(("InvalidArgument", "a KmipServerInfo needs an address and a port between 1 and 65535"));
        Fault((await PostAsync(Envelope(Register("n1", "kms.example.com", 5696)))).Body)
            .Should().Be(("InvalidArgument", "the simulator reaches KMS servers by IP address, not \"kms.example.com\""));
        // Ports 1 and 2 on the loopback: nothing listens there.
        (await PostAsync(Envelope(Register("n1", "127.0.0.1", 1)))).Status.Should().Be(HttpStatusCode.OK);
        Fault((await PostAsync(Envelope(Register("n1", "127.0.0.1", 1)))).Body)
            .Should().Be(("AlreadyExists", "key provider \"kms-new\" already has a KMS server \"n1\""));
        // UpdateKmipServer changes a registered server (its port here) and refuses one that is not registered.
        (await PostAsync(Envelope(Register("n1", "127.0.0.1", 2).Replace("RegisterKmipServer", "UpdateKmipServer")))).Status.Should().Be(HttpStatusCode.OK);
        var (_, listed) = await PostAsync(Envelope($"""<ListKmipServers xmlns="urn:vim25">{crypto}</ListKmipServers>"""));
        listed.Descendants(Vim + "servers").Where(e => e.Element(Vim + "name")?.Value == "n1").Select(e => e.Element(Vim + "port")!.Value).Should().Equal("2");
        Fault((await PostAsync(Envelope(Register("n7", "127.0.0.1", 2).Replace("RegisterKmipServer", "UpdateKmipServer")))).Body)
            .Should().Be(("NotFound", "key provider \"kms-new\" has no KMS server \"n7\""));
        var (_, retrieve) = await PostAsync(Envelope($"""<RetrieveKmipServerCert xmlns="urn:vim25">{crypto}<keyProvider><id>kms-new</id></keyProvider><server><name>n1</name><address>127.0.0.1</address><port>2</port></server></RetrieveKmipServerCert>"""));
        Fault(retrieve).Type.Should().Be("HostCommunication");
        Fault(retrieve).Message.Should().StartWith("no KMS server answered TLS at 127.0.0.1:2");
        var (_, upload) = await PostAsync(Envelope($"""<UploadKmipServerCert xmlns="urn:vim25">{crypto}<cluster><id>kms-new</id></cluster><certificate>not a certificate</certificate></UploadKmipServerCert>"""));
        Fault(upload).Type.Should().Be("InvalidArgument");
        Fault(upload).Message.Should().StartWith("the KMS server certificate is not a PEM certificate");
        Fault((await PostAsync(Envelope($"""<RemoveKmipServer xmlns="urn:vim25">{crypto}<clusterId><id>kms-none</id></clusterId><serverName>n1</serverName></RemoveKmipServer>"""))).Body)
            .Should().Be(("NotFound", "vCenter \"vc01\" has no key provider \"kms-none\""));
        Fault((await PostAsync(Envelope($"""<RemoveKmipServer xmlns="urn:vim25">{crypto}<clusterId><id>kms-new</id></clusterId><serverName>n9</serverName></RemoveKmipServer>"""))).Body)
            .Should().Be(("NotFound", "key provider \"kms-new\" has no KMS server \"n9\""));
        // The unchanged provider is still there; removing its only server removes it.
        (await PostAsync(Envelope($"""<RemoveKmipServer xmlns="urn:vim25">{crypto}<clusterId><id>kms-new</id></clusterId><serverName>n1</serverName></RemoveKmipServer>"""))).Status.Should().Be(HttpStatusCode.OK);
        var (_, list) = await PostAsync(Envelope($"""<ListKmipServers xmlns="urn:vim25">{crypto}</ListKmipServers>"""));
        list.Descendants(Vim + "clusterId").Select(c => c.Element(Vim + "id")!.Value).Should().NotContain("kms-new");
    }

    [Fact]
    public async Task RetrievePropertiesEx_OfAVm_AnswersItsKeyAndCryptoState_AsTheModelHasThem()
    {
        await LoginAsync();
        var vm = _site.Driver.Simulation.AllVms.First(v => v.Encrypted);
        var moid = _site.Driver.Simulation.VCenter!.MoId(vm);
        var (status, doc) = await PostAsync(Envelope($"""<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><pathSet>config.keyId.keyId</pathSet><pathSet>runtime.cryptoState</pathSet><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type="VirtualMachine">{moid}</obj></objectSet></specSet><options/></RetrievePropertiesEx>"""));
        status.Should().Be(HttpStatusCode.OK, doc.ToString());
        var props = doc.Descendants(Vim + "propSet").ToDictionary(p => p.Element(Vim + "name")!.Value, p => p.Element(Vim + "val")!);
        props["config.keyId.keyId"].Value.Should().Be(vm.KeyId);
        props["runtime.cryptoState"].Value.Should().Be("unlocked");
        props["runtime.powerState"].Value.Should().Be("poweredOn");
        props["runtime.powerState"].Attribute(XName.Get("type", "http://www.w3.org/2001/XMLSchema-instance"))!.Value.Should().Be("VirtualMachinePowerState");
        props["config.keyId.keyId"].Attribute(XName.Get("type", "http://www.w3.org/2001/XMLSchema-instance"))!.Value.Should().Be("xsd:string");
    }

    [Fact]
    public async Task RetrievePropertiesEx_WithMaxObjects_PagesThroughAContainerView_WithContinueRetrievePropertiesEx()
    {
        await LoginAsync();
        var (_, view) = await PostAsync(Envelope("""<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>"""));
        var viewId = view.Descendants(Vim + "returnval").Single().Value;
        string spec = $"""<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet><objectSet><obj type="ContainerView">{viewId}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet>""";
        var (status, page) = await PostAsync(Envelope($"""<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this>{spec}<options><maxObjects>2</maxObjects></options></RetrievePropertiesEx>"""));
        status.Should().Be(HttpStatusCode.OK, page.ToString());
        var names = page.Descendants(Vim + "val").Select(v => v.Value).ToList();
        names.Should().HaveCount(2);
        while (page.Descendants(Vim + "token").SingleOrDefault()?.Value is { } token)
        {
            (_, page) = await PostAsync(Envelope($"""<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><token>{token}</token></ContinueRetrievePropertiesEx>"""));
            names.AddRange(page.Descendants(Vim + "val").Select(v => v.Value));
        }
        names.Should().BeEquivalentTo(_site.Driver.Simulation.AllVms.Select(v => v.Name));
        var (_, used) = await PostAsync(Envelope("""<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><token>nope</token></ContinueRetrievePropertiesEx>"""));
        Fault(used).Type.Should().Be("InvalidArgument");
    }

    [Fact]
    public async Task FindByInventoryPath_FindsAVmByDatacenterFolderAndName()
    {
        await LoginAsync();
        var sim = _site.Driver.Simulation;
        var vm = sim.AllVms.First();
        var (_, doc) = await PostAsync(Envelope($"""<FindByInventoryPath xmlns="urn:vim25"><_this type="SearchIndex">SearchIndex</_this><inventoryPath>{sim.Datacenter.Name}/vm/{vm.Name}</inventoryPath></FindByInventoryPath>"""));
        var found = doc.Descendants(Vim + "returnval").Single();
        (found.Attribute("type")!.Value, found.Value).Should().Be(("VirtualMachine", sim.VCenter!.MoId(vm)));
        var (_, none) = await PostAsync(Envelope("""<FindByInventoryPath xmlns="urn:vim25"><_this type="SearchIndex">SearchIndex</_this><inventoryPath>DC0/vm/no-such-vm</inventoryPath></FindByInventoryPath>"""));
        none.Descendants(Vim + "returnval").Should().BeEmpty();
    }

    [Fact]
    public async Task FieldsNewerThanTheClientsVersion_AreLeftOut_AsVCenterDoes()
    {
        await LoginAsync();
        const string list = """<ListKmipServers xmlns="urn:vim25"><_this type="CryptoManagerKmip">CryptoManager</_this></ListKmipServers>""";
        var (_, old) = await PostAsync(Envelope(list), "urn:vim25/6.7.1");
        old.Descendants(Vim + "clusterId").Should().NotBeEmpty();
        old.Descendants(Vim + "managementType").Should().BeEmpty("KmipClusterInfo.managementType is vim25 7.0");
        var (_, current) = await PostAsync(Envelope(list), "urn:vim25/7.0.3.0");
        current.Descendants(Vim + "managementType").Should().NotBeEmpty();
    }

    [Fact]
    public async Task EventHistoryCollector_ReadsTheFiltersEvents_PageByPage_ForwardAndBack()
    {
        await LoginAsync();
        var sim = _site.Driver.Simulation;
        var expected = sim.VCenter!.Events.All.Where(e => e.TypeId == EventTypes.VmPoweredOn).Select(e => (int)e.Key).ToList();
        expected.Should().HaveCountGreaterThanOrEqualTo(2, "the preset site powers its encrypted VMs on");
        var (_, made) = await PostAsync(Envelope($"""<CreateCollectorForEvents xmlns="urn:vim25"><_this type="EventManager">EventManager</_this><filter><eventTypeId>{EventTypes.VmPoweredOn}</eventTypeId></filter></CreateCollectorForEvents>"""));
        var collector = made.Descendants(Vim + "returnval").Single().Value;
        async Task<List<int>> Read(string method, int max)
        {
            var (status, doc) = await PostAsync(Envelope($"""<{method} xmlns="urn:vim25"><_this type="EventHistoryCollector">{collector}</_this><maxCount>{max}</maxCount></{method}>"""));
            status.Should().Be(HttpStatusCode.OK, doc.ToString());
            doc.Descendants(Vim + "returnval").Should().NotContain(e => e.Attribute(XName.Get("type", "http://www.w3.org/2001/XMLSchema-instance"))!.Value != "VmPoweredOnEvent");
            return doc.Descendants(Vim + "returnval").Select(e => int.Parse(e.Element(Vim + "key")!.Value)).ToList();
        }
        var read = new List<int>();
        for (var page = await Read("ReadNextEvents", 1); page.Count > 0; page = await Read("ReadNextEvents", 1)) read.AddRange(page);
        read.Should().Equal(expected);
        (await Read("ReadPreviousEvents", 2)).Should().Equal(expected[^2..]);
        await PostAsync(Envelope($"""<RewindCollector xmlns="urn:vim25"><_this type="EventHistoryCollector">{collector}</_this></RewindCollector>"""));
        (await Read("ReadNextEvents", 1)).Should().Equal(expected[..1]);
        var (_, bad) = await PostAsync(Envelope($"""<ReadNextEvents xmlns="urn:vim25"><_this type="EventHistoryCollector">{collector}</_this><maxCount>0</maxCount></ReadNextEvents>"""));
        Fault(bad).Should().Be(("InvalidArgument", "ReadNextEvents needs a maxCount above 0"));
        await PostAsync(Envelope($"""<DestroyCollector xmlns="urn:vim25"><_this type="EventHistoryCollector">{collector}</_this></DestroyCollector>"""));
        var (_, gone) = await PostAsync(Envelope($"""<ReadNextEvents xmlns="urn:vim25"><_this type="EventHistoryCollector">{collector}</_this><maxCount>5</maxCount></ReadNextEvents>"""));
        Fault(gone).Type.Should().Be("ManagedObjectNotFound");
    }

    [Fact]
    public async Task HostCryptoManager_ChangeKeyAndEnable_GiveTheHostANewHostKey()
    {
        await LoginAsync();
        var sim = _site.Driver.Simulation;
        var host = sim.Hosts.First(h => h.CryptoState == HostCryptoState.Safe);
        var hostId = sim.VCenter!.MoId(host);
        var (_, props) = await PostAsync(Envelope($"""<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>HostSystem</type><pathSet>configManager.cryptoManager</pathSet></propSet><objectSet><obj type="HostSystem">{hostId}</obj></objectSet></specSet><options/></RetrievePropertiesEx>"""));
        var manager = props.Descendants(Vim + "val").Single();
        (manager.Attribute("type")!.Value, manager.Value).Should().Be(("CryptoManagerHost", $"cryptoManager-{hostId}"));

        var before = host.HostKeyId;
        var (status, task) = await PostAsync(Envelope($"""<ChangeKey_Task xmlns="urn:vim25"><_this type="CryptoManagerHost">{manager.Value}</_this><newKey><keyId><keyId>ignored</keyId><providerId><id>kms-prod</id></providerId></keyId><algorithm>AES-256</algorithm><keyData>x</keyData></newKey></ChangeKey_Task>"""));
        status.Should().Be(HttpStatusCode.OK, task.ToString());
        var taskId = task.Descendants(Vim + "returnval").Single().Value;
        var (_, info) = await PostAsync(Envelope($"""<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Task</type><pathSet>info.state</pathSet></propSet><objectSet><obj type="Task">{taskId}</obj></objectSet></specSet><options/></RetrievePropertiesEx>"""));
        info.Descendants(Vim + "val").Single().Value.Should().Be("success");
        host.HostKeyId.Should().NotBe(before).And.NotBeNull();

        (_, var enabled) = await PostAsync(Envelope($"""<CryptoManagerHostEnable xmlns="urn:vim25"><_this type="CryptoManagerHost">{manager.Value}</_this><initialKey><keyId><keyId>given-key</keyId><providerId><id>kms-prod</id></providerId></keyId><algorithm>AES-256</algorithm><keyData>0123456789abcdef0123456789abcdef</keyData></initialKey></CryptoManagerHostEnable>"""));
        enabled.Descendants("faultstring").Should().BeEmpty(enabled.ToString());
        host.HostKeyId.Should().Be("given-key");
        var (_, wrong) = await PostAsync(Envelope($"""<RebootHost_Task xmlns="urn:vim25"><_this type="CryptoManagerHost">{manager.Value}</_this><force>false</force></RebootHost_Task>"""));
        Fault(wrong).Type.Should().Be("MethodNotFound");
    }
}
