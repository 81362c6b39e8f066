using Harness.Kmip.Server.Cryptography;
using Harness.Kmip.Server.Objects;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Harness.Kmip.Server.Operations;

/// <summary>
/// PKCS#12 (RFC 7292) containers of a private key (KMIP 2.1 §6.1.23, §4.39). <see cref="Container"/>: Get in Key Format
/// Type PKCS#12, the private key and its certificate chain as the private key's Key Material. <see cref="Open"/>:
/// Register of a private key in PKCS#12, whose key (under its PKCS#12 Friendly Name, else the first) the server keeps
/// as PKCS#8 and records the friendly name; the certificates in it are not registered. The password is the Secret Data the object's one PKCS#12 Password Link names
/// (Active; its bytes as UTF-8 text). The chain: the private key's Public Key Link, that public key's PKCS#12 Certificate
/// Link, then each certificate's Certificate Link. The PKCS#12 Friendly Name attribute names the entry.
/// Result Reasons: Bad Password (no, or several, PKCS#12 Password Links; not Secret Data; not Active; a password that
/// does not open the container), Key Format Type Not Supported (KMIP 1.x, an object that is not a private key, a
/// private key without a certificate), Item Not Found (a linked object that is not the client's), Invalid Field (a
/// container that does not parse, or holds no private key under the name).
/// </summary>
internal static class Pkcs12Containers
{
    public static byte[] Container(RequestContext ctx, ManagedObject obj)
    {
        if (!ctx.Version.IsV2)
            throw new KmipException(ResultReason.KeyFormatTypeNotSupported, "PKCS#12 is a Key Format Type of KMIP 2.x: its links (PKCS#12 Password Link, PKCS#12 Certificate Link) came with 2.0");
        if (obj.ObjectType != ObjectType.PrivateKey)
            throw new KmipException(ResultReason.KeyFormatTypeNotSupported, $"'{obj.Id}' is a {obj.ObjectType}: this server gives a private key, with its certificates, as PKCS#12");
        var password = Password(ctx, obj);
        var chain = new List<X509CertificateEntry>();
        var certificate = Linked(ctx, obj, LinkType.PublicKeyLink) is { } publicKey ? Linked(ctx, publicKey, LinkType.PKCS_12CertificateLink) : null;
        for (var seen = new HashSet<string>(); certificate is not null && seen.Add(certificate.Id); certificate = Linked(ctx, certificate, LinkType.CertificateLink))
            chain.Add(new X509CertificateEntry(new X509CertificateParser().ReadCertificate(certificate.Value!.Required(Tag.CertificateValue).AsBytes)));
        if (chain.Count == 0)
            throw new KmipException(ResultReason.KeyFormatTypeNotSupported,
                $"'{obj.Id}' has no certificate to put beside it (its Public Key Link's PKCS#12 Certificate Link): a PKCS#12 key entry needs one");

        var store = new Pkcs12StoreBuilder().Build();
        var name = obj.Get("PKCS#12 Friendly Name")?.AsText ?? obj.Id;
        store.SetKeyEntry(name, new AsymmetricKeyEntry(AsymmetricKeys.Read(obj.Value!.Required(Tag.KeyBlock), true, obj.Id)), [.. chain]);
        using var pfx = new MemoryStream();
        store.Save(pfx, password.ToCharArray(), new SecureRandom());
        return pfx.ToArray();
    }

    /// <summary>The Private Key object <paramref name="obj"/> registered as PKCS#12 (its attributes applied), as the PKCS#8 key it holds.</summary>
    public static TtlvNode Open(RequestContext ctx, ManagedObject obj)
    {
        if (!ctx.Version.IsV2)
            throw new KmipException(ResultReason.KeyFormatTypeNotSupported, "PKCS#12 is a Key Format Type of KMIP 2.x: its links (PKCS#12 Password Link, PKCS#12 Certificate Link) came with 2.0");
        var password = Password(ctx, obj);
        var der = obj.Value!.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes;
        var store = new Pkcs12StoreBuilder().Build();
        try { store.Load(new MemoryStream(der), password.ToCharArray()); }
        catch (IOException ex) when (ex.Message.Contains("wrong password", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("MAC", StringComparison.Ordinal))
        {
            throw new KmipException(ResultReason.BadPassword, "the PKCS#12 password (the Secret Data of the PKCS#12 Password Link) does not open the container");
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidCastException)
        {
            throw new KmipException(ResultReason.InvalidField, $"the Key Material is not a PKCS#12 container: {ex.Message}");
        }
        var wanted = obj.Get("PKCS#12 Friendly Name")?.AsText;
        var alias = store.Aliases.FirstOrDefault(a => store.IsKeyEntry(a) && (wanted is null || string.Equals(a, wanted, StringComparison.OrdinalIgnoreCase)))
                    ?? throw new KmipException(ResultReason.InvalidField, wanted is null
                        ? "the PKCS#12 container holds no private key"
                        : $"the PKCS#12 container holds no private key under the friendly name '{wanted}'");
        var key = store.GetKey(alias).Key;
        if (wanted is null) obj.Set("PKCS#12 Friendly Name", TtlvNode.Text(Tag.AttributeValue, alias));
        var (algorithm, length) = AsymmetricKeys.AlgorithmAndLength(key);
        return ObjectFactory.Key(Tag.PrivateKey, KeyFormatType.PKCS_8, PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded(), algorithm, length);
    }

    private static string Password(RequestContext ctx, ManagedObject obj)
    {
        var links = ObjectFactory.LinkedIds(obj.All(AttributeNames.Link).Select(a => a.Value), LinkType.PKCS_12PasswordLink).ToList();
        if (links.Count != 1)
            throw new KmipException(ResultReason.BadPassword, $"'{obj.Id}' has {links.Count} PKCS#12 Password Links: a PKCS#12 container needs exactly one, to a Secret Data password");
        var secret = Lifecycle.WithDueTransitions(ctx.Lookup(links[0]), ctx.Now);
        if (secret.ObjectType != ObjectType.SecretData || secret.State != State.Active || secret.Value is null)
            throw new KmipException(ResultReason.BadPassword, $"the PKCS#12 password '{secret.Id}' is a {secret.State} {secret.ObjectType}, not an Active Secret Data");
        return System.Text.Encoding.UTF8.GetString(secret.Value.Required(Tag.KeyBlock).Required(Tag.KeyValue).Required(Tag.KeyMaterial).AsBytes);
    }

    private static ManagedObject? Linked(RequestContext ctx, ManagedObject obj, LinkType type) =>
        ObjectFactory.LinkedId(obj, type) is { } id ? ctx.Lookup(id) : null;
}
