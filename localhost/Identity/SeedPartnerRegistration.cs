using RapidStart.Domain.Partners;
using RapidStart.Domain.Problems;

namespace RapidStart.LocalHost.Identity;

/// <summary>
/// At start, registers each seed partner's local tenant to it in the partner registry, so its agents
/// can sign in as partners at once. Keeps what Support changed: the name stays, tenants are added to.
/// Without a registry in the container (none is registered yet) it says so and does nothing.
/// </summary>
public sealed class SeedPartnerRegistration(LocalDirectory directory, IServiceProvider services, ILogger<SeedPartnerRegistration> logger) : BackgroundService
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(2);

    private readonly TaskCompletionSource _firstTry = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Waits for the first attempt (so a host that is up has its partners registered), then retries in the background if it failed.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        await _firstTry.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var registry = services.GetService<IPartnerRegistry>();
        if (registry is null)
        {
            logger.LogWarning("No partner registry is registered: the {Count} seed partners' local tenants are not registered", directory.SeedPartnerTenants.Count);
            _firstTry.TrySetResult();
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RegisterAsync(registry, stoppingToken);
                _firstTry.TrySetResult();
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Registering the seed partners' local tenants failed; retrying in {Delay}", Retry);
                _firstTry.TrySetResult();
                await Task.Delay(Retry, stoppingToken);
            }
        }
    }

    private async Task RegisterAsync(IPartnerRegistry registry, CancellationToken cancellationToken)
    {
        foreach (var tenant in directory.SeedPartnerTenants)
        {
            var tenantId = tenant.Id.ToString("D");
            var existing = await registry.GetAsync(tenant.PartnerId!, cancellationToken);
            if (existing?.TenantIds.Contains(tenantId, StringComparer.OrdinalIgnoreCase) == true)
            {
                continue;
            }

            try
            {
                await registry.PutAsync(new PartnerRegistration(tenant.PartnerId!, existing?.Name ?? tenant.PartnerId!, [.. existing?.TenantIds ?? [], tenantId]), cancellationToken);
                logger.LogInformation("Registered local tenant {TenantId} ({Domain}) to partner {PartnerId}", tenantId, tenant.Domain, tenant.PartnerId);
            }
            catch (ProblemException e)
            {
                logger.LogWarning("Local tenant {TenantId} was not registered to partner {PartnerId}: {Detail}", tenantId, tenant.PartnerId, e.Message);
            }
        }
    }
}
