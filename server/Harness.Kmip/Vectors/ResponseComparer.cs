using System.Diagnostics.CodeAnalysis;
using System.Text;
using Harness.Kmip.Encodings;

namespace Harness.Kmip.Vectors;

/// <summary>The first difference between an expected and an actual message.</summary>
/// <param name="Path">Tag names from the root, 1-based [n] where a tag repeats among its siblings (always for BatchItem).</param>
/// <param name="Message">"expected Enumeration PreActive, got Active", "missing Attribute (expected 10 items, got 9)".</param>
public sealed record ComparisonFailure(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>
/// State carried through the steps of one vector file: the values placeholders are bound to, the last value the server
/// returned for each tag, and what is known of the objects the server named.
/// </summary>
public sealed class VectorBindings
{
    private readonly Dictionary<string, TtlvNode> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<int, TtlvNode> _lastReturned = new();
    private readonly Dictionary<string, ObjectOrigin> _origins = new(StringComparer.Ordinal);
    private readonly HashSet<string> _randomizedObjects = new(StringComparer.Ordinal);
    private readonly List<string> _identifiers = [];

    /// <summary>Placeholder text ("$UNIQUE_IDENTIFIER_0") to the value the server returned for it.</summary>
    public IReadOnlyDictionary<string, TtlvNode> Values => _values;

    public bool TryGet(string placeholder, [NotNullWhen(true)] out TtlvNode? value) => _values.TryGetValue(placeholder, out value);

    public void Bind(string placeholder, TtlvNode value) => _values[placeholder] = value;

    /// <summary>The last non-structure value with this tag in a response so far (fallback for request placeholders
    /// the vectors never bind, e.g. a "$DATA_0" whose response gave concrete bytes).</summary>
    public TtlvNode? LastReturned(int tag) => _lastReturned.GetValueOrDefault(tag);

    /// <summary>The distinct Unique Identifiers (and Private/Public Key Unique Identifiers) returned so far, in order.</summary>
    public IReadOnlyList<string> ReturnedIdentifiers => _identifiers;

    public ObjectOrigin OriginOf(string? uniqueIdentifier) =>
        uniqueIdentifier is not null && _origins.TryGetValue(uniqueIdentifier, out var o) ? o : ObjectOrigin.Unknown;

    public bool IsRandomized(string? uniqueIdentifier) => uniqueIdentifier is not null && _randomizedObjects.Contains(uniqueIdentifier);

    private static readonly HashSet<Operation> GeneratingOperations =
    [
        Operation.Create, Operation.CreateKeyPair, Operation.ReKey, Operation.ReKeyKeyPair, Operation.DeriveKey,
        Operation.CreateSplitKey, Operation.Certify, Operation.ReCertify,
    ];

    /// <summary>Records what a successful exchange tells about later steps: last values per tag, object origins.</summary>
    public void Observe(TtlvNode request, TtlvNode response)
    {
        RecordLeaves(response);
        var requestItems = request.ChildrenOf(Tag.BatchItem).ToList();
        int index = 0;
        foreach (var item in response.ChildrenOf(Tag.BatchItem))
        {
            var requestItem = ResponseComparer.MatchingRequestItem(requestItems, item, index++);
            if (item.Child(Tag.ResultStatus) is not { Type: ItemType.Enumeration } status || status.AsEnum != (uint)ResultStatus.Success) continue;
            if (item.Child(Tag.Operation) is not { Type: ItemType.Enumeration } op) continue;
            var operation = (Operation)op.AsEnum;
            var origin = GeneratingOperations.Contains(operation) ? ObjectOrigin.ServerGenerated
                : operation is Operation.Register or Operation.Import ? ObjectOrigin.ClientSupplied
                : ObjectOrigin.Unknown;
            bool randomized = requestItem is not null && ResponseComparer.SelectsRandomizedScheme(requestItem);
            foreach (var id in item.Child(Tag.ResponsePayload)?.Items ?? [])
            {
                if (id.Type != ItemType.TextString || !IsIdentifierTag(id.RawTag)) continue;
                if (origin != ObjectOrigin.Unknown) _origins[id.AsText] = origin;
                if (randomized) _randomizedObjects.Add(id.AsText);
            }
        }
    }

    private static bool IsIdentifierTag(int tag) =>
        tag is (int)Tag.UniqueIdentifier or (int)Tag.PrivateKeyUniqueIdentifier or (int)Tag.PublicKeyUniqueIdentifier;

    private void RecordLeaves(TtlvNode node)
    {
        if (node.Type == ItemType.Structure) { foreach (var c in node.Items) RecordLeaves(c); return; }
        _lastReturned[node.RawTag] = node;
        if (node.Type == ItemType.TextString && IsIdentifierTag(node.RawTag) && !_identifiers.Contains(node.AsText))
            _identifiers.Add(node.AsText);
    }
}

/// <summary>
/// Compares a server's response with the expected response of a test vector, field by field: the same tags in the same
/// order, the same types, equal values; except placeholders (which bind or must match their binding) and the fields
/// of <see cref="VectorIgnoreRules"/>. Reports the first difference.
/// </summary>
public static class ResponseComparer
{
    /// <summary>
    /// Compares; on success commits the placeholder bindings made by this response to <paramref name="bindings"/> and
    /// returns null. <paramref name="request"/> (the request actually sent) gives the ignore rules their context.
    /// </summary>
    public static ComparisonFailure? Compare(TtlvNode expected, TtlvNode actual, VectorBindings bindings, TtlvNode? request = null)
    {
        var walk = new Walk(bindings, request);
        var failure = walk.Compare(expected, actual, TagNames.Name(expected.RawTag), null);
        if (failure is null) foreach (var (k, v) in walk.Pending) bindings.Bind(k, v);
        return failure;
    }

    internal static TtlvNode? MatchingRequestItem(IReadOnlyList<TtlvNode> requestItems, TtlvNode responseItem, int index)
    {
        if (responseItem.Child(Tag.UniqueBatchItemID) is { Type: ItemType.ByteString } id)
            foreach (var r in requestItems)
                if (r.Child(Tag.UniqueBatchItemID) is { Type: ItemType.ByteString } rid && rid.AsBytes.AsSpan().SequenceEqual(id.AsBytes))
                    return r;
        return index < requestItems.Count ? requestItems[index] : null;
    }

    /// <summary>True when the item selects OAEP or PSS padding, or a DSA / ECDSA algorithm (randomized output).</summary>
    internal static bool SelectsRandomizedScheme(TtlvNode node, string? attributeName = null)
    {
        if (node.Type == ItemType.Structure)
        {
            string? name = TtlvValueText.AttributeNameOf(node);
            foreach (var c in node.Items) if (SelectsRandomizedScheme(c, name)) return true;
            return false;
        }
        if (node.Type != ItemType.Enumeration) return false;
        int tag = TtlvValueText.NameTag(node.RawTag, attributeName);
        if (tag is not ((int)Tag.PaddingMethod or (int)Tag.CryptographicAlgorithm or (int)Tag.DigitalSignatureAlgorithm)) return false;
        string? value = EnumNames.Name(tag, node.AsEnum);
        return value is not null && (value.Contains("OAEP") || value.Contains("PSS") || value.Contains("DSA"));
    }

    private sealed class Walk(VectorBindings bindings, TtlvNode? request)
    {
        public readonly Dictionary<string, TtlvNode> Pending = new(StringComparer.Ordinal);
        private readonly List<int> _ancestors = [];
        private Operation? _operation;
        private ObjectOrigin _origin;
        private bool _randomized, _serverChoseIv, _attributesUnordered;
        private int _batchIndex; // position of the batch item being entered among its siblings, from 0

        public ComparisonFailure? Compare(TtlvNode e, TtlvNode a, string path, string? attributeName)
        {
            int nameTag = TtlvValueText.NameTag(e.RawTag, attributeName);
            if (e.RawTag != a.RawTag) return new(path, $"expected {TagNames.Name(e.RawTag)}, got {TagNames.Name(a.RawTag)}");
            if (e.Type != a.Type) return new(path, $"expected {Describe(e, nameTag, true)}, got {Describe(a, nameTag, true)}");
            if (TtlvPlaceholder.TryGet(e, out var placeholder)) return MatchPlaceholder(placeholder, e, a, path, nameTag);
            if (e.Type == ItemType.Structure && DescribesServerRng(e, attributeName)) return null;
            if (e.Type == ItemType.Structure) return CompareChildren(e, a, path);
            if (e.ValueEquals(a)) return null;
            var context = new IgnoreContext(e.RawTag, e.Type, nameTag, _ancestors, _operation, _origin, _randomized, _serverChoseIv);
            if (VectorIgnoreRules.Find(context) is not null) return null;
            return new(path, $"expected {Describe(e, nameTag, true)}, got {Describe(a, nameTag, false)}");
        }

        private ComparisonFailure? MatchPlaceholder(string text, TtlvNode e, TtlvNode a, string path, int nameTag)
        {
            var placeholder = new TtlvPlaceholder(text, e.RawTag, e.Type);
            if (placeholder.IsNow) return null;
            if (Pending.TryGetValue(text, out var bound) || bindings.TryGet(text, out bound))
                return SameValue(bound, a) ? null
                    : new(path, $"expected {text} = {Describe(bound, nameTag, false)}, got {Describe(a, nameTag, false)}");
            if (placeholder.Name == "UNIQUE_IDENTIFIER")
            {
                foreach (var (other, value) in Pending.Concat(bindings.Values))
                    if (other != text && other.StartsWith("$UNIQUE_IDENTIFIER_", StringComparison.Ordinal) && SameValue(value, a))
                        return new(path, $"expected a new identifier for {text}, got {Describe(a, nameTag, false)} which is already {other}");
            }
            Pending[text] = a;
            return null;
        }

        private static bool SameValue(TtlvNode x, TtlvNode y) => x.Type == y.Type && x.WithTag(y.RawTag).ValueEquals(y);

        private ComparisonFailure? CompareChildren(TtlvNode e, TtlvNode a, string path)
        {
            bool batchItem = e.RawTag == (int)Tag.BatchItem;
            var saved = (_operation, _origin, _randomized, _serverChoseIv, _attributesUnordered);
            if (batchItem) EnterBatchItem(e, a);
            var expected = Children(e, batchItem);
            var actual = Children(a, batchItem);
            string? attributeName = TtlvValueText.AttributeNameOf(e);
            if (e.RawTag == (int)Tag.ResponseHeader)
            {
                // Correlation values are optional in a response header (KMIP 2.1 §7.1): a server may leave them out.
                expected.RemoveAll(IsCorrelationValue);
                actual.RemoveAll(IsCorrelationValue);
            }
            if (e.RawTag == (int)Tag.ResponsePayload && _operation == Operation.Query)
            {
                var listFailure = CompareServerLists(expected, actual, path);
                if (listFailure is not null) return listFailure;
            }
            if (_attributesUnordered && (e.RawTag == (int)Tag.ResponsePayload || e.RawTag == (int)Tag.Attributes))
            {
                // Unnamed attributes: any order, and the server may keep attributes the reference server did not.
                var wanted = expected.Select(AttributeKey).ToHashSet(StringComparer.Ordinal);
                expected = SortAttributes(expected);
                actual = SortAttributes(actual.Where(c => wanted.Contains(AttributeKey(c))).ToList());
            }
            _ancestors.Add(e.RawTag);
            try
            {
                var seen = new Dictionary<int, int>();
                for (int i = 0; i < Math.Max(expected.Count, actual.Count); i++)
                {
                    var reference = i < expected.Count ? expected[i] : actual[i];
                    seen[reference.RawTag] = seen.GetValueOrDefault(reference.RawTag) + 1;
                    string childPath = path + "/" + Segment(reference.RawTag, seen[reference.RawTag], expected, actual);
                    if (i >= actual.Count)
                        return new(childPath, $"missing {TagNames.Name(reference.RawTag)} (expected {expected.Count} items, got {actual.Count})");
                    if (i >= expected.Count)
                        return new(childPath, $"unexpected {Describe(reference, TtlvValueText.NameTag(reference.RawTag, attributeName), true)} (expected {expected.Count} items, got {actual.Count})");
                    if (reference.RawTag == (int)Tag.BatchItem) _batchIndex = seen[reference.RawTag] - 1;
                    var failure = Compare(expected[i], actual[i], childPath, attributeName);
                    if (failure is not null) return failure;
                }
                return null;
            }
            finally
            {
                _ancestors.RemoveAt(_ancestors.Count - 1);
                (_operation, _origin, _randomized, _serverChoseIv, _attributesUnordered) = saved;
            }
        }

        /// <summary>
        /// The Random Number Generator attribute (KMIP 1.4 §3.44) describes the RNG of the server that generated the key:
        /// by nature server-specific, so only its presence and type are compared.
        /// </summary>
        private static bool DescribesServerRng(TtlvNode e, string? attributeName) =>
            e.RawTag == (int)Tag.RandomNumberGenerator ||
            (e.RawTag == (int)Tag.AttributeValue && attributeName == "Random Number Generator");

        private static bool IsCorrelationValue(TtlvNode n) =>
            n.RawTag is (int)Tag.ClientCorrelationValue or (int)Tag.ServerCorrelationValue;

        /// <summary>
        /// Query answers list what the server under test supports (operations, object types, vendor, server information,
        /// namespaces): by nature server-specific. Each kind the vector lists must be present; the members are not compared.
        /// </summary>
        private static ComparisonFailure? CompareServerLists(List<TtlvNode> expected, List<TtlvNode> actual, string path)
        {
            int[] serverSpecific =
            [
                (int)Tag.Operation, (int)Tag.ObjectType, (int)Tag.VendorIdentification, (int)Tag.ServerInformation,
                (int)Tag.ApplicationNamespace, (int)Tag.ExtensionInformation,
            ];
            foreach (var tag in serverSpecific)
                if (expected.Any(c => c.RawTag == tag) && !actual.Any(c => c.RawTag == tag))
                    return new(path + "/" + TagNames.Name(tag), $"missing {TagNames.Name(tag)}: the server lists none");
            expected.RemoveAll(c => serverSpecific.Contains(c.RawTag));
            actual.RemoveAll(c => serverSpecific.Contains(c.RawTag));
            return null;
        }

        /// <summary>
        /// Attributes returned without being named (Get Attribute List; Get Attributes without names) come in the server's
        /// own order, which the spec leaves open: both sides are put in one canonical order before they are compared.
        /// </summary>
        private static List<TtlvNode> SortAttributes(List<TtlvNode> items) =>
            items.OrderBy(c => c.RawTag == (int)Tag.UniqueIdentifier ? 0 : 1).ThenBy(AttributeKey, StringComparer.Ordinal).ToList();

        private static string AttributeKey(TtlvNode n)
        {
            if (n.RawTag == (int)Tag.AttributeName && n.Type == ItemType.TextString) return n.AsText;
            if (n.RawTag == (int)Tag.AttributeReference && n.Type == ItemType.Enumeration) return TagNames.SpecName((int)n.AsEnum);
            if (n.RawTag is (int)Tag.Attribute or (int)Tag.AttributeReference && n.Type == ItemType.Structure)
            {
                var vendor = n.Child(Tag.VendorIdentification)?.AsText;
                var name = n.Child(Tag.AttributeName)?.AsText ?? "";
                var index = n.Child(Tag.AttributeIndex)?.Number ?? 0;
                return (vendor is null ? name : vendor + "-" + name) + "#" + index.ToString("D6");
            }
            return TagNames.SpecName(n.RawTag);
        }

        /// <summary>Children compared; a batch item's Result Message is free text and optional (KMIP 1.4 §6.11), so it is left out.</summary>
        private static List<TtlvNode> Children(TtlvNode node, bool batchItem) =>
            batchItem ? node.Items.Where(c => c.RawTag != (int)Tag.ResultMessage).ToList() : node.Items.ToList();

        private static string Segment(int tag, int occurrence, List<TtlvNode> expected, List<TtlvNode> actual)
        {
            string name = TagNames.Name(tag);
            bool repeated = tag == (int)Tag.BatchItem || expected.Count(c => c.RawTag == tag) > 1 || actual.Count(c => c.RawTag == tag) > 1;
            return repeated ? $"{name}[{occurrence}]" : name;
        }

        private void EnterBatchItem(TtlvNode e, TtlvNode a)
        {
            _operation = e.Child(Tag.Operation) is { Type: ItemType.Enumeration } op ? (Operation)op.AsEnum : null;
            var requestItems = request?.ChildrenOf(Tag.BatchItem).ToList() ?? [];
            var requestItem = MatchingRequestItem(requestItems, a, _batchIndex);
            var payload = a.Child(Tag.ResponsePayload);
            string? id = payload?.Child(Tag.UniqueIdentifier) is { Type: ItemType.TextString } uid ? uid.AsText : null;
            _origin = bindings.OriginOf(id);
            _randomized = bindings.IsRandomized(id) || (requestItem is not null && SelectsRandomizedScheme(requestItem));
            _serverChoseIv = payload?.Child(Tag.IVCounterNonce) is not null &&
                             requestItem?.Child(Tag.RequestPayload)?.Child(Tag.IVCounterNonce) is null;
            var requestPayload = requestItem?.Child(Tag.RequestPayload);
            _attributesUnordered = _operation == Operation.GetAttributeList ||
                (_operation == Operation.GetAttributes && requestPayload is not null &&
                 requestPayload.Child(Tag.AttributeName) is null && requestPayload.Child(Tag.AttributeReference) is null);
        }
    }

    /// <summary>"Enumeration PreActive", "TextString \"abc\"", "ByteString 0a0b… (32 bytes)", or just the value.</summary>
    internal static string Describe(TtlvNode node, int nameTag, bool withType)
    {
        string value;
        if (TtlvPlaceholder.TryGet(node, out var placeholder)) value = placeholder;
        else if (node.Type == ItemType.Structure) value = $"({node.Items.Count} items)";
        else
        {
            value = TtlvValueText.Format(node, nameTag, " ");
            if (node.Type == ItemType.TextString) value = "\"" + value + "\"";
            else if (node.Type is ItemType.ByteString or ItemType.BigInteger && value.Length > 64)
                value = $"{value[..64]}... ({node.AsBytes.Length} bytes)";
        }
        return withType ? $"{node.Type} {value}" : value;
    }
}
