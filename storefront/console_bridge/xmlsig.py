"""XML signatures for pysaml2 in-process, on the ``xmlsec`` Python binding (no xmlsec1 binary).

pysaml2 signs and verifies through a *crypto backend*; its default runs the ``xmlsec1`` program
(the Debian package of that name), the other one it ships expects pyXMLSecurity's API. This
backend does what the program does, with the same library (libxmlsec1, carried inside the
``xmlsec`` wheel) called in-process: ``--sign``/``--verify`` with ``--id-attr:ID <node name>``
and ``--node-id``. pysaml2 still checks the signature's shape (one reference to the enclosing
element, allowed transforms, no ``ds:Object``) before asking us to verify.

:func:`use_binding` puts it under a pysaml2 entity (our IdP's ``Server``, the sandbox's SP
client); :data:`CRYPTO_BACKEND` is the config value that keeps pysaml2 from looking for the
program while the entity is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xmlsec
from lxml import etree
from saml2.sigver import (
    CryptoBackend,
    RSACrypto,
    SignatureError,
    XmlsecError,
    import_rsa_key_from_file,
)

# pysaml2's name for its in-process backend: building an entity with it never looks for xmlsec1.
CRYPTO_BACKEND = "XMLSecurity"
ID_ATTR = "ID"

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False
)


def _parse(text: str | bytes) -> Any:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return etree.fromstring(data, parser=_PARSER)  # entities, network, DTD off


def _clark(node_name: str) -> str:
    """``urn:oasis:names:tc:SAML:2.0:assertion:Assertion`` -> ``{urn:…:assertion}Assertion``."""
    namespace, _, local = node_name.rpartition(":")
    return f"{{{namespace}}}{local}" if namespace else local


def _signature_of(
    root: Any, node_name: str, node_id: str | None, ctx: xmlsec.SignatureContext
) -> Any:
    """The ``ds:Signature`` directly inside the ``node_name`` element with ``ID == node_id``.

    Like ``xmlsec1 --id-attr:ID <node_name>``: only elements of that name get their ``ID``
    registered, so a reference can only point at one of them.
    """
    tag = _clark(node_name)
    target = None
    for element in root.iter(tag):
        if element.get(ID_ATTR) is None:
            continue
        ctx.register_id(element, ID_ATTR)
        if target is None and (node_id is None or element.get(ID_ATTR) == node_id):
            target = element
    if target is None:
        raise XmlsecError(f"no {node_name} element with ID {node_id!r}")
    signature = xmlsec.tree.find_child(target, "Signature", xmlsec.constants.DSigNs)
    if signature is None:
        raise XmlsecError(f"the {node_name} element {node_id!r} has no ds:Signature")
    return signature


class XmlSecBindingBackend(CryptoBackend):
    """pysaml2 crypto backend on the ``xmlsec`` binding: signs and verifies, no encryption."""

    @property
    def version(self) -> str:
        """libxmlsec1's version (the binding's stubs do not declare the function)."""
        found = xmlsec.get_libxmlsec_version()  # type: ignore[attr-defined]
        return ".".join(str(part) for part in found)

    def sign_statement(
        self, statement: Any, node_name: str, key_file: str, node_id: str | None
    ) -> str:
        """Fill in the signature template of the ``node_name`` element ``node_id``."""
        root = _parse(statement if isinstance(statement, str | bytes) else str(statement))
        ctx = xmlsec.SignatureContext()
        try:
            signature = _signature_of(root, node_name, node_id, ctx)
            ctx.key = xmlsec.Key.from_file(str(key_file), xmlsec.constants.KeyDataFormatPem)
            ctx.sign(signature)
        except (xmlsec.Error, XmlsecError) as exc:
            raise SignatureError(f"could not sign {node_name} {node_id!r}: {exc}") from exc
        signed: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return signed.decode("utf-8")

    def validate_signature(
        self,
        signedtext: str | bytes,
        cert_file: str,
        cert_type: str,
        node_name: str,
        node_id: str | None,
    ) -> bool:
        """True when the element's signature verifies with the certificate in ``cert_file``.

        A failure raises :class:`XmlsecError`, as pysaml2's program backend does (the caller
        then tries the issuer's next certificate). The key is the certificate's only: any
        ``KeyInfo`` in the message is not used to find one.
        """
        if cert_type != "pem":
            raise XmlsecError(f"unsupported certificate type {cert_type!r}")
        try:
            root = _parse(signedtext)
            ctx = xmlsec.SignatureContext()
            signature = _signature_of(root, node_name, node_id, ctx)
            ctx.key = xmlsec.Key.from_file(cert_file, xmlsec.constants.KeyDataFormatCertPem)
            ctx.verify(signature)
        except (xmlsec.Error, etree.XMLSyntaxError) as exc:
            raise XmlsecError(f"signature of {node_name} {node_id!r} not valid: {exc}") from exc
        return True


def use_binding(entity: Any, key_file: Path | str | None) -> None:
    """Sign and verify ``entity``'s messages (pysaml2 ``Server``/``Saml2Client``) in-process.

    Also gives it the RSA key for HTTP-Redirect signatures (pysaml2 sets that up only with
    its program backend).
    """
    entity.sec.crypto = XmlSecBindingBackend()
    if key_file:
        entity.sec.sec_backend = RSACrypto(import_rsa_key_from_file(str(key_file)))
