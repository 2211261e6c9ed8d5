#!/usr/bin/env python3
"""http-client.py - the HTTP client of the cops-serve tests (standard library only).

  http-client.py get URL [HEADER:VALUE]...  print the status, the headers
                                            ("Name: value") and, after a
                                            blank line, the body; the path
                                            is sent exactly as given
  http-client.py method METHOD URL          the same with another method
  http-client.py big-header URL BYTES       a GET with one header of BYTES bytes
  http-client.py slow URL SECONDS           send half a request head, then wait:
                                            prints "closed after N s" when the
                                            server hangs up, "still open" if not
  http-client.py trickle URL SECONDS        send a request head a byte every
                                            0.2 s: "closed after N s" or
                                            "still open", as slow does
  http-client.py hold URL N                 open N connections that send
                                            nothing, then GET URL on one more:
                                            its status, or "refused" when the
                                            server hangs up without one
  http-client.py parallel THREADS N URL...  THREADS clients at once, each
                                            sending N requests (the URLs in
                                            turn); prints "STATUS COUNT" lines
                                            ("error COUNT" for failed requests)
"""
import collections
import threading
import http.client
import socket
import sys
import time
import urllib.parse


def split(url):
    parts = urllib.parse.urlsplit(url)
    path = url[url.index("/", len(parts.scheme) + 3):]
    return parts.hostname, parts.port, path


def show(response):
    print(response.status)
    for name, value in response.getheaders():
        print(f"{name}: {value}")
    print()
    sys.stdout.flush()
    sys.stdout.buffer.write(response.read())


def request(method, url, headers):
    host, port, path = split(url)
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    connection.endheaders()
    show(connection.getresponse())


def slow(url, seconds):
    host, port, path = split(url)
    sock = socket.create_connection((host, port), timeout=seconds + 5)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n".encode())
    start = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
        print(f"closed after {round(time.monotonic() - start)} s")
    except socket.timeout:
        print("still open")


def trickle(url, seconds):
    host, port, path = split(url)
    sock = socket.create_connection((host, port), timeout=5)
    sock.sendall(f"GET {path} HTTP/1.1\r\n".encode())
    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            sock.sendall(b"X")
            time.sleep(0.2)
        print("still open")
    except OSError:
        print(f"closed after {round(time.monotonic() - start)} s")


def hold(url, count):
    host, port, path = split(url)
    held = [socket.create_connection((host, port), timeout=5) for _ in range(count)]
    time.sleep(0.5)
    sock = socket.create_connection((host, port), timeout=5)
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = sock.recv(4096)
        print(answer.split(b" ")[1].decode() if answer else "refused")
    except OSError:
        print("refused")
    for s in held:
        s.close()


def parallel(threads, count, urls):
    statuses = collections.Counter()
    lock = threading.Lock()

    def client(first):
        for i in range(count):
            host, port, path = split(urls[(first + i) % len(urls)])
            try:
                connection = http.client.HTTPConnection(host, port, timeout=30)
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = str(response.status)
            except OSError:
                status = "error"
            with lock:
                statuses[status] += 1

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for status, n in sorted(statuses.items()):
        print(status, n)


def main(argv):
    if argv[1] == "get":
        request("GET", argv[2], [h.split(":", 1) for h in argv[3:]])
    elif argv[1] == "method":
        request(argv[2], argv[3], [])
    elif argv[1] == "big-header":
        request("GET", argv[2], [("X-Filler", "a" * int(argv[3]))])
    elif argv[1] == "parallel":
        parallel(int(argv[2]), int(argv[3]), argv[4:])
    elif argv[1] == "trickle":
        trickle(argv[2], float(argv[3]))
    elif argv[1] == "hold":
        hold(argv[2], int(argv[3]))
    elif argv[1] == "slow":
        slow(argv[2], float(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
