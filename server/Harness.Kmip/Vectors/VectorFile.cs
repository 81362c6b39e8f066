using System.Xml;
using System.Xml.Linq;
using Harness.Kmip.Encodings;

namespace Harness.Kmip.Vectors;

/// <summary>
/// An OASIS KMIP profile test-vector file: a <c>&lt;KMIP&gt;</c> root holding <c>&lt;RequestMessage&gt;</c> /
/// <c>&lt;ResponseMessage&gt;</c> pairs in the XML encoding (KMIP Additional Message Encodings v1.0 §6; KMIP Profiles
/// v1.4/v2.1 test cases). Each pair is a <see cref="VectorStep"/>, numbered from 0 like the profiles' time sequence.
/// </summary>
public sealed class VectorFile
{
    private VectorFile(string name, string? path, IReadOnlyList<VectorStep> steps)
    {
        Name = name;
        Path = path;
        Steps = steps;
    }

    /// <summary>The test case name: the file name without extension ("SKLC-M-1-14").</summary>
    public string Name { get; }

    /// <summary>The file the vector was loaded from, if any.</summary>
    public string? Path { get; }

    public IReadOnlyList<VectorStep> Steps { get; }

    /// <summary>Protocol Version of the first request ("1.4", "2.1"), if it has one.</summary>
    public string? ProtocolVersion
    {
        get
        {
            var version = Steps.Count == 0 ? null : Steps[0].RequestTemplate.Child(Tag.RequestHeader)?.Child(Tag.ProtocolVersion);
            var major = version?.Child(Tag.ProtocolVersionMajor);
            var minor = version?.Child(Tag.ProtocolVersionMinor);
            return major?.Type == ItemType.Integer && minor?.Type == ItemType.Integer ? $"{major.AsInt32}.{minor.AsInt32}" : null;
        }
    }

    /// <summary>Loads and parses a vector file; throws <see cref="FormatException"/> naming the file and line on errors.</summary>
    public static VectorFile Load(string path)
    {
        XElement root;
        try { root = XElement.Load(path, LoadOptions.SetLineInfo); }
        catch (XmlException ex) { throw new FormatException($"{path}: not well-formed XML: {ex.Message}", ex); }
        return FromXElement(root, System.IO.Path.GetFileNameWithoutExtension(path), path);
    }

    public static VectorFile Parse(string xml, string name)
    {
        XElement root;
        try { root = XElement.Parse(xml, LoadOptions.SetLineInfo); }
        catch (XmlException ex) { throw new FormatException($"{name}: not well-formed XML: {ex.Message}", ex); }
        return FromXElement(root, name, null);
    }

    public static VectorFile FromXElement(XElement root, string name, string? path = null)
    {
        var messages = root.Elements().ToList();
        var steps = new List<VectorStep>();
        for (int i = 0; i < messages.Count; i += 2)
        {
            var request = messages[i];
            Expect(request, "RequestMessage", name);
            if (i + 1 >= messages.Count) throw new FormatException($"{name}{Line(request)}: the last RequestMessage has no ResponseMessage");
            var response = messages[i + 1];
            Expect(response, "ResponseMessage", name);
            try { steps.Add(new VectorStep(steps.Count, request, response)); }
            catch (FormatException ex) { throw new FormatException($"{name}: step {steps.Count}: {ex.Message}", ex); }
        }
        return new VectorFile(name, path, steps);
    }

    private static void Expect(XElement e, string localName, string file)
    {
        if (e.Name.LocalName != localName)
            throw new FormatException($"{file}{Line(e)}: expected <{localName}>, found <{e.Name.LocalName}>");
    }

    private static string Line(XElement e) => e is IXmlLineInfo info && info.HasLineInfo() ? $" (line {info.LineNumber})" : "";

    public override string ToString() => $"{Name} ({Steps.Count} steps)";
}

/// <summary>One request / expected response pair of a <see cref="VectorFile"/>.</summary>
public sealed class VectorStep
{
    internal VectorStep(int index, XElement request, XElement expectedResponse)
    {
        Index = index;
        Request = request;
        ExpectedResponse = expectedResponse;
        RequestTemplate = TtlvXml.Parse(request);
        ExpectedResponseTemplate = TtlvXml.Parse(expectedResponse);
    }

    /// <summary>Position in the file, from 0.</summary>
    public int Index { get; }

    /// <summary>The request as written in the file.</summary>
    public XElement Request { get; }

    /// <summary>The expected response as written in the file.</summary>
    public XElement ExpectedResponse { get; }

    /// <summary>The request with its placeholders unresolved (<see cref="TtlvPlaceholder.TryGet"/>).</summary>
    public TtlvNode RequestTemplate { get; }

    /// <summary>The expected response with its placeholders unresolved; this is what responses are compared with.</summary>
    public TtlvNode ExpectedResponseTemplate { get; }

    /// <summary>The request with placeholders substituted by <paramref name="resolver"/> (null leaves one unresolved).</summary>
    public TtlvNode BuildRequest(Func<TtlvPlaceholder, TtlvNode?> resolver) => TtlvXml.Parse(Request, resolver);

    /// <summary>The expected response with placeholders substituted (for canned servers and tests).</summary>
    public TtlvNode BuildExpectedResponse(Func<TtlvPlaceholder, TtlvNode?> resolver) => TtlvXml.Parse(ExpectedResponse, resolver);

    /// <summary>The operations of the request's batch items, in order.</summary>
    public IReadOnlyList<Operation> Operations =>
        RequestTemplate.ChildrenOf(Tag.BatchItem).Select(b => b.Child(Tag.Operation))
            .Where(o => o is { Type: ItemType.Enumeration }).Select(o => (Operation)o!.AsEnum).ToList();

    public override string ToString() => $"step {Index}: {string.Join(", ", Operations)}";
}
