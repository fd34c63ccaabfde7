using Microsoft.Extensions.Options;
using MimeKit;

namespace RapidStart.Infrastructure.Email;

/// <summary>
/// Fails the host at start-up when the chosen provider cannot work, so a missing SMTP host or ACS key
/// shows up in the deployment log instead of as the first user who never gets a sign-in link.
/// </summary>
public sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.From) || !MailboxAddress.TryParse(options.From, out _))
        {
            failures.Add($"{EmailOptions.SectionName}:From must be an email address (got '{options.From}').");
        }

        switch (options.Provider)
        {
            case EmailProvider.PickupDirectory:
                if (string.IsNullOrWhiteSpace(options.PickupDirectory))
                {
                    failures.Add($"{EmailOptions.SectionName}:PickupDirectory is required when Provider is PickupDirectory.");
                }
                break;

            case EmailProvider.Smtp:
                ValidateSmtp(options.Smtp, failures);
                break;

            case EmailProvider.AzureCommunicationServices:
                ValidateAzureCommunicationServices(options.AzureCommunicationServices, failures);
                break;

            default:
                failures.Add($"{EmailOptions.SectionName}:Provider '{options.Provider}' is not supported; use PickupDirectory, Smtp or AzureCommunicationServices.");
                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateSmtp(SmtpEmailOptions smtp, List<string> failures)
    {
        const string section = EmailOptions.SectionName + ":Smtp";

        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            failures.Add($"{section}:Host is required when Provider is Smtp.");
        }

        if (smtp.Port is < 1 or > 65535)
        {
            failures.Add($"{section}:Port must be between 1 and 65535 (got {smtp.Port}).");
        }

        if (!string.IsNullOrEmpty(smtp.UserName) && string.IsNullOrEmpty(smtp.Password))
        {
            failures.Add($"{section}:Password is required when {section}:UserName is set.");
        }
    }

    private static void ValidateAzureCommunicationServices(AzureCommunicationServicesEmailOptions acs, List<string> failures)
    {
        const string section = EmailOptions.SectionName + ":AzureCommunicationServices";

        if (acs.Endpoint is null || !acs.Endpoint.IsAbsoluteUri
            || (acs.Endpoint.Scheme != Uri.UriSchemeHttps && acs.Endpoint.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{section}:Endpoint is required when Provider is AzureCommunicationServices, e.g. https://myacs.communication.azure.com.");
        }

        if (string.IsNullOrWhiteSpace(acs.AccessKey))
        {
            failures.Add($"{section}:AccessKey is required when Provider is AzureCommunicationServices.");
        }
        else if (!IsBase64(acs.AccessKey))
        {
            // Never echo the key itself: this message ends up in logs.
            failures.Add($"{section}:AccessKey must be the base64 access key of the resource.");
        }

        if (string.IsNullOrWhiteSpace(acs.ApiVersion))
        {
            failures.Add($"{section}:ApiVersion is required.");
        }
    }

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) && written > 0;
    }
}
