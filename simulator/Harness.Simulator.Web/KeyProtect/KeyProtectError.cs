namespace Harness.Simulator.Web.KeyProtect;

/// <summary>
/// A request Key Protect refuses, answered in its error shape: a collection of type application/vnd.ibm.kms.error+json
/// with one resource holding <c>errorMsg</c> and <c>reasons</c> [{code, message, status, moreInfo}]. The reason codes
/// and messages are Key Protect's ("Error messages for key management" in IBM's docs).
/// </summary>
public sealed class KeyProtectError(int status, string errorMsg, string code, string reason) : Exception($"{errorMsg} ({code}: {reason})")
{
    public const string MoreInfo = "https://cloud.ibm.com/apidocs/key-protect";

    public int Status { get; } = status;
    /// <summary>The resource's errorMsg, e.g. "Conflict: Wrap with key could not be performed: Please see `reasons` for more details."</summary>
    public string ErrorMsg { get; } = errorMsg;
    /// <summary>The reason code, e.g. KEY_ACTION_INVALID_STATE_ERR.</summary>
    public string Code { get; } = code;
    public string Reason { get; } = reason;

    private static string Title(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        409 => "Conflict",
        410 => "Gone",
        422 => "Unprocessable Entity",
        _ => "Error",
    };

    private static KeyProtectError Make(int status, string what, string code, string reason) =>
        new(status, $"{Title(status)}: {what}: Please see `reasons` for more details ({code})", code, reason);

    /// <summary>401 UNAUTHORIZED_ERR: no bearer token, a token this IAM did not issue or that expired, or an instance the caller cannot reach.</summary>
    public static KeyProtectError Unauthorized(string detail) =>
        new(401, "Unauthorized: The user does not have access to the specified resource", "UNAUTHORIZED_ERR",
            "The user does not have access to the specified resource: " + detail);

    /// <summary>400 BAD_BODY_ERR with what is wrong with the body.</summary>
    public static KeyProtectError BadBody(string action, string detail) =>
        Make(400, action, "BAD_BODY_ERR", "Invalid body data was passed: Ensure that the data passed had valid formatting with no invalid characters: " + detail);

    /// <summary>404 KEY_NOT_FOUND_ERR ("Not Found: Key could not be retrieved: ... (KEY_NOT_FOUND_ERR)", reason "key does not exist").</summary>
    public static KeyProtectError NotFound(string action, string id) =>
        Make(404, action, "KEY_NOT_FOUND_ERR", $"key does not exist: no key '{id}' in this instance");

    /// <summary>410 KEY_DELETED_ERR: the key was deleted (state 5, Destroyed).</summary>
    public static KeyProtectError Deleted(string action) =>
        Make(410, action, "KEY_DELETED_ERR", "Key has already been deleted: Please delete references to this key");

    /// <summary>409 KEY_ACTION_INVALID_STATE_ERR: the key's state does not allow the action (wrap, unwrap, rotate and disable need Active; enable needs Suspended).</summary>
    public static KeyProtectError InvalidState(string action, string detail) =>
        Make(409, action, "KEY_ACTION_INVALID_STATE_ERR", "Key is not in a valid state: " + detail);

    /// <summary>422 UNPROCESSABLE_CIPHERTEXT_ERR: the ciphertext was not wrapped by this key, was changed, or the AAD differs.</summary>
    public static KeyProtectError BadCiphertext(string action, string detail) =>
        Make(422, action, "UNPROCESSABLE_CIPHERTEXT_ERR", "The provided ciphertext is invalid or corrupted: " + detail);
}
