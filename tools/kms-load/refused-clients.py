#!/usr/bin/env python3
"""Load test of refused client certificates (issue 13). Usage:
  refused-clients.py HOST PORT PKI_DIR N
Connects with N distinct self-signed client certificates (not from the server's CA): every handshake is refused.
Prints how many were refused and how long it took."""
import datetime, os, socket, ssl, sys, tempfile, time
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

host, port, pki, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
tmp = tempfile.mkdtemp()
refused = accepted = 0
start = time.time()
for i in range(n):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"stranger {i}")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    cp, kp = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
    open(cp, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    open(kp, "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(f"{pki}/ca.crt")
    ctx.load_cert_chain(cp, kp)
    ctx.check_hostname = False
    try:
        s = ctx.wrap_socket(socket.create_connection((host, port)), server_hostname="localhost")
        s.settimeout(5)
        # TLS 1.3: the server's refusal arrives after the client's handshake finished; a read shows it.
        s.sendall(b"\x42\x00\x78\x01\x00\x00\x00\x00")
        data = s.recv(1)
        if data:
            accepted += 1
        else:
            refused += 1
        s.close()
    except (ssl.SSLError, ConnectionError, OSError):
        refused += 1
print(f"{n} distinct certificates: {refused} refused, {accepted} accepted, in {time.time() - start:.1f} s")
