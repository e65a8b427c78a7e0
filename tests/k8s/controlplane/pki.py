"""Keys and certificates for a throw-away control plane: one CA, the API server's serving
certificate, one client certificate per identity, and the service-account signing key.

Client identities follow Kubernetes' bootstrap RBAC: the common name is the user, the
organisation its group (`system:masters` is the administrator group).
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=1)
SERVING_NAMES = ("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc")
SERVING_IPS = ("127.0.0.1",)


@dataclass(frozen=True)
class KeyPair:
    cert: Path
    key: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _name(common_name: str, organisation: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(attributes)


class CertificateAuthority:
    """A CA that signs serving and client certificates into one folder."""

    def __init__(self, folder: Path, key: ec.EllipticCurvePrivateKey, name: x509.Name) -> None:
        self.folder = folder
        self.cert = folder / "ca.crt"
        self._key = key
        self._name = name

    @classmethod
    def create(cls, folder: Path) -> CertificateAuthority:
        """A new CA; its certificate is written to `folder/ca.crt`."""
        authority = cls(folder, _key(), _name("slogate-control-plane-ca"))
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(authority._name)
            .issuer_name(authority._name)
            .public_key(authority._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(authority._key, hashes.SHA256())
        )
        authority.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return authority

    def _issue(
        self,
        stem: str,
        subject: x509.Name,
        usage: x509.ObjectIdentifier,
        san: list[x509.GeneralName],
    ) -> KeyPair:
        key = _key()
        now = datetime.datetime.now(datetime.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        pair = KeyPair(self.folder / f"{stem}.crt", self.folder / f"{stem}.key")
        pair.cert.write_bytes(
            builder.sign(self._key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
        )
        _write_key(key, pair.key)
        return pair

    def serving(self, stem: str) -> KeyPair:
        """A serving certificate for the API server on loopback and its in-cluster names."""
        san: list[x509.GeneralName] = [x509.DNSName(name) for name in SERVING_NAMES]
        san += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SERVING_IPS]
        return self._issue(stem, _name("kube-apiserver"), ExtendedKeyUsageOID.SERVER_AUTH, san)

    def client(self, stem: str, user: str, group: str | None = None) -> KeyPair:
        """A client certificate: user `user`, in group `group`."""
        return self._issue(stem, _name(user, group), ExtendedKeyUsageOID.CLIENT_AUTH, [])


def service_account_keys(folder: Path) -> KeyPair:
    """The RSA key that signs service-account tokens (`cert` holds its public half)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pair = KeyPair(folder / "sa.pub", folder / "sa.key")
    _write_key(key, pair.key)
    pair.cert.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return pair
