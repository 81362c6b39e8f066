namespace Harness.Kmip.Server.RootKeys;

/// <summary>
/// A customer root key in IBM Key Protect (or Hyper Protect Crypto Services, which serves the same key management API
/// on its own URL): which instance and key, the service ID's API key, and how the server talks to them.
/// </summary>
public sealed class KeyProtectOptions
{
    public const string DefaultIamUrl = "https://iam.cloud.ibm.com";

    /// <summary>The key management endpoint, e.g. https://us-south.kms.cloud.ibm.com (wrap and unwrap go to {Url}/api/v2/keys/{RootKeyId}/actions/…).</summary>
    public required Uri Url { get; set; }

    /// <summary>The Key Protect instance (its GUID), sent as the bluemix-instance header.</summary>
    public required string InstanceId { get; set; }

    /// <summary>The customer root key's ID (or alias).</summary>
    public required string RootKeyId { get; set; }

    /// <summary>The file holding the service ID's API key that IAM exchanges for a bearer token (read at each exchange).</summary>
    public required string ApiKeyFile { get; set; }

    /// <summary>IAM, whose POST /identity/token exchanges the API key for an access token.</summary>
    public Uri IamUrl { get; set; } = new(DefaultIamUrl);

    /// <summary>How long an unwrapped data key is kept, on the server's clock (zero: every use of an object asks Key Protect).</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Bound on each HTTP call to Key Protect or IAM (real time).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Calls made at most for one wrap or unwrap when Key Protect answers 429 or 5xx, times out or drops the connection.</summary>
    public int Attempts { get; set; } = 4;

    /// <summary>The wait before the first retry; each later retry waits twice as long as the one before.</summary>
    public TimeSpan FirstBackoff { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>An access token is refreshed once this share of its life (expires_in) has passed, on the server's clock.</summary>
    public double RefreshTokenAt { get; set; } = 0.8;

    /// <summary>
    /// Waits out a backoff (null: Task.Delay in real time). Tests record the waits here instead of spending them.
    /// </summary>
    public Func<TimeSpan, CancellationToken, Task>? Wait { get; set; }

    /// <summary>The wait before retry number <paramref name="retry"/> (1, 2, 3, …): 250, 500, 1000 ms with the defaults.</summary>
    public TimeSpan BackoffBefore(int retry) => FirstBackoff * (1 << Math.Clamp(retry - 1, 0, 16));

    /// <summary>Describes the first thing wrong with these options, or null when they can be used.</summary>
    public string? Problem()
    {
        if (UrlProblem(Url, "the Key Protect URL") is { } url) return url;
        if (UrlProblem(IamUrl, "the IAM URL") is { } iam) return iam;
        if (string.IsNullOrWhiteSpace(InstanceId)) return "the Key Protect instance ID is empty";
        if (string.IsNullOrWhiteSpace(RootKeyId)) return "the Key Protect root key ID is empty";
        if (!File.Exists(ApiKeyFile)) return $"the API key file {ApiKeyFile} does not exist";
        if (File.ReadAllText(ApiKeyFile).Trim().Length == 0) return $"the API key file {ApiKeyFile} is empty: it holds the service ID's API key";
        if (CacheFor < TimeSpan.Zero) return "the data key cache time is negative";
        if (Attempts < 1) return "Key Protect calls need at least one attempt";
        return null;
    }

    /// <summary>https, or http to a loopback host only (a stand-in on this machine): an API key and data keys never cross a network in clear.</summary>
    public static string? UrlProblem(Uri? url, string what)
    {
        if (url is null || !url.IsAbsoluteUri) return $"{what} must be an absolute https:// URL";
        if (url.Scheme == Uri.UriSchemeHttps) return null;
        if (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback) return null;
        return $"{what} must be https:// (http:// only to a loopback host), not '{url}'";
    }
}
