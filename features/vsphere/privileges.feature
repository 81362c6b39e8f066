@vsphere
Feature: Cryptographic operations need their privileges, given by roles
  vSphere's 14 Cryptographic operations privileges (Cryptographer.*) are checked where vSphere checks them; the
  "No cryptography administrator" role has the Administrator's privileges except those, and custom roles hold what they
  are given. A missing privilege fails the operation naming the privilege ID.

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    And a VM "web01" powered off on host "esx02"

  Scenario: A No cryptography administrator can run encrypted VMs but cannot encrypt, migrate or unlock them
    Given user "ops" has the role "No cryptography administrator"
    When user "ops" encrypts VM "web01"
    Then the operation fails with "Cryptographer.Encrypt"
    When user "ops" migrates VM "app01" to host "esx02"
    Then the operation fails with "Cryptographer.Migrate"
    When user "ops" rekeys VM "app01"
    Then the operation fails with "Cryptographer.Recrypt"
    When the keys of VM "app01" are removed from host "esx01"
    And user "ops" unlocks VM "app01"
    Then the operation fails with "Cryptographer.RegisterVM"
    And VM "app01" is locked

  Scenario: A custom role with only Cryptographer.Encrypt can encrypt a VM but not decrypt it
    Given a role "encryptor" with the privileges "Cryptographer.Encrypt, Cryptographer.RegisterHost"
    And user "enc" has the role "encryptor"
    When user "enc" encrypts VM "web01"
    Then VM "web01" is encrypted
    When user "enc" decrypts VM "web01"
    Then the operation fails with "Cryptographer.Decrypt"
    And VM "web01" is encrypted

  Scenario: Cloning an encrypted VM needs Cryptographer.Clone
    Given user "ops" lacks the privilege "Cryptographer.Clone"
    When user "ops" clones VM "app01" as "app02"
    Then the operation fails with "Cryptographer.Clone"

  Scenario: Removing a key from vCenter needs Cryptographer.ManageKeys
    Given user "ops" has the role "No cryptography administrator"
    When user "ops" removes the key of VM "app01" from vCenter
    Then the operation fails with "Cryptographer.ManageKeys"

  Scenario: Encrypting a VM on hosts that are not yet crypto-safe needs Cryptographer.RegisterHost
    Given a cluster "cl02" with hosts "esx11"
    And a VM "db01" powered off on host "esx11"
    And user "ops" lacks the privilege "Cryptographer.RegisterHost"
    When user "ops" encrypts VM "db01"
    Then the operation fails with "Cryptographer.RegisterHost"
    And host "esx11" is in crypto state "incapable"
