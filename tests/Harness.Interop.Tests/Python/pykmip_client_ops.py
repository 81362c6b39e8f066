#!/usr/bin/python3
"""PyKMIP (the Debian python3-pykmip package) as a third-party KMIP client against a KMIP server.

Usage: pykmip_client_ops.py HOST PORT PKI_DIR [KMIP_VERSION [SSL_VERSION]]

KMIP_VERSION: 1.0 ... 2.0 (default 1.2, PyKMIP's own default); SSL_VERSION: an ssl module constant name
(default PROTOCOL_SSLv23, i.e. negotiate the highest TLS version both sides have).

Runs, in this order: create (AES 256), check (of its usage mask), attributes (KMIP 2.x: set, modify and delete its
Contact Information; 1.x: modify and delete its Name; each read back), rekey (of the created key), register (a symmetric key supplied here), get (of the registered key),
get_attributes, get_attribute_list, locate (by name), activate, get_attributes (State), revoke, get_attributes (State),
destroy, get (after destroy, expected to fail), then mac (an HMAC-SHA256 key registered, activated, and a MAC of some
data: the key and data are printed for the caller to check the MAC), then encrypt_decrypt (an AES-256 key registered
and activated, data encrypted in CBC with PKCS5 padding under an IV the server makes, and decrypted), then key_pair
(an RSA-2048 pair created and activated, data signed with PSS and with PKCS#1 v1.5 and verified, a tampered message
verified, data encrypted with OAEP under the public key and decrypted with the private key), then derive_key (an
AES-128 key derived with PBKDF2-HMAC-SHA256 from a registered key, and read back). Prints one JSON object per line per step:
{"op": ..., "ok": true|false, ...values..., "error": "..."}; the last line is {"op": "done"}.
Exit code 0 when the script itself ran to the end (the caller judges the steps), 3 when PyKMIP cannot be imported.
"""
import binascii
import enum
import json
import logging
import os
import sys
import traceback

try:
    from kmip import enums
    from kmip.core import objects as cobjects
    from kmip.core.factories import attribute_values as value_factories
    from kmip.core.factories import attributes as attribute_factories
    from kmip.pie import client as pie_client
    from kmip.pie import objects
except ImportError as e:  # reported, the C# test turns it into a failure with the fix
    print(json.dumps({"op": "import", "ok": False, "error": "cannot import PyKMIP: %s" % e}), flush=True)
    sys.exit(3)

logging.basicConfig(level=logging.CRITICAL)  # PyKMIP warns about a missing config file; keep stdout JSON only


def emit(op, ok, **values):
    values.update({"op": op, "ok": ok})
    print(json.dumps(values, sort_keys=True), flush=True)


def attribute_values(attrs):
    """Get Attributes result -> {name: [text value, ...]}."""
    out = {}
    for a in attrs:
        name = a.attribute_name.value
        v = a.attribute_value
        if hasattr(v, "value"):
            v = v.value
        if isinstance(v, enum.Enum):
            v = v.name
        out.setdefault(name, []).append(v if isinstance(v, (str, int, float, bool)) else str(v))
    return out


def step(op, fn):
    try:
        return fn()
    except Exception as e:  # one failing step is reported and the script goes on
        emit(op, False, error="%s: %s" % (type(e).__name__, e), trace=traceback.format_exc(limit=3))
        return None


def main():
    host, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    version_text = sys.argv[4] if len(sys.argv) > 4 else "1.2"
    version = {"1.0": enums.KMIPVersion.KMIP_1_0, "1.1": enums.KMIPVersion.KMIP_1_1, "1.2": enums.KMIPVersion.KMIP_1_2,
               "1.3": enums.KMIPVersion.KMIP_1_3, "1.4": enums.KMIPVersion.KMIP_1_4,
               "2.0": enums.KMIPVersion.KMIP_2_0}[version_text]
    ssl_version = sys.argv[5] if len(sys.argv) > 5 else "PROTOCOL_SSLv23"
    name_suffix = binascii.hexlify(os.urandom(4)).decode()
    created_name = "pykmip-created-" + name_suffix
    registered_name = "pykmip-registered-" + name_suffix
    key_bytes = os.urandom(32)

    client = pie_client.ProxyKmipClient(
        hostname=host, port=port,
        cert=os.path.join(pki, "client.crt"), key=os.path.join(pki, "client.key"), ca=os.path.join(pki, "ca.crt"),
        ssl_version=ssl_version,
        config_file=os.devnull,  # no /etc/pykmip/pykmip.conf or ~/.pykmip: only the values given here
        kmip_version=version)
    try:
        client.open()
    except Exception as e:
        emit("open", False, error="%s: %s" % (type(e).__name__, e))
        emit("done", True)
        return 0
    sock = client.proxy.socket
    emit("open", True, tls_version=sock.version(), cipher=sock.cipher()[0], kmip_version=version_text)

    try:
        def create():
            uid = client.create(enums.CryptographicAlgorithm.AES, 256, name=created_name,
                                cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT,
                                                          enums.CryptographicUsageMask.DECRYPT])
            emit("create", True, uid=uid, name=created_name)
            return uid
        created = step("create", create)

        def get_created():
            key = client.get(created)
            emit("get_created", True, uid=created, algorithm=key.cryptographic_algorithm.name,
                 length=key.cryptographic_length, key_hex=binascii.hexlify(key.value).decode())
        if created:
            step("get_created", get_created)

        def check():
            uid = client.check(uid=created, cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT])
            emit("check", True, uid=uid)

        def attributes_2x():
            # KMIP 2.0: Set Attribute, then Modify Attribute and Delete Attribute by reference
            client.set_attribute(unique_identifier=created, attribute_name="Contact Information", attribute_value="ops@" + name_suffix)
            value_factory = value_factories.AttributeValueFactory()
            client.modify_attribute(unique_identifier=created, new_attribute=cobjects.NewAttribute(
                attribute=value_factory.create_attribute_value_by_enum(enums.Tags.CONTACT_INFORMATION, "secops@" + name_suffix)))
            modified = client.get_attributes(created, ["Contact Information"])[1]
            client.delete_attribute(unique_identifier=created, attribute_reference=cobjects.AttributeReference(
                vendor_identification="", attribute_name="Contact Information"))
            deleted = client.get_attributes(created, ["Contact Information"])[1]
            emit("attributes", True, uid=created, modified=attribute_values(modified), after_delete=attribute_values(deleted))

        def attributes_1x():
            # KMIP 1.x: Modify Attribute and Delete Attribute of the key's Name (index 0)
            factory = attribute_factories.AttributeFactory()
            client.modify_attribute(unique_identifier=created, attribute=factory.create_attribute(
                enums.AttributeType.NAME, "pykmip-renamed-" + name_suffix, 0))
            modified = client.get_attributes(created, ["Name"])[1]
            client.delete_attribute(unique_identifier=created, attribute_name="Name", attribute_index=0)
            deleted = client.get_attributes(created, ["Name"])[1]
            emit("attributes", True, uid=created, modified=attribute_values(modified), after_delete=attribute_values(deleted))

        def rekey():
            new_uid = client.rekey(uid=created)
            old_key, new_key = client.get(created), client.get(new_uid)
            emit("rekey", True, uid=created, new_uid=new_uid, old_hex=binascii.hexlify(old_key.value).decode(),
                 new_hex=binascii.hexlify(new_key.value).decode(), length=new_key.cryptographic_length)
        if created:
            step("check", check)
            step("attributes", attributes_2x if version_text.startswith("2") else attributes_1x)
            step("rekey", rekey)

        def register():
            key = objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, key_bytes,
                                       masks=[enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT],
                                       name=registered_name)
            uid = client.register(key)
            emit("register", True, uid=uid, name=registered_name, key_hex=binascii.hexlify(key_bytes).decode())
            return uid
        registered = step("register", register)
        if not registered:
            emit("done", True)
            return 0

        def get():
            key = client.get(registered)
            emit("get", True, object_type=key.object_type.name,
                 algorithm=key.cryptographic_algorithm.name, length=key.cryptographic_length,
                 key_hex=binascii.hexlify(key.value).decode())
        step("get", get)

        def get_attributes():
            uid, attrs = client.get_attributes(registered, ["Cryptographic Algorithm", "Cryptographic Length",
                                                            "State", "Name", "Object Type"])
            emit("get_attributes", True, uid=uid, attributes=attribute_values(attrs))
        step("get_attributes", get_attributes)

        def get_attribute_list():
            names = client.get_attribute_list(registered)
            emit("get_attribute_list", True, names=names)
        step("get_attribute_list", get_attribute_list)

        def locate():
            factory = attribute_factories.AttributeFactory()
            uids = client.locate(attributes=[factory.create_attribute(enums.AttributeType.NAME, registered_name)])
            emit("locate", True, name=registered_name, uids=uids)
        step("locate", locate)

        def state(op):
            uid, attrs = client.get_attributes(registered, ["State"])
            emit(op, True, uid=uid, attributes=attribute_values(attrs))

        def activate():
            client.activate(registered)
            emit("activate", True, uid=registered)
        step("activate", activate)
        step("state_after_activate", lambda: state("state_after_activate"))

        def revoke():
            client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, registered,
                          revocation_message="PyKMIP interop test")
            emit("revoke", True, uid=registered)
        step("revoke", revoke)
        step("state_after_revoke", lambda: state("state_after_revoke"))

        def destroy():
            client.destroy(registered)
            emit("destroy", True, uid=registered)
        step("destroy", destroy)

        def get_after_destroy():
            try:
                client.get(registered)
                emit("get_after_destroy", False, error="Get of a destroyed key succeeded")
            except Exception as e:
                reason = getattr(e, "reason", None)
                emit("get_after_destroy", True, refused="%s: %s" % (type(e).__name__, e),
                     reason=reason.name if reason is not None else None)
        step("get_after_destroy", get_after_destroy)

        def mac():
            mac_key = os.urandom(32)
            data = b"harness pykmip mac " + name_suffix.encode()
            key = objects.SymmetricKey(enums.CryptographicAlgorithm.HMAC_SHA256, 256, mac_key,
                                       masks=[enums.CryptographicUsageMask.MAC_GENERATE, enums.CryptographicUsageMask.MAC_VERIFY],
                                       name="pykmip-mac-" + name_suffix)
            uid = client.register(key)
            client.activate(uid)
            mac_uid, mac_data = client.mac(data, uid, enums.CryptographicAlgorithm.HMAC_SHA256)
            emit("mac", True, uid=uid, mac_uid=mac_uid, key_hex=binascii.hexlify(mac_key).decode(),
                 data_hex=binascii.hexlify(data).decode(), mac_hex=binascii.hexlify(mac_data).decode())
        step("mac", mac)

        def encrypt_decrypt():
            aes_key = os.urandom(32)
            data = b"harness pykmip encrypt " + name_suffix.encode()
            key = objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, aes_key,
                                       masks=[enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT],
                                       name="pykmip-aes-" + name_suffix)
            uid = client.register(key)
            client.activate(uid)
            parameters = {"block_cipher_mode": enums.BlockCipherMode.CBC, "padding_method": enums.PaddingMethod.PKCS5,
                          "cryptographic_algorithm": enums.CryptographicAlgorithm.AES}
            encrypted, iv = client.encrypt(data, uid, cryptographic_parameters=parameters)
            decrypted = client.decrypt(encrypted, uid, cryptographic_parameters=parameters, iv_counter_nonce=iv)
            emit("encrypt_decrypt", True, uid=uid, key_hex=binascii.hexlify(aes_key).decode(), data_hex=binascii.hexlify(data).decode(),
                 iv_hex=binascii.hexlify(iv or b"").decode(), encrypted_hex=binascii.hexlify(encrypted).decode(),
                 decrypted_hex=binascii.hexlify(decrypted).decode())
        step("encrypt_decrypt", encrypt_decrypt)

        def key_pair():
            public_uid, private_uid = client.create_key_pair(
                enums.CryptographicAlgorithm.RSA, 2048,
                public_name="pykmip-public-" + name_suffix, private_name="pykmip-private-" + name_suffix,
                public_usage_mask=[enums.CryptographicUsageMask.VERIFY, enums.CryptographicUsageMask.ENCRYPT],
                private_usage_mask=[enums.CryptographicUsageMask.SIGN, enums.CryptographicUsageMask.DECRYPT])
            client.activate(public_uid)
            client.activate(private_uid)
            public_key = client.get(public_uid)
            data = b"harness pykmip sign " + name_suffix.encode()
            pss = {"padding_method": enums.PaddingMethod.PSS, "hashing_algorithm": enums.HashingAlgorithm.SHA_256,
                   "cryptographic_algorithm": enums.CryptographicAlgorithm.RSA}
            pkcs1 = {"padding_method": enums.PaddingMethod.PKCS1v15, "hashing_algorithm": enums.HashingAlgorithm.SHA_256,
                     "cryptographic_algorithm": enums.CryptographicAlgorithm.RSA}
            pss_signature = client.sign(data, private_uid, cryptographic_parameters=pss)
            pss_valid = client.signature_verify(data, pss_signature, public_uid, cryptographic_parameters=pss)
            pss_tampered = client.signature_verify(data + b"!", pss_signature, public_uid, cryptographic_parameters=pss)
            pkcs1_signature = client.sign(data, private_uid, cryptographic_parameters=pkcs1)
            pkcs1_valid = client.signature_verify(data, pkcs1_signature, public_uid, cryptographic_parameters=pkcs1)
            oaep = {"padding_method": enums.PaddingMethod.OAEP, "hashing_algorithm": enums.HashingAlgorithm.SHA_256,
                    "cryptographic_algorithm": enums.CryptographicAlgorithm.RSA}
            encrypted, _ = client.encrypt(data, public_uid, cryptographic_parameters=oaep)
            decrypted = client.decrypt(encrypted, private_uid, cryptographic_parameters=oaep)
            emit("key_pair", True, public_uid=public_uid, private_uid=private_uid,
                 public_format=public_key.key_format_type.name, public_hex=binascii.hexlify(public_key.value).decode(),
                 data_hex=binascii.hexlify(data).decode(), pss_valid=pss_valid.name, pss_tampered=pss_tampered.name,
                 pkcs1_signature_hex=binascii.hexlify(pkcs1_signature).decode(), pkcs1_valid=pkcs1_valid.name,
                 encrypted_hex=binascii.hexlify(encrypted).decode(), decrypted_hex=binascii.hexlify(decrypted).decode())
        step("key_pair", key_pair)

        def derive_key():
            base_key = os.urandom(32)
            salt = b"harness pykmip salt"
            base = objects.SymmetricKey(enums.CryptographicAlgorithm.HMAC_SHA256, 256, base_key,
                                        masks=[enums.CryptographicUsageMask.DERIVE_KEY], name="pykmip-derive-" + name_suffix)
            base_uid = client.register(base)
            client.activate(base_uid)
            derived_uid = client.derive_key(
                enums.ObjectType.SYMMETRIC_KEY, [base_uid], enums.DerivationMethod.PBKDF2,
                {"cryptographic_parameters": {"hashing_algorithm": enums.HashingAlgorithm.SHA_256}, "salt": salt, "iteration_count": 1000},
                cryptographic_length=128, cryptographic_algorithm=enums.CryptographicAlgorithm.AES)
            derived = client.get(derived_uid)
            emit("derive_key", True, base_uid=base_uid, derived_uid=derived_uid, base_hex=binascii.hexlify(base_key).decode(),
                 salt_hex=binascii.hexlify(salt).decode(), derived_hex=binascii.hexlify(derived.value).decode(),
                 algorithm=derived.cryptographic_algorithm.name, length=derived.cryptographic_length)
        step("derive_key", derive_key)
    finally:
        client.close()

    emit("done", True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
