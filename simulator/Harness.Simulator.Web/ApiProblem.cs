using System.Text.Json;
using Harness.Simulator.KmsAdministration;
using Microsoft.AspNetCore.Http;

namespace Harness.Simulator.Web;

/// <summary>A request the API refuses, with the HTTP status, a short title and a specific detail (application/problem+json).</summary>
public sealed class ApiProblem(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;

    public static ApiProblem BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "bad request", detail);
    public static ApiProblem NotFound(string detail) => new(StatusCodes.Status404NotFound, "not found", detail);
    public static ApiProblem Conflict(string title, string detail) => new(StatusCodes.Status409Conflict, title, detail);
}

internal static class Problems
{
    /// <summary>
    /// The problem an exception stands for: an unknown object is 404; a vSphere fault (the state forbids the action) is
    /// 409 titled with the fault name (InvalidVmState, InvalidState, NoPermission, ...); bad input is 400.
    /// </summary>
    public static IResult From(Exception ex, IDictionary<string, object?>? extensions = null)
    {
        extensions ??= new Dictionary<string, object?>();
        (int status, string title, string detail) = ex switch
        {
            ApiProblem p => (p.Status, p.Title, p.Message),
            VsphereFault { FaultName: "NotFound" } f => (StatusCodes.Status404NotFound, "not found", f.Message),
            VsphereFault f => (StatusCodes.Status409Conflict, f.FaultName, f.Message),
            KmsAdministrationException { Status: System.Net.HttpStatusCode.NotFound } k =>
                (StatusCodes.Status404NotFound, "not found on the KMS", k.Message),
            KmsAdministrationException { Status: { } refused } k when (int)refused is >= 400 and < 500 =>
                (StatusCodes.Status409Conflict, "the KMS administrator cannot do this", k.Message),
            KmsAdministrationException k => (StatusCodes.Status502BadGateway, "the KMS admin interface failed", k.Message),
            BadHttpRequestException b => (b.StatusCode, "bad request", b.Message),
            JsonException j => (StatusCodes.Status400BadRequest, "bad request", $"the body is not valid JSON: {j.Message}"),
            InvalidOperationException i => (StatusCodes.Status409Conflict, "the simulation cannot do this", i.Message),
            ArgumentException a => (StatusCodes.Status400BadRequest, "bad request", a.Message),
            _ => (StatusCodes.Status500InternalServerError, "internal error", $"{ex.GetType().Name}: {ex.Message}"),
        };
        if (ex is VsphereFault fault) extensions["fault"] = fault.FaultName;
        return Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);
    }
}
