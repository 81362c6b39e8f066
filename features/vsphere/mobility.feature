@vsphere
Feature: vMotion, clones and vSphere HA move encrypted VMs with their keys
  vMotion of an encrypted VM is always encrypted; the destination host gets the keys from vCenter, which fetches them
  from the KMS only when no host has them (Active keys only). A clone keeps its source's key. vSphere HA restarts a
  failed host's VMs on the other hosts of the cluster, which already hold the keys vCenter pushed: no KMS needed.

  Scenario: vMotion of an encrypted VM needs no KMS when a host holds its key
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    When the KMS cluster "kms-prod" becomes unreachable
    And VM "app01" migrates to host "esx02"
    Then VM "app01" runs on host "esx02"
    And VM "app01" is unlocked
    And the event log shows "VmMigratedEvent" for VM "app01"
    And the data of VM "app01" reads back intact

  Scenario: vMotion to another cluster gives the destination cluster's hosts the key
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01"
    And a cluster "cl02" with hosts "esx11, esx12"
    And an encrypted VM "app01" running on host "esx01"
    Then host "esx11" does not have the key of VM "app01"
    When VM "app01" migrates to host "esx11"
    Then VM "app01" runs on host "esx11"
    And host "esx11" has the key of VM "app01"
    And host "esx12" has the key of VM "app01"
    And host "esx11" is in crypto state "safe"

  Scenario: A locked VM cannot be migrated
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    When the KMS cluster "kms-prod" becomes unreachable
    And the keys of VM "app01" are removed from host "esx01"
    And VM "app01" migrates to host "esx02"
    Then the operation fails with "locked"

  Scenario: Migrating an encrypted VM needs the privilege Cryptographer.Migrate
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    And user "ops" lacks the privilege "Cryptographer.Migrate"
    When user "ops" migrates VM "app01" to host "esx02"
    Then the operation fails with "Cryptographer.Migrate"

  Scenario: A clone of an encrypted VM keeps its key and its data
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    When the administrator clones VM "app01" as "app02"
    And the administrator powers on VM "app02"
    Then VM "app02" has the same key as VM "app01"
    And VM "app02" runs on host "esx01"
    And the data of VM "app02" reads back intact
    And the event log shows "VmClonedEvent" for VM "app02"

  Scenario: With vSphere HA, a failed host's encrypted VMs restart on another host of the cluster without the KMS
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02" and vSphere HA enabled
    And an encrypted VM "app01" running on host "esx01"
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" fails
    Then VM "app01" runs on host "esx02"
    And VM "app01" is unlocked
    And the event log shows "com.vmware.vc.ha.VmRestartedByHAEvent" for VM "app01"
    And the data of VM "app01" reads back intact
    When host "esx01" is back
    Then host "esx01" does not have the key of VM "app01"
    And VM "app01" runs on host "esx02"

  Scenario: Without vSphere HA, a failed host's VMs are disconnected; back while the KMS is unreachable, they lock
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    When host "esx01" fails
    Then the connection state of VM "app01" is "disconnected"
    And VM "app01" is powered off
    And the event log shows "HostNotRespondingEvent" for host "esx01"
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" is back
    Then VM "app01" is locked
    And the connection state of VM "app01" is "invalid"
    When the KMS cluster "kms-prod" is reachable again
    And the administrator unlocks VM "app01"
    And the administrator powers on VM "app01"
    Then VM "app01" runs on host "esx01"
