@vsphere
Feature: vSphere uses only Active keys, and vCenter reports what it sees of its key providers
  vSphere Security 6.7 ("vSphere Virtual Machine Encryption uses only Active keys"): vCenter activates a Pre-Active key
  it uses, refuses a Deactivated, Compromised or Destroyed key it must fetch, and a key already on a host keeps working.
  QueryCryptoKeyStatus and RetrieveKmipServersStatus say what vCenter sees; a KMS that accepts connections and never
  answers meets vCenter's KMIP timeouts. Encrypting and decrypting need a powered-off VM.

  Scenario: vCenter activates a Pre-Active key when it encrypts a VM with it
    Given a KMS cluster "kms-prod" that creates keys in state "Pre-Active"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    Then the KMS holds the key of VM "app01" in state "Active"
    And vCenter "vc01" reports the key of VM "app01" as "available"

  Scenario: A KMS that creates Active keys serves vCenter as well
    Given a KMS cluster "kms-prod" that creates keys in state "Active"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    When host "esx01" reboots
    And the administrator powers on VM "app01"
    Then VM "app01" is running
    And the KMS holds the key of VM "app01" in state "Active"
    And the data of VM "app01" reads back intact

  Scenario: A key the KMS revoked is still served, but vCenter no longer fetches it: the VM locks at the next reboot
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01"
    And an encrypted VM "app01" running on host "esx01"
    When the KMS revokes the key of VM "app01"
    Then the KMS holds the key of VM "app01" in state "Deactivated"
    And the KMS serves the key of VM "app01"
    And vCenter "vc01" reports the key of VM "app01" as "KeyStateNotActiveOrEnabled"
    And VM "app01" is running
    And the data of VM "app01" reads back intact
    When host "esx01" reboots
    Then VM "app01" is locked
    And the connection state of VM "app01" is "invalid"
    And the event log shows "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS" for VM "app01"
    When the administrator unlocks VM "app01"
    Then the operation fails with "keys are missing on KMS cluster"

  Scenario: A key destroyed on the KMS is reported missing in the KMS
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01"
    And an encrypted VM "app01" running on host "esx01"
    When the KMS administrator destroys the key of VM "app01"
    Then vCenter "vc01" reports the key of VM "app01" as "KeyStateMissingInKMS"
    And VM "app01" is running

  Scenario: vCenter shows a KMS cluster green with every server up, yellow with one down and red when none answers
    Given a KMS cluster "kms-ha" with 2 servers
    And vCenter "vc01" trusts the KMS cluster "kms-ha"
    Then vCenter "vc01" shows the KMS cluster "kms-ha" as "green"
    When KMS server 1 of cluster "kms-ha" goes down
    Then vCenter "vc01" shows the KMS cluster "kms-ha" as "yellow"
    When the KMS cluster "kms-ha" becomes unreachable
    Then vCenter "vc01" shows the KMS cluster "kms-ha" as "red"
    When the KMS cluster "kms-ha" is reachable again
    And KMS server 1 of cluster "kms-ha" is back
    Then vCenter "vc01" shows the KMS cluster "kms-ha" as "green"

  Scenario: A KMS cluster whose server certificate vCenter no longer trusts is red
    Given a KMS cluster "kms-prod" whose server certificate expires in 10 days
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    Then vCenter "vc01" shows the KMS cluster "kms-prod" as "green"
    When 11 days pass
    Then vCenter "vc01" shows the KMS cluster "kms-prod" as "red"

  Scenario: A KMS that accepts connections and never answers locks VMs at a reboot with a KMS cluster error
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01"
    And an encrypted VM "app01" running on host "esx01"
    When the KMS cluster "kms-prod" stops answering
    And host "esx01" reboots
    Then VM "app01" is locked
    And the event log shows "com.vmware.vc.vm.Crypto.VMLocked.KMSClusterError" for VM "app01"
    And vCenter "vc01" reports the key of VM "app01" as "KeyStateClusterUnreachable"
    When the KMS cluster "kms-prod" is reachable again
    And the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
    And vCenter "vc01" shows the KMS cluster "kms-prod" as "green"

  Scenario: Encrypting a running VM fails: vSphere encrypts powered-off VMs only
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01"
    And a VM "web01" running on host "esx01"
    When the administrator encrypts VM "web01"
    Then the operation fails with "InvalidPowerState"
    And VM "web01" is not encrypted
    When the administrator powers off VM "web01"
    And the administrator encrypts VM "web01"
    Then VM "web01" is encrypted

  Scenario: A VM with a snapshot cannot be encrypted
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01"
    And a VM "web01" powered off on host "esx01"
    And VM "web01" has a snapshot
    When the administrator encrypts VM "web01"
    Then the operation fails with "snapshot"
    And VM "web01" is not encrypted

  Scenario: Decrypting needs the VM powered off; a decrypted VM's data reads back without a key
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01"
    And an encrypted VM "app01" running on host "esx01"
    When the administrator decrypts VM "app01"
    Then the operation fails with "InvalidPowerState"
    When the administrator powers off VM "app01"
    And the administrator decrypts VM "app01"
    Then VM "app01" is not encrypted
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    And the administrator powers on VM "app01"
    Then VM "app01" is running
    And the data of VM "app01" reads back intact

  Scenario: A host becomes crypto-safe, with a host key, when vCenter first gives it an encrypted VM's key
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    Then host "esx01" is in crypto state "incapable"
    Given an encrypted VM "app01" running on host "esx01"
    Then host "esx01" is in crypto state "safe"
    And host "esx02" is in crypto state "safe"
    And host "esx01" holds its host key
    And the event log shows "com.vmware.vc.host.Crypto.Enabled" for host "esx01"

  Scenario: Every key the KMS acknowledged is served after hosts reboot
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    And an encrypted VM "app02" powered off on host "esx02"
    When host "esx01" reboots
    And host "esx02" reboots
    Then every key the KMS cluster "kms-prod" acknowledged is still served
