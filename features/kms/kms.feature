@kms
Feature: The KMS serves a key to the client that created it, for as long as its administrator allows

  A KMIP client is its certificate: each key belongs to the client that created it, and other clients do not see it.
  Through the admin interface the KMS administrator can stop the KMS serving a key (deactivate), serve it again
  (reactivate), destroy it recoverably and restore it. These are the KMS-side facts the vCenter scenarios build on.

  Background:
    Given a KMS
    And a KMIP client "alice" with a certificate from the KMS's CA

  Scenario: A key a client creates can be fetched with its key material
    When client "alice" creates an AES key of 256 bits named "vm-key"
    Then client "alice" gets key "vm-key" with 32 bytes of key material
    And the KMS holds key "vm-key" in state "Pre-Active"

  Scenario: A key the KMS administrator deactivated is refused, and served again once reactivated
    When client "alice" creates an AES key of 256 bits named "vm-key"
    Then client "alice" gets key "vm-key" with 32 bytes of key material
    When the KMS administrator deactivates key "vm-key"
    Then getting key "vm-key" as client "alice" fails with "Permission Denied"
    And the KMS holds key "vm-key" in state "Deactivated"
    And the KMS administrator sees key "vm-key" as:
      """json
      { "state": "Deactivated", "disabledByAdministrator": true }
      """
    When the KMS administrator reactivates key "vm-key"
    Then client "alice" gets key "vm-key" with 32 bytes of key material
    And the KMS holds key "vm-key" in state "Active"

  Scenario: A client cannot see another client's key
    Given a KMIP client "bob" with a certificate from the KMS's CA
    And client "alice" created an AES key of 256 bits named "alice-key"
    Then client "bob" cannot see key "alice-key"
    And getting key "alice-key" as client "bob" fails with "Item Not Found"
    But client "alice" gets key "alice-key" with 32 bytes of key material

  Scenario: A destroyed key is refused until the administrator restores it
    Given client "alice" created an AES key of 256 bits named "vm-key"
    When the KMS administrator destroys key "vm-key"
    Then getting key "vm-key" as client "alice" fails with "destroyed"
    And the KMS holds key "vm-key" in state "Destroyed"
    When the KMS administrator restores key "vm-key"
    Then client "alice" gets key "vm-key" with 32 bytes of key material
    And the KMS holds key "vm-key" in state "Active"

  Scenario Outline: An AES key of <bits> bits is served with <bytes> bytes of key material
    When client "alice" creates an AES key of <bits> bits named "key-<bits>"
    Then client "alice" gets key "key-<bits>" with <bytes> bytes of key material

    Examples:
      | bits | bytes |
      | 128  | 16    |
      | 192  | 24    |
      | 256  | 32    |

  Scenario: A key its client activates becomes Active
    Given client "alice" created an AES key of 256 bits named "vm-key"
    When client "alice" activates key "vm-key"
    Then the KMS holds key "vm-key" in state "Active"

  Scenario: Custom attributes a client adds to a key are kept as sent
    Given client "alice" created an AES key of 256 bits named "vm-key"
    When client "alice" adds these custom attributes to key "vm-key":
      | name              | value          |
      | x-Vendor          | VMware, Inc.   |
      | x-Product         | VMware vSphere |
      | x-Product_Version | 6.7.0          |
    Then key "vm-key" has the custom attribute "x-Vendor" with value "VMware, Inc."
    And key "vm-key" has the custom attribute "x-Product" with value "VMware vSphere"
    And key "vm-key" has the custom attribute "x-Product_Version" with value "6.7.0"
