namespace RapidStart.Infrastructure.Email;

/// <summary>
/// Which adapter carries email out of the app, and how to reach it. One setting switches the whole
/// app between a local folder (no mail server needed on a developer machine), any SMTP relay, and
/// Azure Communication Services in production, without touching the code that sends.
/// </summary>
public sealed class EmailOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "RapidStart:Email";

    /// <summary>Defaults to the pickup folder so a fresh clone sends "mail" without any secrets.</summary>
    public EmailProvider Provider { get; set; } = EmailProvider.PickupDirectory;

    /// <summary>Sender address; ACS only accepts an address from a domain verified on the resource.</summary>
    public string From { get; set; } = "no-reply@rapidstart.local";

    /// <summary>Display name shown next to <see cref="From"/> by mail clients (MIME adapters only).</summary>
    public string FromDisplayName { get; set; } = "RapidStart";

    /// <summary>Folder the pickup adapter writes .eml files to; relative paths resolve against the working directory.</summary>
    public string PickupDirectory { get; set; } = ".mail";

    /// <summary>Settings used only when <see cref="Provider"/> is <see cref="EmailProvider.Smtp"/>.</summary>
    public SmtpEmailOptions Smtp { get; set; } = new();

    /// <summary>Settings used only when <see cref="Provider"/> is <see cref="EmailProvider.AzureCommunicationServices"/>.</summary>
    public AzureCommunicationServicesEmailOptions AzureCommunicationServices { get; set; } = new();
}

/// <summary>The adapters that can stand behind the email port.</summary>
public enum EmailProvider
{
    /// <summary>Writes .eml files to a folder, for development and tests.</summary>
    PickupDirectory,

    /// <summary>Any SMTP relay (SendGrid, Mailpit, an Exchange connector...).</summary>
    Smtp,

    /// <summary>Azure Communication Services Email, spoken over its REST API.</summary>
    AzureCommunicationServices,
}

/// <summary>How to reach an SMTP relay; kept apart so its secrets are only required when SMTP is chosen.</summary>
public sealed class SmtpEmailOptions
{
    /// <summary>Relay host name; required when SMTP is the provider.</summary>
    public string? Host { get; set; }

    /// <summary>587 is the submission port most relays expect together with STARTTLS.</summary>
    public int Port { get; set; } = 587;

    /// <summary>Leave empty for relays that accept mail without authentication (e.g. a local catcher).</summary>
    public string? UserName { get; set; }

    /// <summary>Password for <see cref="UserName"/>; keep it in a secret store, not in appsettings.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Upgrades the connection with STARTTLS when the relay offers it. Turn off only for local
    /// catchers that do not speak TLS.
    /// </summary>
    public bool UseStartTls { get; set; } = true;
}

/// <summary>How to reach an Azure Communication Services resource with its access key.</summary>
public sealed class AzureCommunicationServicesEmailOptions
{
    /// <summary>The resource endpoint, e.g. https://myacs.communication.azure.com.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The resource's base64 access key; it signs requests and is never sent or logged.</summary>
    public string? AccessKey { get; set; }

    /// <summary>Pinned so a service-side default change cannot silently change the request contract.</summary>
    public string ApiVersion { get; set; } = "2023-03-31";
}
