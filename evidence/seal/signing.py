"""Ed25519 keys that sign run manifests: making one, loading it, checking a signature.

The private key never lives in the repo, the store or a log. It comes, at the point of use, from
the environment variable `KIEMTRA_SIGNING_KEY` (the PEM text itself) or from a key file (the
setting `signing.key_file`, by default `~/.config/kiemtra/signing-key.pem`). Only the public key
and its id go into the store, so verification needs no secret. Without a key, manifests are still
hash-chained but unsigned, and `kiemtra evidence verify` says so.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiemtra.errors import SigningError

KEY_ENV = "KIEMTRA_SIGNING_KEY"
DEFAULT_KEY_FILE = "~/.config/kiemtra/signing-key.pem"
# The source tree this module belongs to: a key written inside it could end up committed.
SOURCE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Signer:
    private_key: Ed25519PrivateKey

    @property
    def public_pem(self) -> str:
        return public_pem(self.private_key.public_key())

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_pem)

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def key_id_of(pem: str) -> str:
    """A short, stable name of a public key: the first 16 hex digits of the SHA-256 of its raw bytes."""
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def read_public_key(path: str | Path) -> str:
    """The PEM text of the Ed25519 public key in `path` (`--public-key`); SigningError names the file and the fix."""
    try:
        pem = Path(path).expanduser().read_text(encoding="ascii")
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except FileNotFoundError:
        raise SigningError(f"không có tệp khóa công khai {path}; chỉ tới tệp .pub do `kiemtra keys init` tạo "
                           "hoặc do cơ quan kiểm tra gửi") from None
    except OSError as exc:
        raise SigningError(f"không đọc được tệp khóa công khai {path} ({type(exc).__name__}); "
                           "chỉ tới tệp .pub do `kiemtra keys init` tạo hoặc do cơ quan kiểm tra gửi") from None
    except (UnicodeDecodeError, ValueError, TypeError):
        raise SigningError(f"tệp {path} không phải khóa công khai dạng PEM; "
                           "dùng tệp .pub do `kiemtra keys init` tạo") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"khóa công khai trong {path} không phải khóa Ed25519; dùng tệp .pub do `kiemtra keys init` tạo")
    return pem


def inside_a_repo(path: Path) -> bool:
    """Whether `path` lies in kiemtra's source tree or any git work tree, where a secret could be committed."""
    path = path.expanduser().resolve()
    if path == SOURCE_ROOT or SOURCE_ROOT in path.parents:
        return True
    return any((parent / ".git").exists() for parent in path.parents)


def init_key(path: Path, *, force: bool = False) -> Signer:
    """Make a new private key at `path` (mode 0600) and its public key beside it (`.pub`)."""
    path = Path(path).expanduser()
    if inside_a_repo(path):
        raise SigningError(f"không ghi khóa bí mật vào trong kho mã nguồn ({path}); chọn thư mục khác, ví dụ {DEFAULT_KEY_FILE}")
    if path.exists() and not force:
        raise SigningError(f"đã có khóa tại {path}; thêm --force nếu thật sự muốn thay "
                           "(chữ ký cũ vẫn kiểm được bằng khóa công khai cũ trong kho)")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    signer = Signer(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created 0600 from the start, so the key is never readable by others even for a moment.
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(pem)
        path.with_name(path.name + ".pub").write_text(signer.public_pem, encoding="ascii")
    except OSError as exc:
        raise SigningError(f"không ghi được khóa vào {path} ({type(exc).__name__}); chọn một thư mục ghi được, "
                           f"ví dụ {DEFAULT_KEY_FILE}") from None
    return signer


def _parse_private(pem: bytes, where: str) -> Signer:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"khóa ký ở {where} không đọc được (cần khóa Ed25519 dạng PEM, không mật khẩu)") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"khóa ký ở {where} không phải khóa Ed25519")
    return Signer(key)


def load_signer(key_file: str | Path | None = DEFAULT_KEY_FILE, environ: Mapping[str, str] | None = None) -> Signer | None:
    """The signing key from the environment, else from `key_file`; None when neither holds one."""
    environ = os.environ if environ is None else environ
    if environ.get(KEY_ENV, "").strip():
        return _parse_private(environ[KEY_ENV].encode("ascii", "replace"), f"biến môi trường {KEY_ENV}")
    if not key_file:
        return None
    path = Path(key_file).expanduser()
    if not path.is_file():
        return None
    return _parse_private(path.read_bytes(), str(path))


def signature_valid(public_key_pem: str, signature: bytes, data: bytes) -> bool:
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            return False
        key.verify(signature, data)
        return True
    except (InvalidSignature, ValueError):
        return False
