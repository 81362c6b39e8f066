namespace Harness.Kmip.Server.Objects;

/// <summary>Attribute names (KMIP 1.4 §3) and the rules the server applies to them.</summary>
public static class AttributeNames
{
    public const string UniqueIdentifier = "Unique Identifier";
    public const string Name = "Name";
    public const string ObjectType = "Object Type";
    public const string CryptographicAlgorithm = "Cryptographic Algorithm";
    public const string CryptographicLength = "Cryptographic Length";
    public const string CryptographicUsageMask = "Cryptographic Usage Mask";
    public const string CryptographicParameters = "Cryptographic Parameters";
    public const string CryptographicDomainParameters = "Cryptographic Domain Parameters";
    public const string Digest = "Digest";
    public const string State = "State";
    public const string InitialDate = "Initial Date";
    public const string ActivationDate = "Activation Date";
    public const string DeactivationDate = "Deactivation Date";
    public const string DestroyDate = "Destroy Date";
    public const string CompromiseDate = "Compromise Date";
    public const string CompromiseOccurrenceDate = "Compromise Occurrence Date";
    public const string RevocationReason = "Revocation Reason";
    public const string LastChangeDate = "Last Change Date";
    public const string OriginalCreationDate = "Original Creation Date";
    public const string ProcessStartDate = "Process Start Date";
    public const string ProtectStopDate = "Protect Stop Date";
    public const string Link = "Link";
    public const string Fresh = "Fresh";
    public const string Extractable = "Extractable";
    public const string Sensitive = "Sensitive";
    public const string AlwaysSensitive = "Always Sensitive";
    public const string NeverExtractable = "Never Extractable";
    public const string LeaseTime = "Lease Time";
    public const string ObjectGroup = "Object Group";
    public const string ContactInformation = "Contact Information";
    public const string ApplicationSpecificInformation = "Application Specific Information";
    public const string AlternativeName = "Alternative Name";
    public const string RandomNumberGenerator = "Random Number Generator";
    public const string CertificateType = "Certificate Type";
    public const string CertificateLength = "Certificate Length";
    public const string OperationPolicyName = "Operation Policy Name";
    public const string UsageLimits = "Usage Limits";
    public const string Description = "Description";
    public const string Comment = "Comment";
    public const string KeyFormatType = "Key Format Type";
    public const string ShortUniqueIdentifier = "Short Unique Identifier";
    public const string ProtectionStorageMask = "Protection Storage Mask";

    /// <summary>Attributes KMIP 2.x defines and 1.x does not: left out of 1.x responses.</summary>
    private static readonly HashSet<string> V2Only = [ShortUniqueIdentifier, KeyFormatType, ProtectionStorageMask, "Protection Level", "Protection Period", "Quantum Safe", "NIST Key Type"];

    /// <summary>KMIP 1.0's text certificate attributes, which 2.0 dropped (X.509 Certificate Identifier/Subject/Issuer remain).</summary>
    private static readonly HashSet<string> V1Only = ["Certificate Identifier", "Certificate Subject", "Certificate Issuer"];

    public static bool ExistsIn(string fullName, ProtocolVersion version) =>
        version.IsV2 ? !V1Only.Contains(fullName) : !(V2Only.Contains(fullName) || IsCertificateNamePart(fullName));

    /// <summary>KMIP 2.x attributes read from a certificate's subject and issuer ("Certificate Subject CN", ...).</summary>
    private static bool IsCertificateNamePart(string fullName) =>
        fullName.StartsWith("Certificate Subject ", StringComparison.Ordinal) || fullName.StartsWith("Certificate Issuer ", StringComparison.Ordinal);

    /// <summary>Read-only attributes a client may still supply when it registers an object (KMIP 2.1 §4: "Initially set by: Server or Client").</summary>
    private static readonly HashSet<string> SuppliedAtRegistration = [Fresh, CertificateType, CertificateLength, OriginalCreationDate, KeyFormatType];

    public static bool ClientMaySupplyAtCreation(string fullName) => SuppliedAtRegistration.Contains(fullName);

    /// <summary>Attributes only the server sets (KMIP 1.4 §3, "Modifiable by client: No").</summary>
    private static readonly HashSet<string> ReadOnly =
    [
        UniqueIdentifier, ObjectType, State, InitialDate, LastChangeDate, Digest, CompromiseDate, DestroyDate,
        RevocationReason, Fresh, AlwaysSensitive, NeverExtractable, LeaseTime, OriginalCreationDate, CertificateType,
        CertificateLength, RandomNumberGenerator, KeyFormatType, ShortUniqueIdentifier, "Certificate Identifier",
        "Certificate Subject", "Certificate Issuer", "Digital Signature Algorithm", "X.509 Certificate Identifier",
        "X.509 Certificate Subject", "X.509 Certificate Issuer",
    ];

    /// <summary>Attributes that may be set when an object is created or registered, though not modified afterwards.</summary>
    private static readonly HashSet<string> SettableAtCreation =
    [
        CryptographicAlgorithm, CryptographicLength, CryptographicUsageMask, CryptographicParameters,
        ActivationDate, DeactivationDate, ProcessStartDate, ProtectStopDate, Extractable, Sensitive, Name,
        ObjectGroup, ContactInformation, ApplicationSpecificInformation, AlternativeName, Link, UsageLimits,
        OperationPolicyName, Description, Comment, CompromiseOccurrenceDate,
    ];

    /// <summary>Attributes that may have several instances (KMIP 1.4 §3, "Multiple instances permitted: Yes").</summary>
    private static readonly HashSet<string> MultiInstance =
    [
        Name, CryptographicParameters, Link, ObjectGroup, ApplicationSpecificInformation, AlternativeName, Digest,
        "Cryptographic Domain Parameters", "Key Value Location", "Certificate Identifier", "X.509 Certificate Identifier",
    ];

    public static bool IsReadOnly(string fullName) => ReadOnly.Contains(fullName) || IsCertificateNamePart(fullName);
    public static bool IsMultiInstance(string fullName) => MultiInstance.Contains(fullName) || IsCustom(fullName);

    /// <summary>Custom attributes: client ones start "x-", server ones "y-" (KMIP 1.4 §3.39); 2.x vendor attributes likewise.</summary>
    public static bool IsCustom(string fullName) => Split(fullName).Vendor is not null;

    /// <summary>True when the name is a standard attribute (its spec name is a known tag) or a custom one.</summary>
    public static bool IsKnown(string fullName) => IsCustom(fullName) || TagNames.TryParseSpecName(fullName, out _);

    /// <summary>Splits "x-Product_Version" into ("x", "Product_Version"); standard names have no vendor part.</summary>
    public static (string? Vendor, string Name) Split(string fullName)
    {
        if (TagNames.TryParseSpecName(fullName, out _)) return (null, fullName);
        int dash = fullName.IndexOf('-');
        if (dash > 0 && dash < fullName.Length - 1) return (fullName[..dash], fullName[(dash + 1)..]);
        return (null, fullName);
    }

    public static bool SettableByClientAtCreation(string fullName) => IsCustom(fullName) || SettableAtCreation.Contains(fullName);
}
