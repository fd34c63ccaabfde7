// RapidStart in Azure: a Function App on Flex Consumption, its storage account (tables for the
// records, blobs/queues/tables for Durable Functions), Application Insights, and a Key Vault for
// secrets the app reads through Key Vault references. The app's identity gets only the roles it needs.
targetScope = 'resourceGroup'

@description('Short name used as the prefix of every resource (letters and digits).')
@minLength(3)
@maxLength(11)
param appName string = 'rapidstart'

@description('Azure region of the deployment (its data-center region code is configured below).')
param location string = resourceGroup().location

@description('Entra ID authority the pages sign in at: common = work or school accounts of any tenant, and personal Microsoft accounts.')
param entraAuthority string = 'https://login.microsoftonline.com/common'

@description('Application (client) ID of the RapidStart app registration (deploy/app-registration.sh prints it).')
param entraClientId string

@description('The operator\'s own Entra tenant ID: only its users with app role Support are Support.')
param operatorTenantId string

@description('Public origin of the app, used in activation links (defaults to the Function App host name).')
param publicBaseUrl string = ''

@description('Email provider: AzureCommunicationServices or Smtp.')
@allowed([ 'AzureCommunicationServices', 'Smtp' ])
param emailProvider string = 'AzureCommunicationServices'

@description('Sender address (a verified domain of the Communication Services email resource).')
param emailFrom string

@description('Azure Communication Services endpoint, e.g. https://myacs.communication.azure.com')
param acsEndpoint string = ''

@secure()
@description('Azure Communication Services access key; stored in Key Vault, never in app settings.')
param acsAccessKey string = ''

@description('NCRONTAB (with seconds) of the expiry sweep.')
param sweepSchedule string = '0 0 2 * * *'

@description('.NET version of the isolated worker.')
param dotnetVersion string = '10.0'

var suffix = uniqueString(resourceGroup().id, appName)
var storageName = toLower('${appName}${take(suffix, 12)}')
var functionAppName = '${appName}-${take(suffix, 8)}'
var keyVaultName = '${appName}-kv-${take(suffix, 6)}'
var deploymentContainer = 'deployments'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource recordsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: 'RapidStart'
}

resource voiceTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: 'VoiceAccounts'
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${appName}-logs-${take(suffix, 6)}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${appName}-ai-${take(suffix, 6)}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: false
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
  }
}

resource storageSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'storage-connection-string'
  properties: {
    value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
}

resource acsSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(acsAccessKey)) {
  parent: vault
  name: 'acs-access-key'
  properties: { value: acsAccessKey }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${appName}-plan-${take(suffix, 6)}'
  location: location
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: 40
        instanceMemoryMB: 2048
      }
      runtime: { name: 'dotnet-isolated', version: dotnetVersion }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'RapidStart__Storage__ConnectionString', value: '@Microsoft.KeyVault(SecretUri=${storageSecret.properties.secretUri})' }
        { name: 'RapidStart__Auth__Authority', value: entraAuthority }
        { name: 'RapidStart__Auth__ClientId', value: entraClientId }
        { name: 'RapidStart__Auth__OperatorTenantId', value: operatorTenantId }
        { name: 'RapidStart__Lifecycle__PublicBaseUrl', value: empty(publicBaseUrl) ? 'https://${functionAppName}.azurewebsites.net/' : publicBaseUrl }
        { name: 'RapidStart__Email__Provider', value: emailProvider }
        { name: 'RapidStart__Email__From', value: emailFrom }
        { name: 'RapidStart__Email__AzureCommunicationServices__Endpoint', value: acsEndpoint }
        { name: 'RapidStart__Email__AzureCommunicationServices__AccessKey', value: empty(acsAccessKey) ? '' : '@Microsoft.KeyVault(SecretUri=${acsSecret!.properties.secretUri})' }
        { name: 'RapidStart__Sweep__Schedule', value: sweepSchedule }
      ]
    }
  }
}

// Roles for the app's identity: host storage (blobs, queues, tables for Durable Functions and
// deployment packages) and reading secrets.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in [ roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor ]: {
  name: guid(storage.id, functionApp.id, role)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}]

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, functionApp.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output functionAppName string = functionApp.name
output apiBaseUrl string = 'https://${functionApp.properties.defaultHostName}/api'
output storageAccountName string = storage.name
output keyVaultName string = vault.name
