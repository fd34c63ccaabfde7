#!/usr/bin/env bash
# Creates (or updates) the RapidStart app registration in the operator's Entra tenant with the
# Azure CLI and Microsoft Graph, and prints the settings the Function App needs.
#
#   az login --tenant <operator-tenant-id>
#   deploy/app-registration.sh https://<function-app>.azurewebsites.net/ [display-name]
#
# What it registers (docs/security.md, "Identity model"):
#   - sign-in audience: work or school accounts of any tenant, and personal Microsoft accounts
#     (v2.0 access tokens, which personal accounts require);
#   - SPA redirect URIs for the pages (auth/redirect, activate, console), authorization code + PKCE;
#   - the exposed API scope api://<client-id>/access_as_user, which the pages (the same app) request;
#   - app roles Partner and Support (assigned to users, never to applications);
#   - optional claims email and xms_edov in access and ID tokens (the verified-address rule).
set -euo pipefail

base_url=${1:?usage: deploy/app-registration.sh <public-base-url ending in /> [display-name]}
name=${2:-RapidStart}
case "$base_url" in */) ;; *) base_url="$base_url/" ;; esac

command -v az >/dev/null || { echo "The Azure CLI (az) is required." >&2; exit 1; }
tenant=$(az account show --query tenantId -o tsv)

app_id=$(az ad app list --display-name "$name" --query "[0].appId" -o tsv)
if [ -z "$app_id" ]; then
  # Created single-tenant first: personal accounts need v2.0 tokens, which must be set before the audience.
  app_id=$(az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg --query appId -o tsv)
  echo "created app registration $name ($app_id)" >&2
fi
object_id=$(az ad app show --id "$app_id" --query id -o tsv)
graph="https://graph.microsoft.com/v1.0/applications/$object_id"

# Stable ids, so a second run updates the same scope and roles instead of adding new ones.
scope_id=$(python3 -c "import uuid,sys; print(uuid.uuid5(uuid.UUID(sys.argv[1]), 'access_as_user'))" "$app_id")
partner_role_id=$(python3 -c "import uuid,sys; print(uuid.uuid5(uuid.UUID(sys.argv[1]), 'Partner'))" "$app_id")
support_role_id=$(python3 -c "import uuid,sys; print(uuid.uuid5(uuid.UUID(sys.argv[1]), 'Support'))" "$app_id")

az rest --method PATCH --uri "$graph" --headers Content-Type=application/json --body "{
  \"identifierUris\": [\"api://$app_id\"],
  \"api\": {
    \"requestedAccessTokenVersion\": 2,
    \"oauth2PermissionScopes\": [{
      \"id\": \"$scope_id\", \"value\": \"access_as_user\", \"type\": \"User\", \"isEnabled\": true,
      \"adminConsentDisplayName\": \"Use RapidStart as the signed-in user\",
      \"adminConsentDescription\": \"Lets the RapidStart pages call the RapidStart API as the signed-in user.\",
      \"userConsentDisplayName\": \"Use RapidStart as you\",
      \"userConsentDescription\": \"Lets the RapidStart pages call the RapidStart API as you.\"
    }]
  }
}" >/dev/null

az rest --method PATCH --uri "$graph" --headers Content-Type=application/json --body "{
  \"signInAudience\": \"AzureADandPersonalMicrosoftAccount\",
  \"spa\": { \"redirectUris\": [\"${base_url}api/auth/redirect\", \"${base_url}api/activate\", \"${base_url}api/console\"] },
  \"appRoles\": [
    { \"id\": \"$partner_role_id\", \"value\": \"Partner\", \"displayName\": \"Partner\", \"isEnabled\": true, \"allowedMemberTypes\": [\"User\"],
      \"description\": \"An implementation partner's agent: enrols customers for the partner its tenant is registered to.\" },
    { \"id\": \"$support_role_id\", \"value\": \"Support\", \"displayName\": \"Support\", \"isEnabled\": true, \"allowedMemberTypes\": [\"User\"],
      \"description\": \"RapidStart Support (operator's tenant only): registers partners, reads any record, reactivates.\" }
  ],
  \"optionalClaims\": {
    \"accessToken\": [{ \"name\": \"email\", \"essential\": false }, { \"name\": \"xms_edov\", \"essential\": false }],
    \"idToken\": [{ \"name\": \"email\", \"essential\": false }, { \"name\": \"xms_edov\", \"essential\": false }]
  }
}" >/dev/null

az ad sp show --id "$app_id" >/dev/null 2>&1 || az ad sp create --id "$app_id" >/dev/null

cat <<SETTINGS
App registration ready in tenant $tenant.
Deploy with:
  entraClientId=$app_id
  operatorTenantId=$tenant
Give operators the Support role (Enterprise applications > $name > Users and groups), or:
  az rest --method POST --uri https://graph.microsoft.com/v1.0/servicePrincipals/\$(az ad sp show --id $app_id --query id -o tsv)/appRoleAssignedTo \\
    --body '{"principalId":"<user-object-id>","resourceId":"'\$(az ad sp show --id $app_id --query id -o tsv)'","appRoleId":"$support_role_id"}'
A partner's tenant: its administrator consents at
  https://login.microsoftonline.com/<partner-tenant-id>/adminconsent?client_id=$app_id
then assigns the Partner role (app role id $partner_role_id) to its agents in its own tenant, and Support registers the tenant:
  PUT /api/support/partners/<partner-id>  {"name": "...", "tenantIds": ["<partner-tenant-id>"]}
SETTINGS
