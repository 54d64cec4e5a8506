"""An independent auth-v2 signer (huawei-protocols.md section E.2), written from the algorithm's
description without looking at the Rust signer, so that a bug shared by the signer and the
simulator cannot pass the golden-vector test.

Usage: python3 auth_v2.py AK SK TIMESTAMP METHOD PATH HOST CONTENT_TYPE < body
Prints the Authorization header value.
"""
import hashlib
import hmac
import sys
import urllib.parse


def normalize(text):
    # Every UTF-8 byte percent-encoded in uppercase hex, except A-Z a-z 0-9 - . _ ~
    return urllib.parse.quote(text, safe="-._~")


def hmac_hex(key, message):
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def main():
    ak, sk, timestamp, method, path, host, content_type = sys.argv[1:8]
    body = sys.stdin.buffer.read()
    signed_headers = "content-length;content-type;host"
    prefix = "auth-v2/%s/%s/%s" % (ak, timestamp, signed_headers)
    signing_key = hmac_hex(sk, prefix)
    headers = {"host": host, "content-length": str(len(body)), "content-type": content_type}
    canonical_headers = "\n".join(
        normalize(name) + ":" + normalize(headers[name].strip()) for name in sorted(headers)
    )
    canonical_request = "\n".join(
        [method, path, "", signed_headers, canonical_headers, normalize(body.decode("utf-8"))]
    )
    print(prefix + "/" + hmac_hex(signing_key, canonical_request))


main()
