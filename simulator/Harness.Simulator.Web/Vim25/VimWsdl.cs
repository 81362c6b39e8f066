using System.Xml.Linq;

namespace Harness.Simulator.Web.Vim25;

/// <summary>
/// vim.wsdl, which vimService.wsdl imports, as vCenter serves it at /sdk/vim.wsdl: the urn:vim25 schema (every data
/// object type with its base and fields, the ArrayOfXxx types among them, every enumeration, a request type and a request
/// element per method) with the messages, the VimPortType and the document/literal VimBinding of every method. Made from
/// the generated type table (<see cref="VimTypes"/>), never written by hand. The table does not record what a method
/// returns: each XxxResponse's returnval is xsd:anyType (the SOAP answers carry xsi:type), and methods declare no fault
/// messages (faults arrive as SOAP faults whose detail names the vSphere fault type).
/// </summary>
internal static class VimWsdl
{
    private static readonly XNamespace Wsdl = "http://schemas.xmlsoap.org/wsdl/";
    private static readonly XNamespace Soap = "http://schemas.xmlsoap.org/wsdl/soap/";
    private static readonly XNamespace Xsd = "http://www.w3.org/2001/XMLSchema";
    private static readonly XNamespace Vim = "urn:vim25";

    /// <summary>The document as text, with its XML declaration.</summary>
    public static string Text(VimTypes types, string version)
    {
        var doc = Build(types, version);
        return doc.Declaration + "\n" + doc.Root;
    }

    public static XDocument Build(VimTypes types, string version)
    {
        var schema = new XElement(Xsd + "schema",
            new XAttribute("targetNamespace", Vim.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "vim25", Vim.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "xsd", Xsd.NamespaceName),
            new XAttribute("elementFormDefault", "qualified"));
        foreach (var type in types.DataTypes) schema.Add(ComplexType(type));
        foreach (var (name, values) in types.Enums)
            schema.Add(new XElement(Xsd + "simpleType", new XAttribute("name", name),
                new XElement(Xsd + "restriction", new XAttribute("base", "xsd:string"),
                    values.Select(v => new XElement(Xsd + "enumeration", new XAttribute("value", v))))));

        var messages = new List<XElement>();
        var port = new XElement(Wsdl + "portType", new XAttribute("name", "VimPortType"));
        var binding = new XElement(Wsdl + "binding", new XAttribute("name", "VimBinding"), new XAttribute("type", "vim25:VimPortType"),
            new XElement(Soap + "binding", new XAttribute("style", "document"), new XAttribute("transport", "http://schemas.xmlsoap.org/soap/http")));
        foreach (var (method, parameters) in types.Methods)
        {
            schema.Add(new XElement(Xsd + "complexType", new XAttribute("name", method + "RequestType"),
                new XElement(Xsd + "sequence", parameters.Select(Element))));
            schema.Add(new XElement(Xsd + "element", new XAttribute("name", method), new XAttribute("type", "vim25:" + method + "RequestType")));
            schema.Add(new XElement(Xsd + "element", new XAttribute("name", method + "Response"),
                new XElement(Xsd + "complexType", new XElement(Xsd + "sequence",
                    new XElement(Xsd + "element", new XAttribute("name", "returnval"), new XAttribute("type", "xsd:anyType"),
                        new XAttribute("minOccurs", "0"), new XAttribute("maxOccurs", "unbounded"))))));
            messages.Add(Message(method + "RequestMsg", method));
            messages.Add(Message(method + "ResponseMsg", method + "Response"));
            port.Add(new XElement(Wsdl + "operation", new XAttribute("name", method),
                new XElement(Wsdl + "input", new XAttribute("message", "vim25:" + method + "RequestMsg")),
                new XElement(Wsdl + "output", new XAttribute("message", "vim25:" + method + "ResponseMsg"))));
            binding.Add(new XElement(Wsdl + "operation", new XAttribute("name", method),
                new XElement(Soap + "operation", new XAttribute("soapAction", "urn:vim25/" + version)),
                new XElement(Wsdl + "input", new XElement(Soap + "body", new XAttribute("use", "literal"))),
                new XElement(Wsdl + "output", new XElement(Soap + "body", new XAttribute("use", "literal")))));
        }
        return new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XElement(Wsdl + "definitions",
                new XAttribute("targetNamespace", Vim.NamespaceName),
                new XAttribute(XNamespace.Xmlns + "vim25", Vim.NamespaceName),
                new XAttribute(XNamespace.Xmlns + "soap", Soap.NamespaceName),
                new XAttribute(XNamespace.Xmlns + "xsd", Xsd.NamespaceName),
                new XElement(Wsdl + "types", schema), messages, port, binding));
    }

    /// <summary>A data object type: its fields in order, extending its base; one with character data (ManagedObjectReference) is simple content with attributes.</summary>
    private static XElement ComplexType(VimDataType type)
    {
        var elements = type.OwnFields.Where(f => f.Name[0] is not ('@' or '#')).Select(Element).ToList();
        var attributes = type.OwnFields.Where(f => f.Name[0] == '@').Select(f =>
            new XElement(Xsd + "attribute", new XAttribute("name", f.Name[1..]), new XAttribute("type", Qualified(f.Type)))).ToList();
        var text = type.OwnFields.FirstOrDefault(f => f.Name == "#text");
        XElement content = text is not null
            ? new XElement(Xsd + "simpleContent", new XElement(Xsd + "extension", new XAttribute("base", Qualified(text.Type)), attributes))
            : type.Base is { } b
                ? new XElement(Xsd + "complexContent", new XElement(Xsd + "extension", new XAttribute("base", "vim25:" + b),
                    new XElement(Xsd + "sequence", elements), attributes))
                : new XElement(Xsd + "sequence", elements);
        var complex = new XElement(Xsd + "complexType", new XAttribute("name", type.Name), content);
        if (text is null && type.Base is null) complex.Add(attributes);
        return complex;
    }

    private static XElement Element(VimField f)
    {
        var e = new XElement(Xsd + "element", new XAttribute("name", f.Name), new XAttribute("type", Qualified(f.Type)));
        if (f.Optional || f.Array) e.Add(new XAttribute("minOccurs", "0"));
        if (f.Array) e.Add(new XAttribute("maxOccurs", "unbounded"));
        return e;
    }

    private static XElement Message(string name, string element) =>
        new(Wsdl + "message", new XAttribute("name", name), new XElement(Wsdl + "part", new XAttribute("name", "parameters"), new XAttribute("element", "vim25:" + element)));

    private static string Qualified(string type) => type.StartsWith("xsd:", StringComparison.Ordinal) ? type : "vim25:" + type;
}
