using System.Collections;
using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Harness.Simulator.Web.Vim25;

/// <summary>
/// vim25's SOAP encoding, both ways: responses and faults written as vCenter writes them (fields in schema order,
/// xsi:type where the schema allows other types), and request parameters read by their declared types.
/// </summary>
internal sealed class Soap(VimTypes types, Version? clientVersion = null)
{
    /// <summary>The same encoding for a client of another vim25 version: fields added after it are left out, as vCenter does.</summary>
    public Soap For(Version? version) => new(types, version);

    public const string Vim25 = "urn:vim25";
    public static readonly XNamespace Envelope = "http://schemas.xmlsoap.org/soap/envelope/";
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";
    public const string Xsd = "http://www.w3.org/2001/XMLSchema";

    // ---- writing ---------------------------------------------------------------------------------------------

    /// <summary>The envelope of a method's answer: &lt;{method}Response&gt;&lt;returnval&gt;… (none for a void method).</summary>
    public string Response(string method, object? returnval, string returnType) => Write(w =>
    {
        w.WriteStartElement(method + "Response", Vim25);
        if (returnval is DataArray array)
            foreach (var item in array.Items) WriteValue(w, "returnval", item, returnType, poly: false);
        else WriteValue(w, "returnval", returnval, returnType, poly: false);
        w.WriteEndElement();
    });

    /// <summary>
    /// A SOAP fault carrying a vSphere fault: faultstring is the message; detail holds &lt;{Type}Fault xsi:type="{Type}"&gt;
    /// with the fault's fields, so clients raise vim.fault.{Type}.
    /// </summary>
    public string Fault(DataObject fault, string message, string faultCode = "ServerFaultCode") => Write(w =>
    {
        w.WriteStartElement("soapenv", "Fault", Envelope.NamespaceName);
        w.WriteElementString("faultcode", faultCode);
        w.WriteElementString("faultstring", message);
        w.WriteStartElement("detail");
        w.WriteStartElement(fault.Type + "Fault", Vim25);
        w.WriteAttributeString("xsi", "type", Xsi.NamespaceName, fault.Type);
        WriteFields(w, fault);
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndElement();
    });

    private static string Write(Action<XmlWriter> body)
    {
        var text = new StringBuilder();
        using (var w = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            w.WriteStartElement("soapenv", "Envelope", Envelope.NamespaceName);
            w.WriteAttributeString("xmlns", "xsd", null, Xsd);
            w.WriteAttributeString("xmlns", "xsi", null, Xsi.NamespaceName);
            w.WriteStartElement("soapenv", "Body", Envelope.NamespaceName);
            body(w);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + text;
    }

    /// <summary>
    /// One element for a value whose schema type is <paramref name="declared"/> ("xsd:anyType" when any type may come);
    /// a list becomes one element per item, except where the type is not declared, where it becomes an ArrayOf… value.
    /// </summary>
    private void WriteValue(XmlWriter w, string element, object? value, string declared, bool poly)
    {
        bool typed = poly || declared == "xsd:anyType";
        switch (value)
        {
            case null:
                return;
            case DataArray array when typed:
                WriteArrayValue(w, element, array);
                return;
            case DataArray array:
                foreach (var item in array.Items) WriteValue(w, element, item, declared, poly);
                return;
            case IList list when value is not byte[]:
                foreach (var item in list) WriteValue(w, element, item, declared, poly);
                return;
        }
        w.WriteStartElement(element, Vim25);
        switch (value)
        {
            case DataObject data:
                if (typed || data.Type != declared) w.WriteAttributeString("xsi", "type", Xsi.NamespaceName, data.Type);
                WriteFields(w, data);
                break;
            case ManagedObjectReference mo:
                if (typed) w.WriteAttributeString("xsi", "type", Xsi.NamespaceName, "ManagedObjectReference");
                w.WriteAttributeString("type", mo.Type);
                w.WriteString(mo.Value);
                break;
            case EnumValue e:
                if (typed) w.WriteAttributeString("xsi", "type", Xsi.NamespaceName, e.Type);
                w.WriteString(e.Value);
                break;
            default:
                var (xsdType, text) = Primitive(value);
                if (typed) w.WriteAttributeString("xsi", "type", Xsi.NamespaceName, "xsd:" + xsdType);
                w.WriteString(text);
                break;
        }
        w.WriteEndElement();
    }

    private void WriteFields(XmlWriter w, DataObject data)
    {
        var fields = types.Fields(data.Type);
        if (fields.Count == 0 && types.DataType(data.Type) is null)
            throw new InvalidOperationException($"vim25 has no data object type {data.Type}");
        foreach (var (name, _) in data)
            if (!fields.Any(f => f.Name == name))
                throw new InvalidOperationException($"vim25's {data.Type} has no field \"{name}\"");
        foreach (var field in fields)
            if (clientVersion is null || field.Since is null || field.Since <= clientVersion)
                WriteValue(w, field.Name, data[field.Name], field.Type, field.Poly);
    }

    /// <summary>&lt;val xsi:type="ArrayOfManagedObjectReference"&gt;&lt;ManagedObjectReference …/&gt;…&lt;/val&gt;.</summary>
    private void WriteArrayValue(XmlWriter w, string element, DataArray array)
    {
        string arrayType = "ArrayOf" + char.ToUpperInvariant(array.ItemType[0]) + array.ItemType[1..];
        var itemField = types.DataType(arrayType)?.OwnFields.SingleOrDefault()
                        ?? throw new InvalidOperationException($"vim25 has no array type {arrayType}");
        w.WriteStartElement(element, Vim25);
        w.WriteAttributeString("xsi", "type", Xsi.NamespaceName, arrayType);
        foreach (var item in array.Items) WriteValue(w, itemField.Name, item, itemField.Type, itemField.Poly);
        w.WriteEndElement();
    }

    private static (string Type, string Text) Primitive(object value) => value switch
    {
        string s => ("string", s),
        bool b => ("boolean", b ? "true" : "false"),
        int i => ("int", i.ToString(CultureInfo.InvariantCulture)),
        long l => ("long", l.ToString(CultureInfo.InvariantCulture)),
        short s => ("short", s.ToString(CultureInfo.InvariantCulture)),
        double d => ("double", d.ToString("R", CultureInfo.InvariantCulture)),
        DateTimeOffset t => ("dateTime", t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
        byte[] bytes => ("base64Binary", Convert.ToBase64String(bytes)),
        _ => throw new InvalidOperationException($"no vim25 encoding for a {value.GetType().Name}"),
    };

    // ---- reading ---------------------------------------------------------------------------------------------

    /// <summary>The method and its parameters, read from a request envelope; a <see cref="SoapRequestException"/> when it is not one.</summary>
    public VimCall ReadCall(string body)
    {
        XDocument doc;
        try { doc = XDocument.Parse(body); }
        catch (XmlException ex) { throw new SoapRequestException($"the request is not XML: {ex.Message}"); }
        if (doc.Root is not { } root || root.Name != Envelope + "Envelope")
            throw new SoapRequestException($"the request is not a SOAP envelope: its root element is <{doc.Root?.Name.LocalName}>, not <Envelope> in {Envelope.NamespaceName}");
        var call = root.Element(Envelope + "Body")?.Elements().FirstOrDefault()
                   ?? throw new SoapRequestException("the SOAP envelope has no Body with a method element");
        string method = call.Name.LocalName;
        var parameters = types.Parameters(method);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (parameters is not null)
        {
            foreach (var p in parameters)
            {
                var elements = call.Elements().Where(e => e.Name.LocalName == p.Name).ToList();
                if (elements.Count == 0) continue;
                values[p.Name] = p.Array
                    ? elements.Select(e => Read(e, p.Type)).ToList()
                    : Read(elements[0], p.Type);
            }
            foreach (var e in call.Elements())
                if (!parameters.Any(p => p.Name == e.Name.LocalName))
                    throw new SoapRequestException($"{method} has no parameter <{e.Name.LocalName}>");
        }
        return new VimCall(method, parameters is not null, values.GetValueOrDefault("_this") as ManagedObjectReference, values);
    }

    /// <summary>A value by its declared type, or by its xsi:type when it has one.</summary>
    private object? Read(XElement e, string declared)
    {
        string type = declared;
        if (e.Attribute(Xsi + "type") is { } xsiType)
        {
            int colon = xsiType.Value.IndexOf(':');
            var ns = colon < 0 ? e.GetDefaultNamespace() : e.GetNamespaceOfPrefix(xsiType.Value[..colon]);
            var local = xsiType.Value[(colon + 1)..];
            type = ns?.NamespaceName == Xsd ? "xsd:" + local : local;
        }
        if (type.StartsWith("xsd:", StringComparison.Ordinal)) return ReadPrimitive(e, type);
        if (type == "ManagedObjectReference")
            return new ManagedObjectReference(e.Attribute("type")?.Value ?? throw new SoapRequestException($"<{e.Name.LocalName}> is a ManagedObjectReference without its type attribute"), e.Value.Trim());
        if (types.IsEnum(type)) return e.Value.Trim();
        if (types.DataType(type) is null) throw new SoapRequestException($"<{e.Name.LocalName}> has type {type}, which vim25 does not have");
        if (declared != "xsd:anyType" && !types.IsA(type, declared))
            throw new SoapRequestException($"<{e.Name.LocalName}> is a {type}, which is not a {declared}");
        var data = new DataObject(type);
        var fields = types.Fields(type);
        foreach (var group in e.Elements().GroupBy(c => c.Name.LocalName))
        {
            var field = fields.FirstOrDefault(f => f.Name == group.Key)
                        ?? throw new SoapRequestException($"{type} has no field <{group.Key}>");
            data[field.Name] = field.Array ? group.Select(c => Read(c, field.Type)).ToList() : Read(group.First(), field.Type);
        }
        return data;
    }

    private static object ReadPrimitive(XElement e, string type)
    {
        string text = e.Value.Trim();
        try
        {
            return type switch
            {
                "xsd:boolean" => XmlConvert.ToBoolean(text),
                "xsd:int" => XmlConvert.ToInt32(text),
                "xsd:long" => XmlConvert.ToInt64(text),
                "xsd:short" => XmlConvert.ToInt16(text),
                "xsd:byte" => (int)XmlConvert.ToSByte(text),
                "xsd:float" or "xsd:double" => XmlConvert.ToDouble(text),
                "xsd:dateTime" => XmlConvert.ToDateTimeOffset(text),
                "xsd:base64Binary" => Convert.FromBase64String(text),
                _ => e.Value,
            };
        }
        catch (FormatException ex)
        {
            throw new SoapRequestException($"<{e.Name.LocalName}> is not a valid {type}: {ex.Message}");
        }
        catch (OverflowException ex)
        {
            throw new SoapRequestException($"<{e.Name.LocalName}> is not a valid {type}: {ex.Message}");
        }
    }
}

/// <summary>A method call read from a request: its name, whether vim25 has it, its object (_this) and parameters.</summary>
internal sealed record VimCall(string Method, bool Known, ManagedObjectReference? This, IReadOnlyDictionary<string, object?> Parameters)
{
    public object? this[string name] => Parameters.GetValueOrDefault(name);
}

/// <summary>A request that is not a well-formed vim25 call: answered with an InvalidRequest fault.</summary>
internal sealed class SoapRequestException(string message) : Exception(message);
