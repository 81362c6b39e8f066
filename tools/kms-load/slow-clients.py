#!/usr/bin/env python3
"""Load test of the KMS read and idle timeouts (issue 13). Usage:
  slow-clients.py HOST PORT PKI_DIR IDLE STALLED PARTIAL SECONDS
Opens IDLE connections that send nothing after the TLS handshake, STALLED ones that send half a message header, and
PARTIAL ones that announce 1 MiB and send 512 KiB; meanwhile a canary connection does a 1-item request every second.
Prints how many of each group the server has closed, every few seconds, and the canary's slowest answer."""
import socket, ssl, struct, sys, time

host, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
IDLE, STALLED, PARTIAL, LIMIT = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(f"{pki}/ca.crt")
ctx.load_cert_chain(f"{pki}/client.crt", f"{pki}/client.key")
ctx.check_hostname = False

def connect():
    s = socket.create_connection((host, port))
    t = ctx.wrap_socket(s, server_hostname="localhost")
    t.setblocking(False)
    return t

# A KMIP 1.4 Query (Query Operations) message: a harmless request for the canary.
def ttlv(tag, typ, value):
    if typ == 1:  # structure
        body = b"".join(value)
        return struct.pack(">I", (tag << 8) | 1) + struct.pack(">I", len(body)) + body
    if typ == 2:  # integer
        return struct.pack(">I", (tag << 8) | 2) + struct.pack(">I", 4) + struct.pack(">i", value) + b"\0" * 4
    if typ == 5:  # enumeration
        return struct.pack(">I", (tag << 8) | 5) + struct.pack(">I", 4) + struct.pack(">I", value) + b"\0" * 4
query = ttlv(0x420078, 1, [
    ttlv(0x420077, 1, [ttlv(0x420069, 1, [ttlv(0x42006A, 2, 1), ttlv(0x42006B, 2, 4)]), ttlv(0x42000D, 2, 1)]),
    ttlv(0x42000F, 1, [ttlv(0x42005C, 5, 0x18), ttlv(0x420079, 1, [ttlv(0x420074, 5, 1)])])])

def groups_open(groups):
    result = {}
    for name, socks in groups.items():
        still = 0
        for t in socks:
            if t is None:
                continue
            try:
                data = t.recv(1)
                if data == b"":
                    raise ConnectionError
                still += 1
            except (ssl.SSLWantReadError,):
                still += 1
            except (ConnectionError, OSError, ssl.SSLError):
                socks[socks.index(t)] = None
        result[name] = still
    return result

start = time.time()
groups = {"idle": [], "stalled": [], "partial": []}
for _ in range(IDLE):
    groups["idle"].append(connect())
for _ in range(STALLED):
    t = connect(); t.setblocking(True); t.send(b"\x42\x00\x78\x01"); t.setblocking(False)
    groups["stalled"].append(t)
for _ in range(PARTIAL):
    t = connect(); t.setblocking(True)
    t.sendall(b"\x42\x00\x78\x01" + struct.pack(">I", 1024 * 1024 - 8) + b"\0" * (512 * 1024 - 8)); t.setblocking(False)
    groups["partial"].append(t)
print(f"opened {IDLE} idle, {STALLED} stalled, {PARTIAL} partial connections in {time.time() - start:.1f} s", flush=True)

canary = socket.create_connection((host, port)); canary = ctx.wrap_socket(canary, server_hostname="localhost")
slowest = 0.0; probes = 0
t0 = time.time(); last_report = 0
while time.time() - t0 < LIMIT:
    a = time.time(); canary.sendall(query)
    head = b""
    while len(head) < 8: head += canary.recv(8 - len(head))
    n = struct.unpack(">I", head[4:8])[0]; body = b""
    while len(body) < n: body += canary.recv(n - len(body))
    slowest = max(slowest, time.time() - a); probes += 1
    if time.time() - last_report >= 5:
        last_report = time.time()
        print(f"t={time.time() - t0:6.1f} s open: {groups_open(groups)}  canary probes {probes}, slowest {slowest * 1000:.0f} ms", flush=True)
        if all(v == 0 for v in groups_open(groups).values()):
            break
    time.sleep(1)
print(f"final t={time.time() - t0:.1f} s open: {groups_open(groups)}; canary {probes} probes, slowest {slowest * 1000:.0f} ms", flush=True)
