@vsphere
Feature: Expired certificates break the trust between vCenter and the KMS at the next key fetch
  Field failure 6: vCenter's KMS client certificate, or the KMS server certificate vCenter trusts, expires. Nothing
  happens to running VMs: the trust breaks at the next key fetch (a host reboot, a new encrypted VM). vCenter raises
  com.vmware.vc.vecs.KMSClientCertExpirationEvent / KMSServerCertExpirationEvent 30 days ahead and once expired.
  Renewing the client certificate needs the KMS's 5-minute wait for a newly allowed certificate (seed 001).

  Scenario: An expired vCenter client certificate locks the VMs of a host that reboots; running VMs keep running; renewing it recovers
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod" with a client certificate that expires in 45 days
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    When 20 days pass
    Then the event log shows "com.vmware.vc.vecs.KMSClientCertExpirationEvent" for the KMS cluster "kms-prod"
    And the event log shows "expires on" for the KMS cluster "kms-prod"
    When 30 days pass
    Then the event log shows "expired on" for the KMS cluster "kms-prod"
    And VM "app01" is running
    And VM "app01" is unlocked
    When host "esx01" reboots
    Then VM "app01" is locked
    And the event log shows "Virtual machine is locked because of a KMS cluster error." for VM "app01"
    When vCenter "vc01" renews its client certificate for the KMS cluster "kms-prod"
    And the administrator unlocks VM "app01"
    Then the operation fails with "KMS cluster error"
    When 5 minutes pass
    And the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  Scenario: An expired KMS server certificate is no longer trusted: new keys and key fetches fail while running VMs keep running
    Given a KMS cluster "kms-prod" whose server certificate expires in 10 days
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    And a VM "web01" powered off on host "esx02"
    Then the event log shows "com.vmware.vc.vecs.KMSServerCertExpirationEvent" for the KMS cluster "kms-prod"
    When 11 days pass
    Then the event log shows "expired on" for the KMS cluster "kms-prod"
    And VM "app01" is running
    And the data of VM "app01" reads back intact
    When the administrator encrypts VM "web01"
    Then the operation fails with "server certificate"
    When host "esx01" reboots
    Then VM "app01" is locked
    And the event log shows "com.vmware.vc.vm.Crypto.VMLocked.KMSClusterError" for VM "app01"

  Scenario: The hosts of an encrypted vSAN cluster present vCenter's client certificate too: once it expired they cannot mount their disk groups
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod" with a client certificate that expires in 45 days
    And a cluster "cl01" with hosts "esx01, esx02, esx03"
    And vSAN encryption is enabled on cluster "cl01"
    When 46 days pass
    And host "esx01" reboots
    Then the disk groups of host "esx01" are not mounted
    And the event log shows "vsan.health.test.encryption.kmsconnection.event" for host "esx01"
    When vCenter "vc01" renews its client certificate for the KMS cluster "kms-prod"
    And 5 minutes pass
    Then the disk groups of host "esx01" are mounted
