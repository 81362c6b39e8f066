using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Harness.Simulator.Web.KeyProtect;

/// <summary>
/// IAM's token service as far as Key Protect clients use it: an API key is exchanged for an access token (a JWT signed
/// RS256, with iat and exp, which IBM's SDKs decode to know when to refresh) that the Key Protect API then accepts until
/// it expires by the emulator's clock.
/// </summary>
public sealed class IamTokens : IDisposable
{
    public const string ApiKeyGrant = "urn:ibm:params:oauth:grant-type:apikey";

    private readonly RSA _signer = RSA.Create(2048);
    private readonly string _kid = "harness-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
    private readonly Dictionary<string, string> _apiKeys;   // API key → the service ID it belongs to
    private readonly TimeProvider _time;

    public IamTokens(IEnumerable<string> apiKeys, TimeProvider time, TimeSpan lifetime)
    {
        _apiKeys = new(StringComparer.Ordinal);
        int n = 0;
        foreach (var key in apiKeys)
        {
            if (string.IsNullOrWhiteSpace(key)) throw new ArgumentException("an API key is empty", nameof(apiKeys));
            _apiKeys[key] = $"ServiceId-harness-{++n}";
        }
        if (_apiKeys.Count == 0) throw new ArgumentException("at least one API key is needed", nameof(apiKeys));
        if (lifetime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lifetime), "the token lifetime must be positive");
        _time = time;
        Lifetime = lifetime;
    }

    public TimeSpan Lifetime { get; }

    /// <summary>IAM's refusal of a token request: status 400 and its error body ({errorCode, errorMessage, context}).</summary>
    public sealed class IamError(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }

    /// <summary>
    /// The token response for an API key (POST /identity/token): access_token, refresh_token, token_type, expires_in,
    /// expiration, scope.
    /// </summary>
    /// <exception cref="IamError">an unknown API key (BXNIM0415E), or a grant type other than the API key grant.</exception>
    public JsonObject Issue(string? grantType, string? apiKey)
    {
        if (grantType != ApiKeyGrant)
            throw new IamError("BXNIM0308E", $"Grant type is not supported: '{grantType}' (this IAM takes {ApiKeyGrant})");
        if (string.IsNullOrEmpty(apiKey) || !_apiKeys.TryGetValue(apiKey, out var subject))
            throw new IamError("BXNIM0415E", "Provided API key could not be found.");
        var now = _time.GetUtcNow();
        var iat = now.ToUnixTimeSeconds();
        var exp = iat + (long)Lifetime.TotalSeconds;
        var claims = new JsonObject
        {
            ["iam_id"] = "iam-" + subject,
            ["id"] = "iam-" + subject,
            ["sub"] = subject,
            ["sub_type"] = "ServiceId",
            ["grant_type"] = ApiKeyGrant,
            ["iss"] = "https://iam.cloud.ibm.com/identity",
            ["aud"] = "default",
            ["scope"] = "ibm openid",
            ["client_id"] = "default",
            ["iat"] = iat,
            ["exp"] = exp,
        };
        return new JsonObject
        {
            ["access_token"] = Sign(claims),
            ["refresh_token"] = "not_supported",
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)Lifetime.TotalSeconds,
            ["expiration"] = exp,
            ["scope"] = "ibm openid",
        };
    }

    private string Sign(JsonObject claims)
    {
        var header = new JsonObject { ["kid"] = _kid, ["alg"] = "RS256" };
        var signingInput = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _signer.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + B64(signature);
    }

    /// <summary>The subject (service ID) of a bearer token this IAM issued and that has not expired; otherwise why not.</summary>
    public bool TryValidate(string token, out string subject, out string why)
    {
        subject = "";
        var parts = token.Split('.');
        if (parts.Length != 3) { why = "the bearer token is not a JWT"; return false; }
        byte[] signature, payload;
        try
        {
            signature = FromB64(parts[2]);
            payload = FromB64(parts[1]);
        }
        catch (FormatException) { why = "the bearer token is not a JWT (bad base64url)"; return false; }
        if (!_signer.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            why = "the bearer token was not issued by this IAM";
            return false;
        }
        using var claims = JsonDocument.Parse(payload);
        var exp = claims.RootElement.GetProperty("exp").GetInt64();
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (now >= exp)
        {
            why = $"the bearer token expired at {DateTimeOffset.FromUnixTimeSeconds(exp):yyyy-MM-ddTHH:mm:ssZ}";
            return false;
        }
        subject = claims.RootElement.GetProperty("sub").GetString() ?? "";
        why = "";
        return true;
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromB64(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }

    public void Dispose() => _signer.Dispose();
}
