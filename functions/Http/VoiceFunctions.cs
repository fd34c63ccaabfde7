using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using RapidStart.Domain.Voice;

namespace RapidStart.Functions.Http;

/// <summary>Partner look-ups in VOICE, the partner CRM.</summary>
public sealed class VoiceFunctions(HttpApi api, VoiceService voice)
{
    [Function(nameof(GetVoiceAccount))]
    public Task<IActionResult> GetVoiceAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "voice/accounts/{accountNumber}")] HttpRequest request,
        string accountNumber) =>
        api.RunAsync(request, Access.Partner, async caller =>
            ApiResult.Ok(VoiceAccountResponse.Of(await voice.GetAsync(caller, accountNumber, request.HttpContext.RequestAborted))));

    [Function(nameof(SearchVoiceAccounts))]
    public Task<IActionResult> SearchVoiceAccounts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "voice/accounts")] HttpRequest request) =>
        api.RunAsync(request, Access.Partner, async caller =>
        {
            var accounts = await voice.SearchAsync(caller, request.Query["name"], request.HttpContext.RequestAborted);
            return ApiResult.Ok(new ItemsResponse<VoiceAccountResponse>(accounts.Select(VoiceAccountResponse.Of).ToArray()));
        });
}
