"""WeChat's callback signatures and 安全模式 (the 消息加解密 scheme), on `cryptography`.

- The URL check and plaintext callbacks are signed with ``signature`` = SHA-1 of the token,
  timestamp and nonce sorted and joined.
- In 安全模式 the body carries ``<Encrypt>``, signed with ``msg_signature`` = SHA-1 of the token,
  timestamp, nonce and that ciphertext sorted and joined. The ciphertext is AES-256-CBC under
  AESKey = base64(EncodingAESKey + "="), IV = AESKey[:16], of: 16 random bytes, the message's
  length (4 bytes, big-endian), the message, the appid; padded (PKCS#7) to 32-byte blocks.

Signatures are compared in constant time. Every refusal is a `CallbackRefused`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32-byte blocks, not AES's 16
AES_KEY_CHARS = 43


class CallbackRefused(Exception):
    """A callback that is not WeChat's: bad signature, key, padding or appid."""


def signature(*parts: str) -> str:
    """SHA-1 (hex) of the parts sorted and joined, as WeChat signs."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signature_matches(given: str, *parts: str) -> bool:
    return hmac.compare_digest(given.encode(), signature(*parts).encode())


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key of a 43-character EncodingAESKey."""
    if len(encoding_aes_key) != AES_KEY_CHARS:
        raise ValueError("the EncodingAESKey has 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error:
        raise ValueError("the EncodingAESKey is not base64") from None
    if len(key) != 32:
        raise ValueError("the EncodingAESKey does not give a 32-byte key")
    return key


class WechatCrypto:
    """Checks and (in 安全模式) decrypts callbacks of one account; encrypts as WeChat does
    (the test driver, a passive reply)."""

    def __init__(self, token: str, appid: str, encoding_aes_key: str | None = None) -> None:
        self.token = token
        self.appid = appid
        self.key = aes_key(encoding_aes_key) if encoding_aes_key else None
        self._made: Cipher | None = None

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    def check(self, given: str, timestamp: str, nonce: str, *extra: str) -> None:
        """Refuse unless `given` is the signature of token, timestamp, nonce (and extra)."""
        if not signature_matches(given, self.token, timestamp, nonce, *extra):
            raise CallbackRefused("bad signature")

    def sign(self, timestamp: str, nonce: str, *extra: str) -> str:
        return signature(self.token, timestamp, nonce, *extra)

    def _cipher(self) -> Cipher:
        # Made once (its making costs as much as a decryption); each use takes its own context.
        if self._made is None:
            if self.key is None:
                raise CallbackRefused("no EncodingAESKey: 安全模式 is off")
            self._made = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))
        return self._made

    def decrypt(self, encrypted: str) -> bytes:
        """The message inside `Encrypt` (bytes of XML, or the URL check's echostr); refused
        when it does not decrypt, is malformed, or names another appid."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise CallbackRefused("Encrypt is not base64") from None
        if not data or len(data) % 16:
            raise CallbackRefused("Encrypt is not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CallbackRefused("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CallbackRefused("too short")
        (length,) = struct.unpack(">I", plain[16:20])
        message, appid = plain[20 : 20 + length], plain[20 + length :]
        if len(message) != length:
            raise CallbackRefused("bad length")
        if not hmac.compare_digest(appid, self.appid.encode()):
            raise CallbackRefused("another appid")
        return message

    def encrypt(self, message: bytes, random: bytes | None = None) -> str:
        """`message` encrypted as WeChat encrypts (base64); `random` fixes the 16 bytes."""
        prefix = random if random is not None else os.urandom(16)
        if len(prefix) != 16:
            raise ValueError("16 random bytes")
        plain = prefix + struct.pack(">I", len(message)) + message + self.appid.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
