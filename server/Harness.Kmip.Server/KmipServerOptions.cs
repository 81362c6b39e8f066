using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Harness.Kmip.Server;

/// <summary>How a KMIP server runs: where it listens, its certificates, its data, its limits.</summary>
public sealed class KmipServerOptions
{
    public const int DefaultPort = 5696;

    /// <summary>The KMIP endpoint (default 127.0.0.1:5696; port 0 picks a free port).</summary>
    public IPEndPoint KmipEndpoint { get; set; } = new(IPAddress.Loopback, DefaultPort);

    /// <summary>
    /// The KMIP HTTPS binding's endpoint (KMIP Additional Message Encodings v1.0 §2: POST /kmip with a TTLV, XML or JSON
    /// body), with the same certificates, client identities and limits as <see cref="KmipEndpoint"/>; null (the
    /// default): none. Port 0 picks a free port.
    /// </summary>
    public IPEndPoint? HttpsEndpoint { get; set; }

    /// <summary>The server's certificate with its private key.</summary>
    public required X509Certificate2 ServerCertificate { get; set; }

    /// <summary>The CA that issues trusted client certificates.</summary>
    public required X509Certificate2 ClientCa { get; set; }

    /// <summary>Holds kms.db, root.key and admin.token.</summary>
    public required string DataDirectory { get; set; }

    /// <summary>
    /// Where the objects and clients are kept: null (the default) for SQLite (kms.db in <see cref="DataDirectory"/>), or
    /// a PostgreSQL database, <c>postgres://USER[:PASS]@HOST:PORT/DB</c>, that any number of KMS nodes may share (each
    /// with the same root key in its own data folder).
    /// </summary>
    public string? PostgresStore { get; set; }

    /// <summary>Largest request accepted (default 1 MiB); a longer one closes the connection (over HTTPS: a body longer than this is answered 413).</summary>
    public int MaxMessageLength { get; set; } = 1 << 20;

    /// <summary>Deepest structure nesting accepted in a request.</summary>
    public int MaxDepth { get; set; } = 32;

    /// <summary>
    /// Largest response the server builds (default 8 MiB); a request's own Maximum Response Size applies when smaller.
    /// Batch items are answered Response Too Large from the one that would cross it, and the items after it are not run.
    /// </summary>
    public int MaxResponseLength { get; set; } = 8 << 20;

    /// <summary>Batch items one request message may hold (default 1,000).</summary>
    public int MaxBatchItems { get; set; } = 1000;

    /// <summary>Attribute instances one object may hold (default 512).</summary>
    public int MaxAttributesPerObject { get; set; } = 512;

    /// <summary>Encoded bytes of all the attributes of one object (default 256 KiB).</summary>
    public int MaxAttributeBytesPerObject { get; set; } = 256 * 1024;

    /// <summary>
    /// Objects one client identity may hold that are not destroyed (default 100,000): Create, Register and the other
    /// operations that make objects are refused beyond it until the client destroys some.
    /// </summary>
    public int MaxObjectsPerClient { get; set; } = 100_000;

    /// <summary>
    /// Encoded bytes of the attributes of all the objects of one client identity, destroyed ones included (default
    /// 256 MiB): with <see cref="MaxAttributeBytesPerObject"/> alone, many objects could still hold gigabytes.
    /// </summary>
    public long MaxAttributeBytesPerClient { get; set; } = 256L << 20;

    /// <summary>Unique Identifiers one Locate returns at most (default 10,000; Located Items still counts every match).</summary>
    public int MaxLocateItems { get; set; } = 10_000;

    /// <summary>Log lines about client requests (refusals, malformed messages) a minute; the rest are counted and summed up.</summary>
    public int MaxRequestLogLinesPerMinute { get; set; } = 100;

    /// <summary>Open KMIP connections in all (default 4,096); more are closed at once, with one log line a minute.</summary>
    public int MaxConnections { get; set; } = 4096;

    /// <summary>Open KMIP connections of one client identity (default 256); more are closed after the handshake.</summary>
    public int MaxConnectionsPerClient { get; set; } = 256;

    /// <summary>
    /// Username → password. When not empty (or <see cref="Devices"/> is not), every request must carry a matching
    /// Credential: Username and Password, Hashed Password, One Time Password, Device, or a Login ticket (<see cref="Credentials"/>).
    /// </summary>
    public Dictionary<string, string> Users { get; set; } = new();

    /// <summary>Username → the shared secret of its time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30 s).</summary>
    public Dictionary<string, byte[]> OneTimePasswordSecrets { get; set; } = new();

    /// <summary>
    /// The operations that need the client's attestation (KMIP 1.4 §6.17, 2.1 §9.3): without an Attestation credential
    /// the server sends a Nonce and answers Attestation Required (empty: no operation needs one).
    /// </summary>
    public HashSet<Operation> AttestationRequiredFor { get; set; } = [];

    /// <summary>The attestation measurements (e.g. a TPM quote's digest) the server accepts, with a nonce it issued.</summary>
    public List<byte[]> AcceptedAttestationMeasurements { get; set; } = [];

    /// <summary>The devices that may authenticate with a Device credential: each field given here must match.</summary>
    public List<DeviceCredential> Devices { get; set; } = [];

    /// <summary>Loopback endpoint of the admin interface (null: none; port 0 picks a free port).</summary>
    public IPEndPoint? AdminEndpoint { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>The admin bearer token; when null one is generated into DATA/admin.token on first start.</summary>
    public string? AdminToken { get; set; }

    /// <summary>How long a client certificate allowed by an administrator waits before it is trusted (seed 001: 5 minutes in the cloud service).</summary>
    public TimeSpan AllowedClientDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Bound on the TLS handshake, so that a silent peer cannot hold a connection slot.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A message that has begun (its first byte arrived) must be complete within this time, else the connection closes.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A connection with no message begun for this long after the handshake or the last response closes.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The operations answered Operation Pending when a request's header allows it (Asynchronous Indicator True in
    /// KMIP 1.x, Optional in 2.x; Mandatory makes every batch item asynchronous): by default the slow ones a real server
    /// would run in the background (key pairs, certificates, recovery from an archive).
    /// </summary>
    public HashSet<Operation> AsynchronousOperations { get; set; } =
        [Operation.CreateKeyPair, Operation.ReKeyKeyPair, Operation.Certify, Operation.ReCertify, Operation.Recover];

    /// <summary>
    /// The CA that issues client credentials for Re-Provision (signing a client's certificate request, or making a key
    /// pair and certificate for it); null when the server holds no CA key (those two forms are then Feature Not Supported).
    /// </summary>
    public Harness.Pki.CertificateAuthority? ClientCredentialIssuer { get; set; }

    /// <summary>How long, on the server's clock, an asynchronous request stays pending before a Poll runs it (Process cuts it short).</summary>
    public TimeSpan AsynchronousDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The state of a key made by Create or Create Key Pair without an Activation Date: Pre-Active as KMIP defines it
    /// (KMIP 1.4 §3.22: an object is Pre-Active until its Activation Date), or Active, the policy of KMSs that activate
    /// every new key (the Activation Date is then the creation time).
    /// </summary>
    public State CreatedKeyState { get; set; } = State.PreActive;

    /// <summary>
    /// The customer root key in IBM Key Protect (or Hyper Protect Crypto Services) that wraps each object's data key
    /// (seeds 001-002); null (the default): the local root key file DATA/root.key.
    /// </summary>
    public RootKeys.KeyProtectOptions? KeyProtect { get; set; }
}

/// <summary>A device allowed to authenticate (KMIP 2.1 §2.x Device credential): the fields it must present (null: not checked).</summary>
public sealed record DeviceCredential(string? DeviceSerialNumber = null, string? Password = null, string? DeviceIdentifier = null,
    string? NetworkIdentifier = null, string? MachineIdentifier = null, string? MediaIdentifier = null);
